#!/usr/bin/env bash
# capi_library_deps: what keeps libvkllm.so embeddable on Android. Its NEEDED
# entries are all in allowed_needed.txt (with the reason each is there), it
# exports only the C API's vkllm_* symbols, and the engine's sources read no
# environment variable and assume no /proc.
# Usage: library_deps.sh LIBVKLLM_SO SOURCE_DIR
set -euo pipefail
lib=$1 src=$2
here=$(dirname "$0")
status=0
allowed=$(sed 's/#.*//' "$here/allowed_needed.txt" | awk 'NF {print $1}')
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[[ -n $needed ]] || { echo "capi_library_deps: readelf found no NEEDED entries in $lib" >&2; exit 1; }
for n in $needed; do
  if grep -qxF "$n" <<<"$allowed"; then
    echo "capi_library_deps: NEEDED $n (allowed)"
  else
    echo "capi_library_deps: $lib needs $n, which is not in tests/capi/allowed_needed.txt (no Android equivalent known)" >&2
    status=1
  fi
done

# Exported symbols: the C API only (the version node VKLLM_0 is listed as an absolute symbol).
others=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | sed 's/@.*//' | grep -v '^vkllm_' || true)
if [[ -n $others ]]; then
  echo "capi_library_deps: $lib exports more than vkllm_*:" >&2
  head -20 <<<"$others" >&2
  status=1
fi
echo "capi_library_deps: $(nm -D --defined-only "$lib" | grep -c ' vkllm_') vkllm_* symbols exported"

# No environment and no /proc in the engine or the JNI binding (the CLI and tests read theirs in apps/environment/).
if grep -rnE '\b(secure_)?getenv\b|"/proc/|\$HOME|getpwuid' "$src/engine" "$src/bindings" --include='*.cpp' --include='*.h' --include='*.c' --include='*.java'; then
  echo "capi_library_deps: the engine reads the environment or /proc (above); pass the value as an option instead" >&2
  status=1
fi
exit $status
