// libFuzzer target: TOML text -> validated ModelConfig -> TOML -> ModelConfig.
#include <cstddef>
#include <cstdint>
#include <string>

#include "model/load.h"
#include "vkllm/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vkllm;
    try {
        ModelConfig config = parse_config_toml_string(std::string(reinterpret_cast<const char*>(data), size), "fuzz.toml");
        // A config that parsed must survive a round trip through the writer.
        (void)parse_config_toml_string(config_to_toml(config), "fuzz-roundtrip.toml");
    } catch (const InputError&) {
    }
    return 0;
}
