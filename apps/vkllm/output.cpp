#include "output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

[[noreturn]] void fail_stdout(int error) {
    throw Error(std::string("cannot write to stdout: ") + std::strerror(error ? error : EIO));
}

}  // namespace

void write_stdout(std::string_view text) {
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) fail_stdout(errno);
}

void finish_stdout() {
    errno = 0;
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) fail_stdout(errno);
}

void write_file(const std::string& path, const void* bytes, size_t size) {
    FILE* file = std::fopen(path.c_str(), "wb");
    if (!file) throw InputError(path + ": cannot open for writing: " + std::strerror(errno));
    errno = 0;
    const bool written = std::fwrite(bytes, 1, size, file) == size && std::fflush(file) == 0;
    const int error = errno;
    if (std::fclose(file) != 0 || !written)
        throw Error(path + ": cannot write: " + std::strerror(written ? errno : (error ? error : EIO)));
}

}  // namespace vkllm::cli
