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
# Two suites at once: much of a lavapipe test's time is the validation
# layer's single-threaded host work, so one suite leaves a core idle (2 cores:
# 9 min 54 s against 14 min 52 s one at a time).
ctest --test-dir "$build" --output-on-failure -j2
if [[ -x "$root/tests/fuzz/run.sh" ]]; then "$root/tests/fuzz/run.sh"; fi
# The aarch64 cross build and its tests under qemu-user (README "aarch64"):
# the test binaries only, with this build's SPIR-V (no variant is compiled
# twice). On by default (a cold cross build took 189 s on 2 cores, the
# tests under qemu about 10 s); VKLLM_TEST_AARCH64=0 leaves it out.
if [[ ${VKLLM_TEST_AARCH64:-1} != 0 ]]; then
  VKLLM_AARCH64_CLI=0 VKLLM_AARCH64_SHADERS_FROM="$build/shaders" "$root/scripts/cross-aarch64.sh"
fi
