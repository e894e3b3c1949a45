#pragma once
// Opening the files a user names (weights, configs, tokenizers, prompts) so
// that no path can hang or exhaust memory: a FIFO, a device such as /dev/zero
// or a directory is refused before anything is read, and whole-file reads
// are capped by what the file is meant to be.
#include <cstdint>
#include <string>

namespace vkllm {

// The most bytes read into memory for each kind of text input: one place for
// every cap, so messages and docs agree.
namespace input_caps {
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t json_bytes = 512 * kMiB;       // tokenizer.json, config.json, index.json, tokenizer_config.json
constexpr uint64_t toml_bytes = 16 * kMiB;        // model configs
constexpr uint64_t text_bytes = 1024 * kMiB;      // prompt and text files, stdin
constexpr uint64_t cache_bytes = 1024 * kMiB;     // the pipeline cache
}  // namespace input_caps

// Opens `path` for reading without blocking (a FIFO would otherwise wait for a
// writer), checks with fstat that it is a regular file, then makes the
// descriptor blocking again. Throws InputError "<what> '<path>': ..." naming
// the problem. The caller closes the descriptor.
int open_regular_file(const std::string& path, const std::string& what, uint64_t* size = nullptr);

// The whole file, refused by name when it is not a regular file or holds
// more than `max_bytes`.
std::string read_regular_file(const std::string& path, const std::string& what, uint64_t max_bytes);

// All of a stream (stdin), refused once it passes `max_bytes`.
std::string read_descriptor_capped(int fd, const std::string& what, uint64_t max_bytes);

// "512 MiB" for messages.
std::string format_cap(uint64_t bytes);

}  // namespace vkllm
