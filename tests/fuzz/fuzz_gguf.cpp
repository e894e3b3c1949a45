// libFuzzer target: GGUF bytes -> container, config, logical weights, decoded
// tensors. Any outcome but success or InputError is a finding.
#include <cstddef>
#include <cstdint>

#include "model/gguf_model.h"
#include "model/load.h"
#include "vkllm/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vkllm;
    try {
        GgufFile file = GgufFile::parse(data, size, "fuzz.gguf");
        for (const GgufTensorInfo& t : file.tensors()) {
            // Decoding is linear in the tensor's bytes, which lie inside the input.
            if (t.bytes <= (1u << 20)) (void)to_f32(file.view(t));
        }
        ModelConfig config = gguf_to_config(file);
        validate(config);
        ModelWeights weights = gguf_to_weights(file, config);
        check_weights(config, weights);
    } catch (const InputError&) {
    }
    return 0;
}
