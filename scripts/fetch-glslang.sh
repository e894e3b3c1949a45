#!/usr/bin/env bash
# Puts a newer glslangValidator (from Debian 13 "trixie") in .toolchain/, for
# shader variants that Debian 12's glslang 12 cannot compile (cooperative
# matrix). Nothing is installed system-wide: the packages are unpacked into a
# private prefix together with the C and C++ runtimes they were built against,
# and a wrapper runs the compiler through that prefix's dynamic loader.
# The build finds .toolchain/glslang/bin/glslangValidator by itself; without it
# those variants are skipped with a message.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.toolchain"
work="$prefix/apt"
rm -rf "$prefix/root" "$prefix/glslang"
mkdir -p "$prefix/glslang/bin"

. "$root/scripts/debian-suite.sh"
fetch_suite_debs trixie "$work" "$prefix/root" glslang-tools spirv-tools libc6 libstdc++6 libgcc-s1

cat >"$prefix/glslang/bin/glslangValidator" <<WRAPPER
#!/bin/sh
r="$prefix/root"
exec "\$r/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \\
  --library-path "\$r/usr/lib/x86_64-linux-gnu" "\$r/usr/bin/glslangValidator" "\$@"
WRAPPER
chmod +x "$prefix/glslang/bin/glslangValidator"
"$prefix/glslang/bin/glslangValidator" --version | head -1
echo "newer glslang ready: re-run cmake (scripts/build.sh) to build the cooperative-matrix shaders"
