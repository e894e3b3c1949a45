#!/usr/bin/env bash
# Single-core encoding speed of a tokenizer on a few MB of English prose.
# Usage: bench/tokenizer/run.sh VKLLM_BINARY TOKENIZER_JSON [MEGABYTES]
# The text is the package changelogs and licence texts found under
# /usr/share/doc and /usr/share/common-licenses (English prose, some code).
set -euo pipefail
vkllm=${1:?path to the vkllm binary}
tokenizer=${2:?path to tokenizer.json}
megabytes=${3:-4}
text=$(mktemp)
trap 'rm -f "$text"' EXIT
{
  cat /usr/share/common-licenses/* 2>/dev/null || true
  find /usr/share/doc -name 'changelog*.gz' -print0 | xargs -0 zcat 2>/dev/null || true
} | head -c $((megabytes * 1000 * 1000)) > "$text"
echo "text: $(wc -c < "$text") bytes"
taskset -c 0 "$vkllm" tokenize --bench --tokenizer "$tokenizer" < "$text"
