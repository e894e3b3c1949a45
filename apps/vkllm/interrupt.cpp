#include "interrupt.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <unistd.h>

#include "common/input_file.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

std::atomic<bool> g_interrupted{false};

// A second Ctrl-C before the first was acted on (a long weight upload, say)
// ends the process the default way, so Ctrl-C is never ignored.
extern "C" void on_sigint(int) {
    if (g_interrupted.exchange(true)) {
        ::signal(SIGINT, SIG_DFL);
        ::raise(SIGINT);
    }
}

// Bytes read from stdin past the last line handed out.
std::string& pending() {
    static std::string buffer;
    return buffer;
}

}  // namespace

void install_interrupt_handler() {
    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a read at the prompt is interrupted
    ::sigaction(SIGINT, &action, nullptr);
}

bool interrupted() { return g_interrupted.load(); }
void clear_interrupt() { g_interrupted.store(false); }

LineStatus read_stdin_line(std::string& line) {
    std::string& buffer = pending();
    while (true) {
        if (size_t nl = buffer.find('\n'); nl != std::string::npos) {
            line = buffer.substr(0, nl);
            buffer.erase(0, nl + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return LineStatus::Line;
        }
        if (interrupted()) return LineStatus::Interrupted;
        if (buffer.size() > input_caps::text_bytes)
            throw InputError("stdin: a line longer than " + format_cap(input_caps::text_bytes));
        char chunk[4096];
        const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) continue;  // the flag is looked at on the next pass
            throw InputError(std::string("stdin: cannot read: ") + std::strerror(errno));
        }
        if (n == 0) {  // end of input: a last line without '\n' still counts
            if (buffer.empty()) return LineStatus::EndOfInput;
            line = std::move(buffer);
            buffer.clear();
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return LineStatus::Line;
        }
        buffer.append(chunk, size_t(n));
    }
}

}  // namespace vkllm::cli
