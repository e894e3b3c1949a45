#pragma once
// A one-line progress bar on stderr, redrawn in place, e.g.
//   loading weights [#####.....] 45% 1.1/2.4 GiB
// It draws only when stderr is a terminal, so piped output stays clean.
#include <cstdint>
#include <functional>
#include <string>

namespace vkllm::cli {

class ProgressBar {
public:
    // `enabled` false (e.g. --quiet) draws nothing even on a terminal.
    ProgressBar(std::string label, bool enabled);
    ~ProgressBar();

    void update(uint64_t done, uint64_t total);
    // The same for a count of things, e.g. "prompt [####......] 40% 2048/5120 tokens".
    void update_count(uint64_t done, uint64_t total, const std::string& unit);
    // Clears the line; called by the destructor too.
    void finish();
    // A callback for plan::ForwardOptions::on_upload_progress.
    std::function<void(uint64_t, uint64_t)> callback();

private:
    std::string label_;
    bool active_;
    bool drawn_ = false;
    int last_percent_ = -1;

    void draw(uint64_t done, uint64_t total, const std::string& text);
};

// One line announcing a long phase ("bench: warm-up round"), on a terminal only.
void announce(const std::string& line, bool enabled);

// The bar text for `done` of `total` bytes, without the carriage return.
std::string progress_line(const std::string& label, uint64_t done, uint64_t total, int width = 20);

}  // namespace vkllm::cli
