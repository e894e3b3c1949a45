// Which attention kernel owns a query row when a step is split between the two
// (ops::AttentionKernel::Mixed): the matrix kernel takes the rows of sequences
// that bring at least `n` queries to the step, the per-query kernel the rest
// (decode rows, short chunks). Both kernels apply this one rule to the same
// `seq_index`, so every output row is written by exactly one of them. The
// rows of one sequence lie together in a step; the scan looks at most n - 1
// rows either way. Needs `seq_index` declared by the including shader.
bool in_long_run(uint query, uint n, uint queries) {
    const int seq = seq_index[query];
    uint run = 1;
    for (uint j = query; j > 0 && run < n && seq_index[j - 1] == seq; --j) ++run;
    for (uint j = query + 1; j < queries && run < n && seq_index[j] == seq; ++j) ++run;
    return run >= n;
}
