#include "svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace vkllm::cli {
namespace {

constexpr double kWidth = 860, kHeight = 500;
constexpr double kLeft = 90, kRight = 250, kTop = 60, kBottom = 80;  // margins; the legend sits on the right
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

// Tableau 10: distinct on white and for most colour-blind readers.
const char* colour(size_t i) {
    static const char* c[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                              "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
    return c[i % 10];
}

std::string escape(const std::string& text) {
    std::string out;
    for (char ch : text) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += ch;
        }
    }
    return out;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

// Tick labels: 3 significant digits, k / M for large values.
std::string label(double v) {
    char buf[32];
    const double a = std::fabs(v);
    if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
    else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
    else std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

// A round step giving about `count` intervals over [0, top].
double nice_step(double top, int count) {
    if (!(top > 0)) return 1;
    const double raw = top / count, power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (raw <= m * power) return m * power;
    return 10 * power;
}

struct YAxis {
    double top = 1, step = 1;
    double at(double v) const { return kTop + kPlotH * (1 - v / top); }
};

YAxis y_axis(double max_value) {
    YAxis y;
    y.step = nice_step(max_value > 0 ? max_value : 1, 5);
    y.top = y.step * std::ceil((max_value > 0 ? max_value : 1) / y.step);
    if (y.top < max_value * 1.02) y.top += y.step;  // headroom above the highest point
    return y;
}

std::string header(const std::string& title) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) + "\" height=\"" + num(kHeight) +
           "\" viewBox=\"0 0 " + num(kWidth) + " " + num(kHeight) +
           "\" font-family=\"sans-serif\" font-size=\"12\">\n"
           "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
           "<text class=\"title\" x=\"" + num(kWidth / 2) + "\" y=\"30\" text-anchor=\"middle\" font-size=\"16\">" +
           escape(title) + "</text>\n";
}

std::string y_grid(const YAxis& y, const std::string& y_label) {
    std::string out = "<g class=\"axis y\">\n";
    for (double v = 0; v <= y.top + y.step / 2; v += y.step) {
        out += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + kPlotW) + "\" y1=\"" + num(y.at(v)) + "\" y2=\"" +
               num(y.at(v)) + "\" stroke=\"#ddd\"/>\n";
        out += "<text x=\"" + num(kLeft - 8) + "\" y=\"" + num(y.at(v) + 4) + "\" text-anchor=\"end\">" + label(v) +
               "</text>\n";
    }
    out += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft) + "\" y1=\"" + num(kTop) + "\" y2=\"" +
           num(kTop + kPlotH) + "\" stroke=\"black\"/>\n";
    out += "<text x=\"20\" y=\"" + num(kTop + kPlotH / 2) + "\" text-anchor=\"middle\" transform=\"rotate(-90 20 " +
           num(kTop + kPlotH / 2) + ")\">" + escape(y_label) + "</text>\n</g>\n";
    return out;
}

std::string x_axis_line(const std::string& x_label) {
    return "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + kPlotW) + "\" y1=\"" + num(kTop + kPlotH) +
           "\" y2=\"" + num(kTop + kPlotH) + "\" stroke=\"black\"/>\n<text x=\"" + num(kLeft + kPlotW / 2) + "\" y=\"" +
           num(kHeight - 25) + "\" text-anchor=\"middle\">" + escape(x_label) + "</text>\n";
}

std::string legend(const std::vector<std::string>& names, bool lines) {
    std::string out = "<g class=\"legend\">\n";
    for (size_t i = 0; i < names.size(); ++i) {
        const double y = kTop + 10 + 20.0 * double(i), x = kLeft + kPlotW + 20;
        out += lines ? "<line x1=\"" + num(x) + "\" x2=\"" + num(x + 24) + "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
                           "\" stroke=\"" + colour(i) + "\" stroke-width=\"2\"/><circle cx=\"" + num(x + 12) +
                           "\" cy=\"" + num(y) + "\" r=\"3.5\" fill=\"" + colour(i) + "\"/>"
                     : "<rect x=\"" + num(x + 4) + "\" y=\"" + num(y - 7) + "\" width=\"16\" height=\"14\" fill=\"" +
                           colour(i) + "\"/>";
        out += "<text x=\"" + num(x + 32) + "\" y=\"" + num(y + 4) + "\">" + escape(names[i]) + "</text>\n";
    }
    return out + "</g>\n";
}

}  // namespace

std::string line_chart_svg(const LineChart& chart) {
    std::set<double> xs;
    double y_max = 0;
    for (const auto& s : chart.series)
        for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            xs.insert(s.x[i]);
            if (std::isfinite(s.y[i])) y_max = std::max(y_max, s.y[i]);
        }
    const double lo = xs.empty() ? 0 : *xs.begin(), hi = xs.empty() ? 1 : *xs.rbegin();
    const bool log_x = lo > 0 && hi / lo >= 8;
    auto scaled = [&](double v) { return log_x ? std::log2(v) : v; };
    double a = scaled(lo), b = scaled(hi);
    if (a == b) a -= 1, b += 1;
    const double pad = (b - a) * 0.05;
    auto x_at = [&](double v) { return kLeft + kPlotW * (scaled(v) - a + pad) / (b - a + 2 * pad); };
    const YAxis y = y_axis(y_max);

    std::string out = header(chart.title) + y_grid(y, chart.y_label) + x_axis_line(chart.x_label);
    // Ticks at the measured x values when there are few of them, else evenly.
    std::vector<double> ticks(xs.begin(), xs.end());
    if (ticks.size() > 12) {
        ticks.clear();
        const double step = nice_step(hi - lo, 6);
        for (double v = std::ceil(lo / step) * step; v <= hi; v += step) ticks.push_back(v);
    }
    out += "<g class=\"axis x\">\n";
    for (double v : ticks)
        out += "<line x1=\"" + num(x_at(v)) + "\" x2=\"" + num(x_at(v)) + "\" y1=\"" + num(kTop + kPlotH) + "\" y2=\"" +
               num(kTop + kPlotH + 5) + "\" stroke=\"black\"/><text x=\"" + num(x_at(v)) + "\" y=\"" +
               num(kTop + kPlotH + 20) + "\" text-anchor=\"middle\">" + label(v) + "</text>\n";
    out += "</g>\n";
    std::vector<std::string> names;
    for (size_t i = 0; i < chart.series.size(); ++i) {
        const ChartSeries& s = chart.series[i];
        names.push_back(s.name);
        std::vector<std::pair<double, double>> pts;
        for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k)
            if (std::isfinite(s.y[k])) pts.emplace_back(s.x[k], s.y[k]);
        std::sort(pts.begin(), pts.end());
        out += "<g class=\"series\" data-series=\"" + escape(s.name) + "\">\n<polyline fill=\"none\" stroke=\"" +
               colour(i) + "\" stroke-width=\"2\" points=\"";
        for (const auto& [px, py] : pts) out += num(x_at(px)) + "," + num(y.at(py)) + " ";
        out += "\"/>\n";
        for (const auto& [px, py] : pts)
            out += "<circle cx=\"" + num(x_at(px)) + "\" cy=\"" + num(y.at(py)) + "\" r=\"3.5\" fill=\"" + colour(i) +
                   "\"><title>" + escape(s.name) + ": " + label(px) + ", " + label(py) + "</title></circle>\n";
        out += "</g>\n";
    }
    return out + legend(names, true) + "</svg>\n";
}

std::string bar_chart_svg(const BarChart& chart) {
    double y_max = 0;
    for (const auto& s : chart.series)
        for (double v : s.values)
            if (std::isfinite(v)) y_max = std::max(y_max, v);
    const YAxis y = y_axis(y_max);
    std::string out = header(chart.title) + y_grid(y, chart.y_label) + x_axis_line("");
    const double group = kPlotW / double(std::max<size_t>(1, chart.categories.size()));
    const double bar = group * 0.8 / double(std::max<size_t>(1, chart.series.size()));
    out += "<g class=\"axis x\">\n";
    for (size_t c = 0; c < chart.categories.size(); ++c)
        out += "<text x=\"" + num(kLeft + group * (double(c) + 0.5)) + "\" y=\"" + num(kTop + kPlotH + 20) +
               "\" text-anchor=\"middle\">" + escape(chart.categories[c]) + "</text>\n";
    out += "</g>\n";
    std::vector<std::string> names;
    for (size_t i = 0; i < chart.series.size(); ++i) {
        const BarSeries& s = chart.series[i];
        names.push_back(s.name);
        out += "<g class=\"series\" data-series=\"" + escape(s.name) + "\">\n";
        for (size_t c = 0; c < s.values.size() && c < chart.categories.size(); ++c) {
            if (!std::isfinite(s.values[c])) continue;
            const double x = kLeft + group * double(c) + group * 0.1 + bar * double(i), top = y.at(s.values[c]);
            out += "<rect x=\"" + num(x) + "\" y=\"" + num(top) + "\" width=\"" + num(bar * 0.92) + "\" height=\"" +
                   num(kTop + kPlotH - top) + "\" fill=\"" + colour(i) + "\"><title>" + escape(chart.categories[c]) +
                   " " + escape(s.name) + ": " + label(s.values[c]) + "</title></rect>\n";
        }
        out += "</g>\n";
    }
    return out + legend(names, false) + "</svg>\n";
}

}  // namespace vkllm::cli
