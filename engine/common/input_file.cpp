#include "common/input_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkllm/error.h"

namespace vkllm {
namespace {

std::string named(const std::string& what, const std::string& path) {
    return what.empty() ? path : what + " '" + path + "'";
}

const char* kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// Reads until end of file or `max_bytes + 1` bytes, whichever comes first.
std::string read_up_to(int fd, const std::string& name, uint64_t max_bytes, uint64_t size_hint) {
    std::string out;
    out.reserve(size_t(std::min(size_hint, max_bytes)));
    char buf[1 << 16];
    while (out.size() <= max_bytes) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw InputError(name + ": cannot read: " + std::strerror(errno));
        }
        if (n == 0) break;
        out.append(buf, size_t(n));
    }
    return out;
}

}  // namespace

std::string format_cap(uint64_t bytes) {
    if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
    if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    return std::to_string(bytes) + " bytes";
}

int open_regular_file(const std::string& path, const std::string& what, uint64_t* size) {
    const std::string name = named(what, path);
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) throw InputError(name + " does not exist");
        throw InputError(name + ": cannot open: " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throw InputError(name + ": cannot stat: " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw InputError(name + " is " + kind_of(st.st_mode) + ", not a regular file");
    }
    // Regular files never block; clear the flag so reads behave as usual.
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    if (size) *size = uint64_t(st.st_size);
    return fd;
}

std::string read_regular_file(const std::string& path, const std::string& what, uint64_t max_bytes) {
    const std::string name = named(what, path);
    uint64_t size = 0;
    int fd = open_regular_file(path, what, &size);
    auto too_large = [&](uint64_t bytes) {
        return InputError(name + " is " + std::to_string(bytes) + " bytes, more than the " + format_cap(max_bytes) +
                          " a " + (what.empty() ? std::string("file") : what) + " may hold");
    };
    if (size > max_bytes) {
        ::close(fd);
        throw too_large(size);
    }
    std::string text;
    try {
        text = read_up_to(fd, name, max_bytes, size);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    if (text.size() > max_bytes) throw too_large(text.size());  // it grew while we read
    return text;
}

std::string read_descriptor_capped(int fd, const std::string& what, uint64_t max_bytes) {
    std::string text = read_up_to(fd, what, max_bytes, 0);
    if (text.size() > max_bytes)
        throw InputError(what + " holds more than " + format_cap(max_bytes) + "; refusing to read further");
    return text;
}

}  // namespace vkllm
