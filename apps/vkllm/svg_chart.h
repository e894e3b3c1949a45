#pragma once
// Small SVG charts for benchmark reports: a line chart (one polyline with
// markers per series) and a grouped bar chart, each with axes, ticks, axis
// labels, a title and a legend. Every series is one <g class="series"> element
// (data-series="its name"), so a reader or a test can count them.
#include <string>
#include <vector>

namespace vkllm::cli {

struct ChartSeries {
    std::string name;
    std::vector<double> x, y;  // same length; drawn in order of x
};

struct LineChart {
    std::string title, x_label, y_label;
    std::vector<ChartSeries> series;
};

struct BarSeries {
    std::string name;
    std::vector<double> values;  // one per category; NaN: no bar
};

struct BarChart {
    std::string title, y_label;
    std::vector<std::string> categories;
    std::vector<BarSeries> series;
};

// A complete SVG document. The x axis is logarithmic (base 2) when every x is
// positive and they span a factor of 8 or more (batch sizes), else linear; the
// y axis starts at 0.
std::string line_chart_svg(const LineChart& chart);
std::string bar_chart_svg(const BarChart& chart);

}  // namespace vkllm::cli
