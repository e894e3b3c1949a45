#include "build_info.h"

#if __has_include("build_commit.h")
#include "build_commit.h"  // written by cmake/build_commit.cmake at every build
#endif
#ifndef VKLLM_GIT_COMMIT
#define VKLLM_GIT_COMMIT "unknown"
#endif

namespace vkllm::cli {

const char* build_commit() { return VKLLM_GIT_COMMIT; }

}  // namespace vkllm::cli
