// libFuzzer target: TOML text -> validated ModelConfig. A config that parses must
// also survive a round trip through the writer unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "model/load.h"
#include "vkllm/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vkllm;
    ModelConfig config;
    try {
        config = parse_config_toml_string(std::string(reinterpret_cast<const char*>(data), size), "fuzz.toml");
    } catch (const InputError&) {
        return 0;
    }
    const std::string text = config_to_toml(config);
    ModelConfig again;
    try {
        again = parse_config_toml_string(text, "fuzz.toml");
    } catch (const InputError& e) {
        std::fprintf(stderr, "written config does not parse again: %s\n%s\n", e.what(), text.c_str());
        std::abort();
    }
    if (!(again == config)) {
        std::fprintf(stderr, "round trip changed the config:\n%s\n", text.c_str());
        std::abort();
    }
    return 0;
}
