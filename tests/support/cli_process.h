#pragma once
// The built `vkllm` binary as a child process the test talks to while it
// runs: write its stdin, watch its output, send it signals (Ctrl-C tests).
#include <string>
#include <sys/types.h>

namespace vkllm::test {

class CliProcess {
public:
    // Starts `vkllm <args>` through /bin/sh; stdout and stderr are merged into output().
    explicit CliProcess(const std::string& args, const std::string& env = "");
    ~CliProcess();  // kills the child if it is still running
    CliProcess(const CliProcess&) = delete;
    CliProcess& operator=(const CliProcess&) = delete;

    void write_stdin(const std::string& text);
    void close_stdin();
    // Reads output until it holds `text` after byte `from`; false on timeout or when the child ends first.
    bool wait_for_output(const std::string& text, double timeout_s, size_t from = 0);
    void send_signal(int signal);
    // The exit status; -1 when it did not end within `timeout_s` (then it is killed) or died by a signal.
    int wait(double timeout_s);
    const std::string& output() const { return output_; }

private:
    bool read_some(double timeout_s);  // false at end of output or timeout

    pid_t pid_ = -1;
    int stdin_fd_ = -1, output_fd_ = -1;
    std::string output_;
    bool reaped_ = false;
    int status_ = -1;
};

}  // namespace vkllm::test
