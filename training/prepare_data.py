#!/usr/bin/env python3
"""Write the King James Bible as plain text, split into training and validation.

Reads the text from the `bible` program of the Debian package bible-kjv (one verse
a line as "Ge1:1 In the beginning ..."), drops the verse references and writes one
verse per line, with an empty line between chapters.

The split is by whole chapters and fixed: counting the 1189 chapters from 0 in
canonical order, chapter i goes to
  valid.txt when i % 50 == 25 (24 chapters, about 2% of the text, spread over the
            whole book): held out for the reported perplexity only,
  dev.txt   when i % 50 == 10 (24 chapters): held out for choosing the checkpoint
            and the dropout rate,
  train.txt otherwise.

Usage: python3 training/prepare_data.py [OUTDIR]   (default: .train-data)
"""
import re
import subprocess
import sys
from pathlib import Path

VERSE = re.compile(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$")
SPLIT_EVERY = 50
VALID_OFFSET = 25
DEV_OFFSET = 10


def read_chapters():
    text = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True,
                          capture_output=True, text=True).stdout
    chapters, current, key = [], [], None
    for line in text.splitlines():
        if not line.strip():
            continue
        m = VERSE.match(line)
        if not m:
            raise SystemExit(f"unexpected line from bible: {line!r}")
        chapter_key = (m.group(1), int(m.group(2)))
        if chapter_key != key and current:
            chapters.append((key, current))
            current = []
        key = chapter_key
        current.append(m.group(4).strip())
    chapters.append((key, current))
    return chapters


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".train-data")
    out.mkdir(parents=True, exist_ok=True)
    chapters = read_chapters()
    if len(chapters) != 1189:
        raise SystemExit(f"expected 1189 chapters, got {len(chapters)}")
    splits = {"train": [], "dev": [], "valid": []}
    names = {"dev": [], "valid": []}
    for i, ((book, number), verses) in enumerate(chapters):
        block = "\n".join(verses) + "\n"
        split = {VALID_OFFSET: "valid", DEV_OFFSET: "dev"}.get(i % SPLIT_EVERY, "train")
        splits[split].append(block)
        if split in names:
            names[split].append(f"{book}{number}")
    for split, blocks in splits.items():
        # Chapters are separated by one empty line.
        path = out / f"{split}.txt"
        path.write_text("\n".join(blocks))
        print(f"{path.name}: {len(blocks)} chapters, {path.stat().st_size} bytes")
    for split, chapter_names in names.items():
        (out / f"{split}_chapters.txt").write_text("\n".join(chapter_names) + "\n")
        print(f"{split} chapters:", " ".join(chapter_names))


if __name__ == "__main__":
    main()
