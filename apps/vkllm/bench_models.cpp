#include "bench_models.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/input_file.h"
#include "common/weight_types.h"
#include "model/load.h"
#include "model/make_model.h"
#include "model/quantize.h"
#include "output.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

namespace fs = std::filesystem;

std::string read_stamp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return in ? text.str() : std::string();
}

void write_stamp(const fs::path& path, const std::string& text) { write_file(path.string(), text.data(), text.size()); }

// What a made file depends on: the config's text (not only its name) and the seed.
std::string config_stamp(const SpecModel& m, const std::string& type) {
    return "make-model " + type + " seed " + std::to_string(m.seed) + "\n" +
           read_regular_file(m.config, "model config", input_caps::toml_bytes);
}

std::string path_stamp(const SpecModel& m) {
    std::error_code error;
    const auto size = fs::is_regular_file(m.path, error) ? fs::file_size(m.path, error) : 0;
    return "model " + fs::absolute(m.path).string() + " size " + std::to_string(size) + "\n";
}

}  // namespace

std::string materialise_model(const SpecModel& m, const std::string& type, const std::string& cache_dir,
                              const std::function<void(const std::string&)>& log) {
    if (!m.path.empty() && type == "stored") return m.path;
    fs::create_directories(cache_dir);
    const fs::path base = fs::path(cache_dir) / (m.name + "-" + type);
    if (!m.config.empty() && is_make_model_type(type)) {
        const fs::path stamp_file = base / "bench-stamp.txt", model_file = base / "model.toml";
        const std::string stamp = config_stamp(m, type);
        if (fs::exists(model_file) && read_stamp(stamp_file) == stamp) {
            log("reusing " + model_file.string());
            return model_file.string();
        }
        log("making " + base.string() + " (random weights, " + type + ")");
        const std::string written = make_model(parse_config_toml(m.config), m.seed, *dtype_from_name(type), base.string());
        write_stamp(stamp_file, stamp);
        return written;
    }
    // A quantized GGUF of the path model, or of the config's f16 random weights.
    const std::string source = m.config.empty() ? m.path : materialise_model(m, "f16", cache_dir, log);
    const std::string stamp = (m.config.empty() ? path_stamp(m) : config_stamp(m, "f16")) + "quantize " + type + "\n";
    const fs::path gguf = base.string() + ".gguf", stamp_file = base.string() + ".gguf.stamp";
    if (fs::exists(gguf) && read_stamp(stamp_file) == stamp) {
        log("reusing " + gguf.string());
        return gguf.string();
    }
    log("quantizing " + source + " to " + gguf.string() + " (" + type + ")");
    fs::remove(stamp_file);
    QuantizeOptions q;
    q.input = source;
    q.output = gguf.string();
    q.type = type;
    q.log = [&](const std::string& line) {
        if (line.rfind("note:", 0) == 0) log(line);
    };
    quantize_model(q);
    write_stamp(stamp_file, stamp);
    return gguf.string();
}

}  // namespace vkllm::cli
