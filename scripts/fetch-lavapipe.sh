#!/usr/bin/env bash
# Puts a newer Mesa lavapipe (Vulkan on the CPU) and Khronos validation layer
# from Debian's testing suite in .toolchain/lavapipe/, for the tests of the
# cooperative-matrix kernels: Debian 12's lavapipe has no
# VK_KHR_cooperative_matrix, Mesa 26's exposes it (8x8x8 f16 fragments,
# subgroups of 8), so these kernels run against the CPU reference on a machine
# without a GPU. Nothing is installed system-wide: the packages and their
# dependency closure are unpacked into a private prefix, and
#   .toolchain/lavapipe/run COMMAND...
# runs COMMAND through that prefix's dynamic loader and libraries with only
# that driver and layer visible. The test suite registers its test
# (kernels_coopmat_cpu) when the wrapper is there; without it, that test is
# left out with a message.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.toolchain/lavapipe"
suite="${VKLLM_LAVAPIPE_SUITE:-forky}"
rm -rf "$prefix"
mkdir -p "$prefix"

. "$root/scripts/debian-suite.sh"
FETCH_DEPENDENCIES=1 fetch_suite_debs "$suite" "$prefix/apt" "$prefix/root" mesa-vulkan-drivers vulkan-validationlayers

r="$prefix/root"
cat >"$prefix/run" <<WRAPPER
#!/bin/sh
# Runs a command on the newer lavapipe (scripts/fetch-lavapipe.sh).
r="$r"
export VK_DRIVER_FILES="\$r/usr/share/vulkan/icd.d/lvp_icd.json"
export VK_LAYER_PATH="\$r/usr/share/vulkan/explicit_layer.d"
exec "\$r/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \\
  --library-path "\$r/usr/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu" "\$@"
WRAPPER
chmod +x "$prefix/run"
[[ -f $r/usr/share/vulkan/icd.d/lvp_icd.json ]] || { echo "fetch-lavapipe: the packages hold no lavapipe driver" >&2; exit 1; }
echo "newer lavapipe ready in $prefix ($(ls "$r"/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so))"
