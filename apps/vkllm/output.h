#pragma once
// Writing results to stdout with every write checked: output that cannot be
// written (a full disk, /dev/full, a closed pipe) is an error, not silence.
#include <string>
#include <string_view>

namespace vkllm::cli {

// Writes and flushes `text`; throws OutputError naming stdout and the reason.
void write_stdout(std::string_view text);

// Flushes stdout; throws when it or any earlier buffered write failed. main
// calls it after every command so printf output is checked too.
void finish_stdout();

// Writes `bytes` to the file `path` (created or truncated); throws naming the file.
void write_file(const std::string& path, const void* bytes, size_t size);

}  // namespace vkllm::cli
