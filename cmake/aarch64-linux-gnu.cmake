# Cross-compiling for 64-bit Arm Linux with Debian's cross toolchain
# (crossbuild-essential-arm64) against the multiarch :arm64 libraries under
# /usr/lib/aarch64-linux-gnu. scripts/cross-aarch64.sh installs both and uses
# this file; headers that are the same on every architecture (Vulkan, volk,
# doctest, nlohmann-json, CLI11) come from /usr/include as on the host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Build tools (glslangValidator, git) run on the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# pkg-config sees the arm64 .pc files and the architecture-independent ones only.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Programs built here run under qemu-user; ctest starts the test binaries through it.
find_program(VKLLM_QEMU_AARCH64 qemu-aarch64)
if(VKLLM_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${VKLLM_QEMU_AARCH64})
endif()
