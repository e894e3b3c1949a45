#pragma once
// Whether the client of a request being handled has closed its connection.
// The HTTP library tells a handler nothing of the connection while it computes
// a non-streamed response, so the probe finds the request's socket by its two
// addresses (the connection stays open until the handler returns) and peeks
// at it without blocking: end of stream or a reset means the client is gone.
#include <httplib.h>

namespace vkllm::serve {

class ConnectionProbe {
public:
    explicit ConnectionProbe(const httplib::Request& request);
    // True once the client has closed the connection (false when no socket was found).
    bool closed() const;

private:
    int fd_ = -1;
};

}  // namespace vkllm::serve
