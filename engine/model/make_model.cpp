#include "model/make_model.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/half.h"
#include "model/expected_tensors.h"
#include "model/load.h"
#include "model/random_weights.h"
#include "model/safetensors_writer.h"
#include "vkllm/error.h"

namespace fs = std::filesystem;

namespace vkllm {
namespace {

// Scales chosen so that activations look like a trained model's: unit-variance
// outputs of linear layers, norm gains near (not at) one, small biases.
struct Init {
    float mean = 0.0f;
    float stddev = 1.0f;
};

Init init_for(const ModelConfig& c, const ExpectedTensor& t) {
    switch (t.role) {
        case TensorRole::Embedding: return {0.0f, 1.0f / std::sqrt(float(c.hidden_size))};
        case TensorRole::Linear: return {0.0f, 1.0f / std::sqrt(float(t.shape.back()))};
        case TensorRole::NormWeight: return {c.norm.add_unit_offset ? 0.0f : 1.0f, 0.1f};
        case TensorRole::NormBias:
        case TensorRole::Bias: return {0.0f, 0.02f};
    }
    return {};
}

void encode(const float* values, size_t n, DType dtype, std::vector<uint8_t>& out) {
    out.resize(n * dtype_block_bytes(dtype));
    switch (dtype) {
        case DType::F32: std::memcpy(out.data(), values, n * 4); break;
        case DType::F16:
        case DType::BF16:
            for (size_t i = 0; i < n; ++i) {
                uint16_t h = dtype == DType::F16 ? float_to_half(values[i]) : float_to_bf16(values[i]);
                out[2 * i] = uint8_t(h);
                out[2 * i + 1] = uint8_t(h >> 8);
            }
            break;
        default: throw InputError(std::string("make-model cannot write ") + dtype_name(dtype));
    }
}

void write_tensor(const ModelConfig& c, const ExpectedTensor& t, uint64_t seed, DType dtype,
                  SafetensorsWriter& writer) {
    constexpr size_t chunk = 1 << 20;
    Init init = init_for(c, t);
    Xoshiro256 rng(tensor_seed(seed, t.name));
    uint64_t left = 1;
    for (uint64_t d : t.shape) left *= d;
    std::vector<float> values;
    std::vector<uint8_t> bytes;
    while (left > 0) {
        size_t n = size_t(std::min<uint64_t>(left, chunk));
        values.resize(n);
        for (size_t i = 0; i < n; ++i) values[i] = init.mean + init.stddev * rng.normal();
        encode(values.data(), n, dtype, bytes);
        writer.write(bytes.data(), bytes.size());
        left -= n;
    }
}

ModelConfig output_config(const ModelConfig& c, const fs::path& out_dir) {
    ModelConfig out = c;
    out.weights = "model.safetensors";
    out.weight_format = "safetensors";
    out.hf_architecture.clear();
    out.tensor_names.clear();  // the file holds logical names
    if (!c.tokenizer.empty()) {
        // Keep the tokenizer reachable from the new config's folder.
        fs::path tokenizer = c.tokenizer;
        if (tokenizer.is_relative() && !c.source_path.empty())
            tokenizer = fs::path(c.source_path).parent_path() / tokenizer;
        std::error_code ec;
        fs::path absolute = fs::weakly_canonical(fs::absolute(tokenizer), ec);
        fs::path relative = fs::relative(absolute, fs::weakly_canonical(fs::absolute(out_dir)), ec);
        out.tokenizer = (ec || relative.empty()) ? absolute.string() : relative.string();
    }
    return out;
}

}  // namespace

DType default_make_model_dtype(const ModelConfig& c) {
    if (c.dtype == "f16") return DType::F16;
    if (c.dtype == "bf16") return DType::BF16;
    return DType::F32;
}

std::string make_model(const ModelConfig& config, uint64_t seed, DType dtype, const std::string& out_dir) {
    validate(config);
    if (dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16)
        throw InputError(std::string("make-model writes f32, f16 or bf16, not ") + dtype_name(dtype));
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) throw InputError("cannot create output folder '" + out_dir + "': " + ec.message());

    const std::vector<ExpectedTensor> tensors = expected_tensors(config);
    std::vector<SafetensorsEntry> entries;
    entries.reserve(tensors.size());
    for (const auto& t : tensors) entries.push_back({t.name, dtype, t.shape});
    const std::map<std::string, std::string> metadata{
        {"format", "pt"}, {"generator", "vkllm make-model"}, {"seed", std::to_string(seed)}};

    const fs::path dir(out_dir);
    SafetensorsWriter writer((dir / "model.safetensors").string(), std::move(entries), metadata);
    for (const auto& t : tensors) write_tensor(config, t, seed, dtype, writer);
    writer.finish();

    const std::string toml_path = (dir / "model.toml").string();
    std::ofstream toml(toml_path, std::ios::binary | std::ios::trunc);
    toml << "# Written by vkllm make-model (seed " << seed << "): random weights, for tests and benchmarks.\n"
         << config_to_toml(output_config(config, dir));
    toml.close();
    if (!toml) throw Error("cannot write '" + toml_path + "'");
    return toml_path;
}

}  // namespace vkllm
