#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace vkllm::cli {

std::string progress_line(const std::string& label, uint64_t done, uint64_t total, int width) {
    const double fraction = total ? std::min(1.0, double(done) / double(total)) : 1.0;
    const int filled = int(fraction * width);
    std::string bar(size_t(filled), '#');
    bar.append(size_t(width - filled), '.');
    const double gib = 1024.0 * 1024.0 * 1024.0;
    char numbers[96];
    if (total >= uint64_t(gib) / 10)
        std::snprintf(numbers, sizeof numbers, "%3d%% %.1f/%.1f GiB", int(fraction * 100), done / gib, total / gib);
    else
        std::snprintf(numbers, sizeof numbers, "%3d%% %.1f/%.1f MiB", int(fraction * 100), done / 1048576.0,
                      total / 1048576.0);
    return label + " [" + bar + "] " + numbers;
}

ProgressBar::ProgressBar(std::string label, bool enabled)
    : label_(std::move(label)), active_(enabled && ::isatty(STDERR_FILENO)) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(uint64_t done, uint64_t total) {
    if (active_) draw(done, total, progress_line(label_, done, total));
}

void ProgressBar::update_count(uint64_t done, uint64_t total, const std::string& unit) {
    if (!active_) return;
    std::string line = progress_line(label_, done, total);
    line = line.substr(0, line.rfind('%') + 1) + " " + std::to_string(done) + "/" + std::to_string(total) + " " + unit;
    draw(done, total, line);
}

void ProgressBar::draw(uint64_t done, uint64_t total, const std::string& text) {
    const int percent = total ? int(100.0 * double(done) / double(total)) : 100;
    if (percent == last_percent_) return;  // redraw only when the number moves
    last_percent_ = percent;
    std::fprintf(stderr, "\r%s", text.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void announce(const std::string& line, bool enabled) {
    if (!enabled || !::isatty(STDERR_FILENO)) return;
    std::fprintf(stderr, "%s\n", line.c_str());
}

void ProgressBar::finish() {
    if (!drawn_) return;
    std::fputs("\r\033[K", stderr);  // erase the bar so the next line starts clean
    std::fflush(stderr);
    drawn_ = false;
}

std::function<void(uint64_t, uint64_t)> ProgressBar::callback() {
    return [this](uint64_t done, uint64_t total) { update(done, total); };
}

}  // namespace vkllm::cli
