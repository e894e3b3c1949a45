#pragma once
// A parsed generation request answered over HTTP: its choices admitted to
// the engine thread, then one JSON response or an SSE stream of chunks. A
// stream whose client goes away (a failed write, or the response dropped)
// cancels its choices.
#include <httplib.h>

#include "engine_worker.h"
#include "openai_request.h"

namespace vkllm::serve {

void respond_generation(GenerationSpec spec, const ServedModel& model, EngineWorker& worker, httplib::Response& res);

}  // namespace vkllm::serve
