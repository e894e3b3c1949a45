#!/usr/bin/env bash
# The main job in one command: build (installing what is missing) and generate
# text with the default model shipped in models/default. Extra arguments go to
# `vkllm run`, e.g. ./scripts/run.sh -p "And God said" -n 80
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${VKLLM_BUILD_DIR:-$root/build}"
mkdir -p "$build"
echo "vkllm: building (the first build installs packages and takes a few minutes)..." >&2
if ! "$root/scripts/build.sh" >"$build/last-build.log" 2>&1; then
  cat "$build/last-build.log" >&2
  exit 1
fi
has_prompt=0
for arg in "$@"; do
  case "$arg" in -p|--prompt|-p*|--prompt=*) has_prompt=1 ;; esac
done
if ((!has_prompt)); then set -- -p "In the beginning" "$@"; fi
exec "$build/vkllm" run -m "$root/models/default" "$@"
