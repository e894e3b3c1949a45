#!/usr/bin/env bash
# Cross-builds vkllm for aarch64 (64-bit Arm Linux) into build-aarch64/ with
# Debian's cross toolchain and runs the unit tests and a bounded kernel-test
# subset under qemu-user on the arm64 lavapipe (Mesa's CPU Vulkan driver).
#
#   ./scripts/cross-aarch64.sh            install what is missing, build, test
#   VKLLM_AARCH64_BUILD_ONLY=1 ...        build only
#   VKLLM_AARCH64_CLI=0 ...               leave the vkllm CLI out (test binaries only)
#   VKLLM_AARCH64_SHADERS_FROM=DIR ...    copy the embedded SPIR-V from a native
#                                         build's shaders folder (e.g. build/shaders)
#                                         instead of compiling every variant again
#   ./scripts/test.sh runs this after the native suites, with both of the
#   above (VKLLM_TEST_AARCH64=0 leaves it out)
#
# What runs under qemu (see README "aarch64"): the unit suite without the
# tests that start the vkllm CLI as a child process (*_cli_test.cpp, left out
# of a cross build: without binfmt_misc a child aarch64 program cannot be
# started), and the kernel tests named in kernel_subset below.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${VKLLM_AARCH64_BUILD_DIR:-$root/build-aarch64}"
if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi

# Kernel tests run under qemu: a reduction, an f32 matrix-vector product and
# prefill attention over f32 pools, so the subgroup, matrix-vector and
# shared-memory paths of the aarch64 build run once each (emulated lavapipe is
# many times slower than native; the full kernel suite would take hours). They
# are f32 cases: Debian 12's arm64 lavapipe cannot compile f16 conversions (the
# llvmpipe-arm64-half-conversion driver quirk), and the engine does not ask it to.
kernel_subset="${VKLLM_AARCH64_KERNEL_TESTS:-RMSNorm matches the CPU,matvec f32 weights matches the CPU,paged attention: causal prefill? MHA}"

# --- packages -------------------------------------------------------------
host_packages=(crossbuild-essential-arm64 qemu-user ccache)
arm64_packages=(libvulkan-dev libpcre2-dev libxml2-dev libtomlplusplus-dev libcpp-httplib-dev vulkan-validationlayers)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
"$root/scripts/deps.sh"  # the native build's packages: glslang, headers-only libraries, cmake, ninja
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "vkllm: enabling the arm64 architecture for multiarch packages"
  "${sudo[@]}" dpkg --add-architecture arm64
  "${sudo[@]}" apt-get update -q
fi
# Lavapipe's own libraries (LLVM, libdrm, ...) are installed; lavapipe itself is
# not: mesa-vulkan-drivers:arm64 would put arm64 driver manifests into
# /usr/share/vulkan/icd.d, where the host's Vulkan loader finds them too and
# reports each as a load error. It is unpacked into build-aarch64/ instead.
lavapipe_deps() {
  apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
    mesa-vulkan-drivers:arm64 | sed -n 's/^  Depends: \(lib[^ <>]*:arm64\)$/\1/p'
}
missing=()
for p in "${host_packages[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${arm64_packages[@]}"; do installed "$p:arm64" || missing+=("$p:arm64"); done
for p in $(lavapipe_deps); do installed "$p" || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "vkllm: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- the arm64 lavapipe, private to this build ----------------------------
lvp="$build/lavapipe"
icd="$lvp/lvp_icd.aarch64.json"
if [[ ! -f "$lvp/root/usr/lib/aarch64-linux-gnu/libvulkan_lvp.so" ]]; then
  mkdir -p "$lvp"
  (cd "$lvp" && rm -f mesa-vulkan-drivers_*.deb && apt-get download -q mesa-vulkan-drivers:arm64)
  dpkg -x "$lvp"/mesa-vulkan-drivers_*_arm64.deb "$lvp/root"
fi
cat > "$icd" <<JSON
{"file_format_version": "1.0.0",
 "ICD": {"library_path": "$lvp/root/usr/lib/aarch64-linux-gnu/libvulkan_lvp.so", "api_version": "1.3.230"}}
JSON

# --- build ----------------------------------------------------------------
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [[ -z ${VKLLM_GLSLANG_NEW:-} && ! -x "$root/.toolchain/glslang/bin/glslangValidator" ]]; then
  "$root/scripts/fetch-glslang.sh" || echo "vkllm: no newer glslang; cooperative-matrix shaders are skipped" >&2
fi
targets=(vkllm_unit_tests vkllm_kernels_tests)
programs=("$build/tests/vkllm_unit_tests" "$build/tests/vkllm_kernels_tests")
cli="${VKLLM_AARCH64_CLI:-1}"
if [[ $cli != 0 ]]; then targets+=(vkllm); programs+=("$build/vkllm"); fi
# Always passed, so that an earlier run's folder does not stay in the cache.
shaders_from="${VKLLM_AARCH64_SHADERS_FROM:-}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" "${launcher[@]}" \
  -DVKLLM_PREBUILT_SHADERS="$shaders_from" >/dev/null
start=$SECONDS
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
echo "vkllm: aarch64 build of ${targets[*]} took $((SECONDS - start)) s"
for program in "${programs[@]}"; do
  aarch64-linux-gnu-readelf -h "$program" | grep -q "Machine: *AArch64" || { echo "vkllm: $program is not an aarch64 program" >&2; exit 1; }
done
[[ -n ${VKLLM_AARCH64_BUILD_ONLY:-} ]] && exit 0

# --- test under qemu-user ---------------------------------------------------
# The arm64 loader finds only the private lavapipe; -E gives the guest (not
# qemu itself) the library path of the unpacked package (its implicit
# device-select layer lives there).
export VK_DRIVER_FILES="$icd"
export VKLLM_VALIDATION="${VKLLM_VALIDATION-1}"
run() { qemu-aarch64 -E LD_LIBRARY_PATH="$lvp/root/usr/lib/aarch64-linux-gnu" "$@"; }
if [[ $cli != 0 ]]; then run "$build/vkllm" devices; fi
start=$SECONDS
run "$build/tests/vkllm_unit_tests"
echo "vkllm: aarch64 unit tests took $((SECONDS - start)) s"
start=$SECONDS
run "$build/tests/vkllm_kernels_tests" --test-case="$kernel_subset"
echo "vkllm: aarch64 kernel tests ($kernel_subset) took $((SECONDS - start)) s"
