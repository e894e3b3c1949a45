#!/usr/bin/env bash
# capi_jvm: a Java program (java/GenerateMain.java) drives org.vkllm.Engine
# through libvkllm_jni.so and libvkllm.so; its greedy output must equal
# `vkllm run --greedy --repeat-penalty 1` for the same prompt and token count.
# Usage: jvm_test.sh JAVA VKLLM_CLI LIB_DIR CLASSPATH SOURCE_DIR
set -euo pipefail
java=$1 cli=$2 libdir=$3 classpath=$4 src=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=$src/models/default
prompt="And God said"
n=24
"$cli" run -m "$model" -p "$prompt" -n "$n" --greedy --repeat-penalty 1 -q >"$tmp/expected.txt"
"$java" -Djava.library.path="$libdir" -cp "$classpath" GenerateMain "$model" "$prompt" "$n" >"$tmp/jvm.txt"
if ! cmp -s "$tmp/expected.txt" "$tmp/jvm.txt"; then
  echo "capi_jvm: the JVM's output differs from vkllm run's:" >&2
  diff "$tmp/expected.txt" "$tmp/jvm.txt" >&2 || true
  exit 1
fi
echo "capi_jvm: matches vkllm run ($(wc -c <"$tmp/jvm.txt") bytes)"
