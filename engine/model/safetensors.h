#pragma once
// safetensors reader: an 8-byte little-endian header length, a JSON header that
// maps tensor names to {dtype, shape, data_offsets}, then the raw data. Files are
// memory-mapped; every view points into the mapping, nothing is copied.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/mapped_file.h"
#include "model/tensor.h"

namespace vkllm {

struct SafetensorsFile {
    std::shared_ptr<MappedFile> file;
    std::map<std::string, TensorView> tensors;  // name in the file -> view into `file`
    std::map<std::string, std::string> metadata;
};

// Maps and validates one .safetensors file: header length inside the file,
// well-formed JSON, a supported dtype (F32, F16, BF16) for each tensor, data
// offsets inside the data section and matching the shape. Throws InputError
// naming the file and the tensor.
SafetensorsFile open_safetensors(const std::string& path);

// A whole checkpoint: one file, or several shards listed by an index JSON.
struct SafetensorsCheckpoint {
    std::string source;  // what was opened, for messages
    std::vector<std::shared_ptr<MappedFile>> files;
    std::map<std::string, TensorView> tensors;

    const TensorView* find(const std::string& name) const;
};

// `path` is a .safetensors file, a *.safetensors.index.json, or a directory holding
// model.safetensors or model.safetensors.index.json.
SafetensorsCheckpoint open_safetensors_checkpoint(const std::string& path);

}  // namespace vkllm
