#pragma once
// Ctrl-C (SIGINT) for the commands that generate text. The handler only sets
// an atomic flag; the generation loops check it between steps, so a step
// always completes and the KV cache stays consistent. A second Ctrl-C while
// the flag is still set ends the process at once.
#include <string>

namespace vkllm::cli {

// Installs the handler (without SA_RESTART, so a blocking read of stdin
// returns EINTR and the chat prompt can react at once).
void install_interrupt_handler();
// True once Ctrl-C was pressed since the last clear_interrupt().
bool interrupted();
void clear_interrupt();

// The exit status of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
constexpr int kInterruptedExit = 130;

// One line from stdin, without its '\n' (and a trailing '\r').
enum class LineStatus { Line, EndOfInput, Interrupted };
LineStatus read_stdin_line(std::string& line);

}  // namespace vkllm::cli
