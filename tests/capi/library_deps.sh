#!/usr/bin/env bash
# capi_library_deps: what keeps libvkllm.so embeddable on Android. Its NEEDED
# entries are all in allowed_needed.txt (with the reason each is there), it
# exports exactly the C API's functions, and the engine's sources read no
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

# Exported symbols: exactly the functions vkllm.h declares (readelf reads any
# architecture's ELF; ABS entries are version nodes such as VKLLM_0).
exported=$(readelf --dyn-syms -W "$lib" | awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" && $7 != "ABS" && NF >= 8 {print $8}' |
           sed 's/@.*//' | sort -u)
declared=$(grep -v '#define' "$src/engine/include/vkllm/vkllm.h" | grep -oE 'VKLLM_API [^(]*\(' | sed -E 's/.*[ *](vkllm_[a-z_0-9]+)\($/\1/' | sort -u)
if [[ $exported != "$declared" ]]; then
  echo "capi_library_deps: $lib's exports differ from vkllm.h's functions (< exported, > declared):" >&2
  diff <(echo "$exported") <(echo "$declared") >&2 || true
  status=1
else
  echo "capi_library_deps: $(wc -l <<<"$exported") symbols exported, exactly vkllm.h's functions"
fi

# No environment and no /proc in the engine or the JNI binding (the CLI and tests read theirs in apps/environment/).
if grep -rnE '\b(secure_)?getenv\b|"/proc/|\$HOME|getpwuid' "$src/engine" "$src/bindings" --include='*.cpp' --include='*.h' --include='*.c' --include='*.java'; then
  echo "capi_library_deps: the engine reads the environment or /proc (above); pass the value as an option instead" >&2
  status=1
fi
exit $status
