#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, engine code instrumented
# for coverage) in their own build folder, runs each for a bounded time from the
# seeds in corpus/ (and configs/models/ for TOML), and fails if any of them finds
# a crash, a sanitizer report, a leak, a hang or an oversized allocation.
#   VKLLM_FUZZ_SECONDS   seconds per target (default 40)
#   VKLLM_FUZZ_BUILD_DIR build folder (default <repo>/build-fuzz)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${VKLLM_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${VKLLM_FUZZ_SECONDS:-40}"
targets=(fuzz_gguf fuzz_safetensors_header fuzz_toml_config fuzz_openai_request)

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DVKLLM_BUILD_FUZZERS=ON -DVKLLM_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all -g" \
  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all -g" >/dev/null
cmake --build "$build" -j"${VKLLM_FUZZ_JOBS:-2}" --target "${targets[@]}"

seeds_for() {
  case "$1" in
    fuzz_gguf) echo "$root/tests/fuzz/corpus/gguf" ;;
    fuzz_safetensors_header) echo "$root/tests/fuzz/corpus/safetensors" ;;
    fuzz_toml_config) echo "$root/configs/models" ;;
    fuzz_openai_request) echo "$root/tests/fuzz/corpus/openai" ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  work="$build/fuzz-work/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  echo "== $t: ${seconds}s"
  if ! "$build/tests/fuzz/$t" "$work/corpus" "$(seeds_for "$t")" \
      -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
      -artifact_prefix="$work/artifacts/" -print_final_stats=1 >"$work/log.txt" 2>&1; then
    failed+=("$t")
    tail -n 60 "$work/log.txt"
    echo "== $t FAILED; reproducer(s): $(ls "$work/artifacts")" >&2
  else
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/log.txt" | tail -n 2 || true
  fi
done

if ((${#failed[@]})); then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing: no findings"
