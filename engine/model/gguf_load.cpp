// load_gguf: one mapped GGUF file -> config + logical weights.
#include "model/gguf_model.h"
#include "model/load.h"

namespace vkllm {

LoadedModel load_gguf(const std::string& path) {
    GgufFile file = GgufFile::open(path);
    LoadedModel model;
    model.config = gguf_to_config(file);
    model.weights = gguf_to_weights(file, model.config);
    return model;
}

}  // namespace vkllm
