#pragma once
// The process's own memory, through getrusage (POSIX, Android's bionic
// included): no /proc, which an embedding app may not have.
#include <cstdint>

namespace vkllm::runtime {

// Peak resident set of the process so far in bytes; 0 where the platform does not say.
uint64_t host_peak_resident_bytes();

}  // namespace vkllm::runtime
