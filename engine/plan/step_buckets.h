#pragma once
// The shapes a recorded forward program is built for. A step of any token and
// sequence count runs on the program of its bucket, with padded rows and
// sequences that change nothing: a padded token row belongs to no sequence
// (seq_index -1: its attention output is zero, it sees and writes no KV slot,
// slot -1) and a padded sequence holds no blocks and no context. So a server
// with steps of every shape records a bounded set of programs, once.
//
// Padding costs little where it lands: matrix products already compute whole
// tiles of 32 to 128 rows, and few-row steps (decode) keep their exact count
// up to 8, where the matrix-vector kernels read the weights once per row group.
#include <algorithm>
#include <cstdint>

namespace vkllm::plan {

// Tokens: exact up to 8, then multiples of 8 up to 64, then multiples of 32;
// never past `cap` (the step size, which every real count respects).
inline uint32_t token_bucket(uint32_t tokens, uint32_t cap) {
    const uint32_t step = tokens <= 8 ? 1 : tokens <= 64 ? 8 : 32;
    return std::min((tokens + step - 1) / step * step, std::max(cap, tokens));
}

// Sequences: powers of two, never past `cap`.
inline uint32_t sequence_bucket(uint32_t sequences, uint32_t cap) {
    uint32_t bucket = 1;
    while (bucket < sequences) bucket *= 2;
    return std::min(bucket, std::max(cap, sequences));
}

}  // namespace vkllm::plan
