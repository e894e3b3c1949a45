#include "vk/pipeline_cache_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/input_file.h"
#include "vkllm/error.h"

namespace vkllm::vk {

namespace {
std::filesystem::path cache_path(const std::string& folder, const DeviceCaps& caps) {
    if (folder.empty()) return {};
    const std::filesystem::path dir(folder);
    char name[96];
    std::snprintf(name, sizeof name, "pipelines-%04x-%04x-%08x.bin", caps.vendor_id, caps.device_id,
                  unsigned(std::hash<std::string>{}(caps.driver_info + caps.name)));
    return dir / name;
}
}  // namespace

std::vector<uint8_t> load_pipeline_cache(const std::string& dir, const DeviceCaps& caps) {
    auto path = cache_path(dir, caps);
    if (path.empty()) return {};
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return {};
    try {  // a cache that cannot be used is rebuilt, never an error
        std::string bytes = read_regular_file(path.string(), "pipeline cache", input_caps::cache_bytes);
        return {bytes.begin(), bytes.end()};
    } catch (const InputError&) {
        return {};
    }
}

void save_pipeline_cache(const std::string& dir, const DeviceCaps& caps, const std::vector<uint8_t>& data) {
    auto path = cache_path(dir, caps);
    if (path.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    auto tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        if (!out) return;
        out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
        if (!out) return;
    }
    std::filesystem::rename(tmp, path, ec);
}

}  // namespace vkllm::vk
