#include "tokenizer/fixture_files.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace vkllm::test {

namespace fs = std::filesystem;

fs::path tokenizer_data_dir(const std::string& name) { return fs::path(VKLLM_TEST_DATA_DIR) / "tokenizers" / name; }

namespace {
// A per-process folder, removed again when the test program exits.
struct ScratchDir {
    fs::path path;
    ScratchDir() : path(fs::temp_directory_path() / ("vkllm-tokenizer-tests-" + std::to_string(::getpid()))) {
        fs::create_directories(path);
    }
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};
}  // namespace

fs::path scratch_dir() {
    static const ScratchDir dir;
    return dir.path;
}

std::string read_text_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

namespace {

std::string command_output(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) throw std::runtime_error("cannot run " + command);
    std::string out;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
    return out;
}

}  // namespace

fs::path unpacked_tokenizer_dir(const std::string& name) {
    static std::mutex mutex;
    static std::map<std::string, fs::path> done;
    std::lock_guard lock(mutex);
    if (auto it = done.find(name); it != done.end()) return it->second;
    const fs::path source = tokenizer_data_dir(name);
    const fs::path target = scratch_dir() / name;
    fs::create_directories(target);
    const fs::path json = target / "tokenizer.json";
    const std::string unpack = "xz -dc '" + (source / "tokenizer.json.xz").string() + "' > '" + json.string() + "'";
    if (std::system(unpack.c_str()) != 0) throw std::runtime_error("failed: " + unpack);
    const std::string expected = read_text_file(source / "tokenizer.json.sha256").substr(0, 64);
    const std::string actual = command_output("sha256sum '" + json.string() + "'").substr(0, 64);
    if (expected != actual) throw std::runtime_error(json.string() + ": sha256 " + actual + ", expected " + expected);
    if (fs::exists(source / "tokenizer_config.json"))
        fs::copy_file(source / "tokenizer_config.json", target / "tokenizer_config.json", fs::copy_options::overwrite_existing);
    done[name] = target;
    return target;
}

const tokenizer::Tokenizer& fixture_tokenizer(const std::string& name) {
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<tokenizer::Tokenizer>> loaded;
    const fs::path dir = unpacked_tokenizer_dir(name);
    std::lock_guard lock(mutex);
    auto& slot = loaded[name];
    if (!slot) slot = std::make_unique<tokenizer::Tokenizer>(tokenizer::load_tokenizer(dir));
    return *slot;
}

nlohmann::json tokenizer_reference(const std::string& name) {
    return nlohmann::json::parse(read_text_file(tokenizer_data_dir(name) / "tokenizer_reference.json"));
}

nlohmann::json tokenizer_cases(const std::string& name) { return tokenizer_reference(name).at("cases"); }

}  // namespace vkllm::test
