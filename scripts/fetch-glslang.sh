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
mkdir -p "$work/lists/partial" "$work/debs" "$prefix/root" "$prefix/glslang/bin"

# The mirror is the one this machine's own apt sources use for its Debian
# release (one-line sources.list or deb822 .sources files); only the suite is
# swapped for trixie.
mirror_of_main_suite() {
  local release
  release="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk -v r="$release" '$1 == "deb" { for (i = 2; i < NF; ++i) if ($(i + 1) == r) { print $i; exit } }' | sed 's/^\[.*\]$//'
    for f in /etc/apt/sources.list.d/*.sources; do
      [[ -f $f ]] || continue
      awk -v r="$release" 'BEGIN { RS = ""; FS = "\n" }
        { uri = ""; hit = 0
          for (i = 1; i <= NF; ++i) {
            if ($i ~ /^URIs:/) { split($i, u, " "); uri = u[2] }
            if ($i ~ /^Suites:/) { n = split($i, s, " "); for (j = 2; j <= n; ++j) if (s[j] == r) hit = 1 }
          }
          if (hit && uri != "") { print uri; exit } }' "$f"
    done
  } | grep -m1 .
}
mirror="$(mirror_of_main_suite || true)"
if [[ -z $mirror ]]; then
  echo "fetch-glslang: no Debian mirror found in /etc/apt/sources.list{,.d}; set one there first" >&2
  exit 1
fi
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$work/sources.list"
apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Debug::NoLocking=1)
mkdir -p "$work/cache/archives/partial"
apt-get "${apt_opts[@]}" update -q
(cd "$work/debs" && apt-get "${apt_opts[@]}" download glslang-tools spirv-tools libc6 libstdc++6 libgcc-s1)
for deb in "$work/debs"/*.deb; do dpkg-deb -x "$deb" "$prefix/root"; done

cat >"$prefix/glslang/bin/glslangValidator" <<WRAPPER
#!/bin/sh
r="$prefix/root"
exec "\$r/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \\
  --library-path "\$r/usr/lib/x86_64-linux-gnu" "\$r/usr/bin/glslangValidator" "\$@"
WRAPPER
chmod +x "$prefix/glslang/bin/glslangValidator"
"$prefix/glslang/bin/glslangValidator" --version | head -1
echo "newer glslang ready: re-run cmake (scripts/build.sh) to build the cooperative-matrix shaders"
