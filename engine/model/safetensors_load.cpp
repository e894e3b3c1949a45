// load_safetensors_weights: safetensors file(s) whose tensor names are already
// logical, or are mapped to logical names by config.tensor_names.
#include <set>

#include "model/load.h"
#include "model/safetensors.h"
#include "vkllm/error.h"

namespace vkllm {

ModelWeights load_safetensors_weights(const ModelConfig& config, const std::string& path) {
    const SafetensorsCheckpoint checkpoint = open_safetensors_checkpoint(path);
    ModelWeights weights;
    weights.source = checkpoint.source;
    for (const auto& file : checkpoint.files) weights.keep_file(file);

    std::set<std::string> renamed;
    for (const auto& [logical, file_name] : config.tensor_names) {
        const TensorView* t = checkpoint.find(file_name);
        if (!t)
            throw InputError(checkpoint.source + ": tensor_names maps '" + logical + "' to '" + file_name +
                             "', which the file does not hold");
        weights.add_view(logical, *t);
        renamed.insert(file_name);
    }
    for (const auto& [name, view] : checkpoint.tensors)
        if (!renamed.count(name) && !weights.has(name)) weights.add_view(name, view);
    return weights;
}

}  // namespace vkllm
