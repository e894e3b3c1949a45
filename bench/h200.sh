#!/usr/bin/env bash
# Our side of the speed table (bench/RESULTS.md) in one go, on a machine with
# the GPU, from built vkllm binaries (nothing is built here):
#
#   bench/h200.sh [-r ROWS] [-w DIR] [-b BYTES_PER_S] LABEL=path/to/vkllm [LABEL2=path/to/other/vkllm ...]
#
# Makes random-weight models (configs/models/*.toml, seed 1) under the work
# folder, then runs `vkllm bench --json` for every row and binary, back to
# back, and prints one table: wall and GPU tokens/s per binary, and the share
# of the reference bandwidth (-b, default 4.262e12 bytes/s: this card's
# device-to-device copy) that the wall decode rate implies. JSON of every run
# goes to the work folder. ROWS is a comma-separated subset of the row names
# below (default: all). Quantized rows quantize the f16 model with `vkllm
# quantize` (a GGUF type or preset); rows whose model cannot be made are
# reported as skipped.
set -euo pipefail

rows="all"
work="${TMPDIR:-/tmp}/vkllm-bench"
bandwidth="4.262e12"
while getopts "r:w:b:" opt; do
    case "$opt" in
        r) rows="$OPTARG" ;;
        w) work="$OPTARG" ;;
        b) bandwidth="$OPTARG" ;;
        *) echo "usage: $0 [-r ROWS] [-w DIR] [-b BYTES_PER_S] LABEL=vkllm ..." >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-r ROWS] [-w DIR] [-b BYTES_PER_S] LABEL=vkllm ..." >&2; exit 2; }
here="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$work"
maker="${1#*=}"

# name | config | dtype | bench arguments
table="
1b-f16|llama-3.2-1b|f16|-p 512 -n 128
1b-q8|llama-3.2-1b|q8_0|-p 512 -n 128
1b-q4km|llama-3.2-1b|q4_k_m|-p 512 -n 128
1b-q40|llama-3.2-1b|q4_0|-p 512 -n 128
8b-f16|llama-3-8b|f16|-p 512 -n 64
8b-q8|llama-3-8b|q8_0|-p 512 -n 64
8b-q4km|llama-3-8b|q4_k_m|-p 512 -n 64
8b-q40|llama-3-8b|q4_0|-p 512 -n 64
1b-ctx4k|llama-3.2-1b|f16|-p 4096 -n 64
1b-ctx8k|llama-3.2-1b|f16|-p 8192 -n 64
1b-b16|llama-3.2-1b|f16|-p 128 -n 32 -b 16
1b-b64|llama-3.2-1b|f16|-p 128 -n 32 -b 64
moe|mixtral-small|f16|-p 512 -n 64
moe-dense|mixtral-small-dense|f16|-p 512 -n 64
"

wanted() { [ "$rows" = all ] || [[ ",$rows," == *",$1,"* ]]; }

model_path() {  # config dtype -> the model file to bench, made once
    case "$2" in
        f16|f32|bf16)
            local dir="$work/$1-$2"
            if [ ! -f "$dir/model.toml" ]; then
                "$maker" make-model --config "$here/configs/models/$1.toml" --seed 1 --out "$dir" --dtype "$2" \
                    >"$work/make-$1-$2.log" 2>&1 || { rm -rf "$dir"; return 1; }
            fi
            echo "$dir/model.toml" ;;
        *)  # a GGUF type or preset: the f16 model through `vkllm quantize`
            local f16 gguf="$work/$1-$2.gguf"
            f16="$(model_path "$1" f16)" || return 1
            if [ ! -f "$gguf" ]; then
                "$maker" quantize "$f16" "$gguf" "$2" -q >"$work/make-$1-$2.log" 2>&1 || { rm -f "$gguf"; return 1; }
            fi
            echo "$gguf" ;;
    esac
}

results="$work/results.tsv"
: >"$results"
while IFS='|' read -r name config dtype args; do
    [ -n "$name" ] || continue
    wanted "$name" || continue
    if ! model="$(model_path "$config" "$dtype")"; then
        printf '%s\t-\tskipped: could not make %s %s (%s)\n' "$name" "$config" "$dtype" \
            "$(tail -n 1 "$work/make-$config-$dtype.log")" >>"$results"
        continue
    fi
    for binary in "$@"; do
        label="${binary%%=*}" exe="${binary#*=}"
        out="$work/$name-$label.json"
        # shellcheck disable=SC2086
        if "$exe" bench -m "$model" $args --json >"$out" 2>"$work/$name-$label.err"; then
            printf '%s\t%s\t%s\t%s\n' "$name" "$label" "$args" "$out" >>"$results"
            # Progress, so a run cut short still shows what it measured.
            echo "$name $label: $(tr -d '\n' <"$out" | grep -o '"\(prefill\|decode\)_tokens_per_second_wall": *[0-9.]*' | tr '\n' ' ')" >&2
        else
            printf '%s\t%s\tfailed: %s\n' "$name" "$label" "$(tail -n 1 "$work/$name-$label.err")" >>"$results"
        fi
    done
done <<<"$table"

python3 - "$results" "$bandwidth" <<'EOF'
import json, sys
results, bandwidth = sys.argv[1], float(sys.argv[2])
print(f"| row | binary | bench args | prefill t/s wall / GPU | decode t/s wall / GPU | ms/step wall | MB/step | of {bandwidth/1e12:.2f} TB/s |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
for line in open(results):
    f = line.rstrip("\n").split("\t")
    if len(f) < 4:
        print(f"| {f[0]} | {f[1]} | {' '.join(f[2:])} | | | | | |")
        continue
    name, label, args, path = f
    j = json.load(open(path))
    batch = j.get("batch", 1)
    steps_per_s = j["decode_tokens_per_second_wall"] / batch
    share = steps_per_s * j["decode_bytes_per_step"] / bandwidth
    print(f"| {name} | {label} | `{args}` | {j['prefill_tokens_per_second_wall']:.0f} / {j['prefill_tokens_per_second_gpu']:.0f} "
          f"| {j['decode_tokens_per_second_wall']:.1f} / {j['decode_tokens_per_second_gpu']:.1f} | {1e3 / steps_per_s:.3f} "
          f"| {j['decode_bytes_per_step'] / 1e6:.0f} | {100 * share:.0f}% |")
EOF
