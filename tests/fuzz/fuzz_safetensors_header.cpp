// libFuzzer target: bytes -> safetensors file -> validated tensor views, each
// decoded. The reader works on a path, so every input goes through a scratch file.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "model/safetensors.h"
#include "vkllm/error.h"

namespace {

// Removed again when the fuzzer exits normally.
struct ScratchFile {
    std::string path;
    ScratchFile() {
        // A memory-backed folder keeps the per-input write cheap.
        const char* dir = std::getenv("VKLLM_FUZZ_SCRATCH");
        if (!dir || !*dir) dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::getenv("TMPDIR");
        path = std::string(dir && *dir ? dir : "/tmp") + "/vkllm-fuzz-" + std::to_string(getpid()) + ".safetensors";
    }
    ~ScratchFile() { std::remove(path.c_str()); }
};

const std::string& scratch_path() {
    static const ScratchFile scratch;
    return scratch.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vkllm;
    const std::string& path = scratch_path();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    bool written = std::fwrite(data, 1, size, f) == size;
    std::fclose(f);
    if (!written) return 0;
    try {
        SafetensorsFile file = open_safetensors(path);
        for (const auto& [name, view] : file.tensors)
            if (view.bytes <= (1u << 20)) (void)to_f32(view);
    } catch (const InputError&) {
    }
    return 0;
}
