// Routed expert execution (ops/moe.h). Expert weights are stacked into one
// matrix of experts * N rows ([expert][n][k]); a dispatch binds the window of
// stacked rows [g0, g0 + gc), so expert e's output column n reads bound row
// e * N + n - g0 when that row lies inside the window. Activation rows are the
// grouped rows of the routing plan: with `gather` set the input is read from
// the token each grouped row came from, otherwise from the grouped row itself.
// Declares binding 3.
layout(std430, binding = 3) readonly buffer GroupedRows { ivec2 grouped_rows[]; };  // token, expert (-1: unused)

// Output columns [col_begin, col_end) of `expert` that the bound window holds,
// and the bound row of column 0 (may lie before the window: only columns in
// range are read).
struct ExpertWindow {
    uint col_begin, col_end;
    int row_of_col0;
};

ExpertWindow expert_window(uint expert, uint N, uint g0, uint gc) {
    const int first = int(expert * N);  // stacked row of column 0
    ExpertWindow w;
    w.row_of_col0 = first - int(g0);
    w.col_begin = uint(clamp(int(g0) - first, 0, int(N)));
    w.col_end = uint(clamp(int(g0 + gc) - first, 0, int(N)));
    return w;
}

uint input_row(uint grouped_row, uint gather) { return gather != 0u ? uint(grouped_rows[grouped_row].x) : grouped_row; }
