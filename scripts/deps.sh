#!/usr/bin/env bash
# Installs the Debian 12 packages vkllm builds and tests with, when missing.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev xz-utils
  libvulkan-dev libvulkan-volk-dev glslang-tools spirv-tools
  mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  doctest-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libpcre2-dev libxml2-dev libcpp-httplib-dev
  default-jdk-headless  # javac, java and the JNI headers: the JNI binding and its JVM test (bindings/android)
  chromium  # the serve chat page's test runs it headless (tests/serve/chat_page.test.mjs)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The serve tests drive the server with the official openai npm client
# (tests/serve): Node.js and npm, unless a Node.js with npm is installed already.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "vkllm: installing ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
