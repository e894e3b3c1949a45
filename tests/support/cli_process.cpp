#include "support/cli_process.h"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace vkllm::test {

CliProcess::CliProcess(const std::string& args, const std::string& env) {
    int in[2], out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        ::dup2(in[0], STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(out[1], STDERR_FILENO);
        ::signal(SIGINT, SIG_DFL);
        const std::string command = env + " exec " + VKLLM_CLI_PATH + " " + args;
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_fd_ = in[1];
    output_fd_ = out[0];
    ::signal(SIGPIPE, SIG_IGN);  // a child that exited early must not kill the test
}

CliProcess::~CliProcess() {
    if (!reaped_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    if (output_fd_ >= 0) ::close(output_fd_);
}

void CliProcess::write_stdin(const std::string& text) {
    REQUIRE(stdin_fd_ >= 0);
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(stdin_fd_, text.data() + done, text.size() - done);
        REQUIRE(n > 0);
        done += size_t(n);
    }
}

void CliProcess::close_stdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
}

bool CliProcess::read_some(double timeout_s) {
    if (output_fd_ < 0) return false;
    pollfd p{output_fd_, POLLIN, 0};
    if (::poll(&p, 1, int(timeout_s * 1000)) <= 0) return false;
    char buf[4096];
    ssize_t n = ::read(output_fd_, buf, sizeof buf);
    if (n <= 0) {
        ::close(output_fd_);
        output_fd_ = -1;
        return false;
    }
    output_.append(buf, size_t(n));
    return true;
}

bool CliProcess::wait_for_output(const std::string& text, double timeout_s, size_t from) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (output_.find(text, from) == std::string::npos) {
        const double left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0 || (!read_some(left) && output_fd_ < 0)) return output_.find(text, from) != std::string::npos;
    }
    return true;
}

void CliProcess::send_signal(int signal) { ::kill(pid_, signal); }

int CliProcess::wait(double timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (!reaped_) {
        read_some(0.05);  // keep draining so the child never blocks on a full pipe
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            reaped_ = true;
            status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            reaped_ = true;
            return -1;
        }
    }
    while (read_some(0.2)) {
    }
    return status_;
}

}  // namespace vkllm::test
