#pragma once
// What the binary was built from, fixed when the build is configured.

namespace vkllm::cli {

// The git commit of the source tree (with "-dirty" when it had uncommitted
// changes), or "unknown" when it was not built from a git checkout.
const char* build_commit();

}  // namespace vkllm::cli
