#pragma once
// ALiBi head slopes (Press et al.), for the GPU path and the CPU reference: for n a power of two, head h (1-based) gets
// 2^(-8h/n). Otherwise the nearest lower power of two p gives the first p slopes
// and the remaining heads take the odd-indexed slopes of the 2p sequence.
#include <cstdint>
#include <vector>

namespace vkllm {

std::vector<double> alibi_slopes(uint32_t num_heads);

}  // namespace vkllm
