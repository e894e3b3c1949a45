// `vkllm quantize IN OUT TYPE`: a Hugging Face directory, a model TOML or an
// F32/F16/BF16 GGUF file -> a GGUF file with block-quantized matrices (model/quantize.h).
#include <cstdio>
#include <memory>

#include "command.h"
#include "model/quantize.h"
#include "model/tensor.h"

namespace vkllm::cli {
namespace {

struct QuantizeCliOptions {
    std::string input, output, type;
    bool pure = false, quiet = false;
    uint32_t threads = 0;
};

int run(const QuantizeCliOptions& o) {
    QuantizeOptions options;
    options.input = o.input;
    options.output = o.output;
    options.type = o.type;
    options.pure = o.pure;
    options.threads = o.threads;
    const bool quiet = o.quiet;
    options.log = [quiet](const std::string& line) {
        if (!quiet || line.rfind("note:", 0) == 0) std::fprintf(stderr, "%s\n", line.c_str());
    };
    parse_quantize_target(o.type);  // an unknown type fails before the input is read
    const QuantizeSummary s = quantize_model(options);
    std::string types;
    for (const auto& [type, n] : s.tensors_by_type)
        types += std::string(types.empty() ? "" : ", ") + std::to_string(n) + " " + dtype_name(type);
    std::fprintf(stderr, "wrote %s: %s, %llu tensors (%s), %.2f MiB from %.2f MiB\n", o.output.c_str(),
                 s.architecture.c_str(), static_cast<unsigned long long>(s.tensors), types.c_str(),
                 double(s.output_bytes) / (1 << 20), double(s.input_bytes) / (1 << 20));
    return 0;
}

Registration reg{"quantize", "Write a quantized GGUF file from a Hugging Face directory, a model TOML or an F32/F16/BF16 GGUF",
                 [](CLI::App& sub) {
                     auto o = std::make_shared<QuantizeCliOptions>();
                     sub.add_option("input", o->input, "Hugging Face model directory, model .toml or F32/F16/BF16 GGUF file")->required();
                     sub.add_option("output", o->output, "GGUF file to write")->required();
                     sub.add_option("type", o->type, "One of: " + quantize_target_names())->required();
                     sub.add_flag("--pure", o->pure,
                                  "Every matrix in TYPE (no Q6_K output head, no preset promotions)");
                     sub.add_option("-t,--threads", o->threads, "Encoder threads (default: one per hardware thread)");
                     sub.add_flag("-q,--quiet", o->quiet, "Print only notes and the summary");
                     return std::function<int()>([o] { return run(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
