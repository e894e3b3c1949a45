#!/usr/bin/env bash
# Configures and builds vkllm into ./build (or $VKLLM_BUILD_DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/deps.sh"
# The cooperative-matrix shaders need a newer glslang than Debian 12's: fetch
# it once into .toolchain/ (a failure only skips that family, with a message).
if [[ -z ${VKLLM_GLSLANG_NEW:-} && ! -x "$root/.toolchain/glslang/bin/glslangValidator" ]]; then
  "$root/scripts/fetch-glslang.sh" || echo "vkllm: could not fetch the newer glslang; cooperative-matrix shaders will be skipped" >&2
fi
build="${VKLLM_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
