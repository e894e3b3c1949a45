#pragma once
// A parsed generation request answered over HTTP: its choices admitted to
// the engine thread, then one JSON response or an SSE stream of chunks. A
// client that goes away cancels its choices: seen by a peek at its socket
// (connection_probe.h) while the answer is computed, streamed or not, or by a
// failed write or the response dropped.
#include <httplib.h>

#include "engine_worker.h"
#include "openai_request.h"

namespace vkllm::serve {

void respond_generation(GenerationSpec spec, const ServedModel& model, EngineWorker& worker, const httplib::Request& req,
                        httplib::Response& res);

}  // namespace vkllm::serve
