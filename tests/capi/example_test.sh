#!/usr/bin/env bash
# capi_example: installs the build into a temporary prefix, builds
# examples/c against that install (find_package with the shared and with the
# static library, and pkg-config), runs each on the shipped model and compares
# its output with `vkllm run --greedy --repeat-penalty 1` for the same prompt
# and token count; a missing model must fail with a message naming it.
# Usage: example_test.sh VKLLM_CLI BUILD_DIR SOURCE_DIR
set -euo pipefail
cli=$1 build=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
model=$src/models/default
prompt="And God said"
n=24

cmake --install "$build" --prefix "$prefix" >/dev/null
if grep -v "^$prefix/" "$build/install_manifest.txt" >&2; then
  echo "capi_example: the files above were installed outside --prefix $prefix" >&2; exit 1
fi
for f in include/vkllm/vkllm.h lib/libvkllm.so lib/libvkllm.a lib/cmake/vkllm/vkllmConfig.cmake \
         lib/cmake/vkllm/vkllmConfigVersion.cmake lib/pkgconfig/vkllm.pc; do
  [[ -e $prefix/$f ]] || { echo "capi_example: the install lacks $f" >&2; exit 1; }
done

"$cli" run -m "$model" -p "$prompt" -n "$n" --greedy --repeat-penalty 1 -q >"$tmp/expected.txt"

check() {  # check NAME EXECUTABLE
  "$2" "$model" "$prompt" "$n" >"$tmp/$1.txt" 2>"$tmp/$1.err" || {
    echo "capi_example: $1 failed:" >&2; cat "$tmp/$1.err" >&2; exit 1; }
  if ! cmp -s "$tmp/expected.txt" "$tmp/$1.txt"; then
    echo "capi_example: $1's output differs from vkllm run's:" >&2
    diff "$tmp/expected.txt" "$tmp/$1.txt" >&2 || true
    exit 1
  fi
  echo "capi_example: $1 matches vkllm run ($(wc -c <"$tmp/$1.txt") bytes)"
}

for kind in shared static; do
  static=OFF; [[ $kind == static ]] && static=ON
  cmake -S "$src/examples/c" -B "$tmp/build-$kind" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_BUILD_TYPE=Release -DVKLLM_EXAMPLE_STATIC=$static >/dev/null
  cmake --build "$tmp/build-$kind" >/dev/null
  check "find_package-$kind" "$tmp/build-$kind/example"
done

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cc "$src/examples/c/example.c" $(pkg-config --cflags --libs vkllm) -Wl,-rpath,"$prefix/lib" -o "$tmp/example-pkg-config"
check pkg-config "$tmp/example-pkg-config"

# A missing model: exit status 1 and the path in the message.
if "$tmp/build-shared/example" /nonexistent/model "$prompt" >/dev/null 2>"$tmp/missing.err"; then
  echo "capi_example: a missing model did not fail" >&2; exit 1
fi
grep -q "/nonexistent/model" "$tmp/missing.err" || {
  echo "capi_example: the error does not name the missing model:" >&2; cat "$tmp/missing.err" >&2; exit 1; }
echo "capi_example: a missing model fails with: $(cat "$tmp/missing.err")"
