#pragma once
// What the C API's opaque handles hold (vkllm/vkllm.h). Internal to engine/capi/.
#include <atomic>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "model/load.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/engine.h"
#include "vkllm/vkllm.h"

struct vkllm_tokenizer {
    vkllm::tokenizer::Tokenizer tokenizer;
};

struct vkllm_engine {
    vkllm::LoadedModel model;           // kept for the engine's life (its weights may be mapped in place)
    vkllm_tokenizer tokenizer;
    std::unique_ptr<vkllm::Engine> engine;
    std::set<vkllm_request*> requests;  // alive, not yet destroyed (told when the engine goes)
};

// A token event as queued for vkllm_request_poll.
struct vkllm_queued_event {
    int32_t token = -1;
    std::string text;
    float logprob = 0;
    vkllm_finish_reason finished = VKLLM_FINISH_NONE;
};

struct vkllm_request {
    vkllm_engine* engine = nullptr;  // null once the engine was destroyed
    uint64_t id = 0;
    vkllm_token_fn on_token = nullptr;
    void* on_token_user = nullptr;
    std::atomic<bool> cancel_requested{false};  // set by any thread, applied before the next step
    bool finished = false;                      // its last event was delivered or queued
    std::deque<vkllm_queued_event> queue;       // without on_token
    std::string polled_text;                    // the text of the event vkllm_request_poll returned last
};

namespace vkllm::capi {

// Cancellations asked for since the last step, applied on the engine's thread.
void apply_cancellations(vkllm_engine& engine);
vkllm_finish_reason finish_reason(FinishReason reason);

}  // namespace vkllm::capi
