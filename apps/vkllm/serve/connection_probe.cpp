#include "connection_probe.h"

#include <dirent.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <string>

namespace vkllm::serve {
namespace {

// The numeric host and the port of a socket address, as the HTTP library writes them.
bool host_port(const sockaddr_storage& addr, socklen_t len, std::string& host, int& port) {
    char h[NI_MAXHOST], p[NI_MAXSERV];
    if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, h, sizeof h, p, sizeof p, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return false;
    host = h;
    port = std::atoi(p);
    return true;
}

bool is_connection(int fd, const httplib::Request& r) {
    sockaddr_storage peer{}, local{};
    socklen_t peer_len = sizeof peer, local_len = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) return false;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return false;
    std::string peer_host, local_host;
    int peer_port = -1, local_port = -1;
    if (!host_port(peer, peer_len, peer_host, peer_port) || !host_port(local, local_len, local_host, local_port)) return false;
    return peer_port == r.remote_port && local_port == r.local_port && peer_host == r.remote_addr;
}

}  // namespace

ConnectionProbe::ConnectionProbe(const httplib::Request& request) {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return;
    while (dirent* entry = readdir(dir)) {
        char* end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
        if (is_connection(int(fd), request)) {
            fd_ = int(fd);
            break;
        }
    }
    closedir(dir);
}

bool ConnectionProbe::closed() const {
    if (fd_ < 0) return false;
    char byte;
    const ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return true;                                      // the client closed its side
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;  // reset
    return false;                                                 // more data (a pipelined request): still there
}

}  // namespace vkllm::serve
