#include "runtime/host_memory.h"

#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#endif

namespace vkllm::runtime {

uint64_t host_peak_resident_bytes() {
#if defined(__unix__) || defined(__APPLE__)
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0 || usage.ru_maxrss <= 0) return 0;
#if defined(__APPLE__)
    return uint64_t(usage.ru_maxrss);  // bytes there
#else
    return uint64_t(usage.ru_maxrss) * 1024;  // KiB on Linux and Android
#endif
#else
    return 0;
#endif
}

}  // namespace vkllm::runtime
