#pragma once
// Streams a .safetensors file to disk: the header is written up front from the
// tensor list, then each tensor's bytes are appended in list order, so a model
// of any size passes through a small buffer. The file appears under its final
// name only once finish() has checked that every byte arrived.
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace vkllm {

struct SafetensorsEntry {
    std::string name;
    DType dtype = DType::F32;  // F32, F16 or BF16
    std::vector<uint64_t> shape;
};

class SafetensorsWriter {
public:
    SafetensorsWriter(std::string path, std::vector<SafetensorsEntry> entries,
                      const std::map<std::string, std::string>& metadata = {});
    ~SafetensorsWriter();
    SafetensorsWriter(const SafetensorsWriter&) = delete;
    SafetensorsWriter& operator=(const SafetensorsWriter&) = delete;

    // Appends bytes of the current tensor; a call may span tensor boundaries.
    void write(const void* data, size_t bytes);
    void finish();

    // The JSON header as it goes to disk, padded with spaces to a multiple of 8
    // bytes so that the data section starts 8-byte aligned.
    static std::string header_json(const std::vector<SafetensorsEntry>& entries,
                                   const std::map<std::string, std::string>& metadata);

private:
    void write_raw(const void* data, size_t bytes);

    std::string path_;
    std::string temp_path_;
    std::FILE* file_ = nullptr;
    uint64_t data_bytes_ = 0;
    uint64_t written_ = 0;
};

}  // namespace vkllm
