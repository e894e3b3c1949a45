#!/usr/bin/env bash
# The one test command: installs what is missing, builds, and runs every suite
# on the machine's Vulkan device (Mesa lavapipe when there is no GPU) with the
# Khronos validation layer on. Any validation message fails a test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# A newer lavapipe for the cooperative-matrix kernel tests (tests/CMakeLists.txt):
# fetched once; a failure only leaves that test out, with a message.
if [[ ! -x "$root/.toolchain/lavapipe/run" ]]; then
  "$root/scripts/fetch-lavapipe.sh" || echo "vkllm: could not fetch the newer lavapipe; the cooperative-matrix kernels are tested on GPUs only" >&2
fi
"$root/scripts/build.sh"
build="${VKLLM_BUILD_DIR:-$root/build}"
export VKLLM_VALIDATION=1
# The serve tests' npm packages, exactly as the lockfile pins them.
npm ci --prefix "$root/tests/serve" --no-audit --no-fund --loglevel=error
ctest --test-dir "$build" --output-on-failure -j1
if [[ -x "$root/tests/fuzz/run.sh" ]]; then "$root/tests/fuzz/run.sh"; fi
# The aarch64 cross build and its tests under qemu-user (README "aarch64"):
# only when asked for, it takes most of an hour on 2 cores.
if [[ ${VKLLM_TEST_AARCH64:-0} != 0 ]]; then "$root/scripts/cross-aarch64.sh"; fi
