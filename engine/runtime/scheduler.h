#pragma once
// Continuous batching: which sequences run in the next step, and how many of
// their tokens. Requests join and leave between steps. Each step has a token
// budget shared by decodes (one token each, first priority, oldest first) and
// chunks of prefills (oldest first, FCFS: a waiting sequence never jumps ahead
// of an older one). When the KV pool cannot hold what an older sequence needs,
// the newest running sequence is preempted: its blocks go back and its tokens
// are computed again once it is rescheduled. The scheduler owns the sequences
// (their tokens and how many are in the KV cache), the slots of the executor
// and, where the executor has one, its KV cache (below).
//
// Shared KV (kv/kv_cache.h): when a waiting sequence gets a slot, the prefix
// hook may start it on cached blocks of its leading tokens, which then count
// as computed (StepItem::cached says how many). fork() starts a sequence that
// shares a running one's blocks, tokens and progress; until each has written
// into their shared, partly filled last block, its next chunk counts one more
// block (the copy-on-write copy). A preempted or removed sequence only drops
// its holds: blocks shared with others stay.
//
// Owning the KV cache (the second constructor): the scheduler holds the
// kv::KvCache the executor planned and handed over. Its free blocks, slot
// releases, prefix attachment and forks then act on that cache, and every
// StepPlan carries the step's KV inputs (kv::append_step: slots, positions,
// block tables) and copy-on-write copies for the executor, which keeps no
// sequence state. After the executor ran a step, step_ran() publishes the
// blocks it filled to the prefix cache (and releases what a sliding window
// hides).
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <vector>

#include "kv/kv_cache.h"
#include "kv/step_inputs.h"

namespace vkllm::runtime {

struct SchedulerLimits {
    uint32_t slots = 1;            // sequences the executor holds at once
    uint32_t step_tokens = 64;     // tokens one step takes, all sequences together
    uint32_t block_size = 16;      // tokens per KV block
    bool one_sequence_per_step = false;  // e.g. dynamic-NTK RoPE: frequencies follow one sequence's length
};

// One sequence's part of a step: tokens [first, first + count) of its tokens.
struct StepItem {
    uint64_t sequence = 0;
    uint32_t slot = 0;
    uint32_t first = 0, count = 0;
    bool samples = false;  // the chunk ends the sequence's tokens: its last row gives the next token
    uint32_t cached = 0;   // tokens the prefix cache supplied when the sequence took its slot (before `first`)
};

// What the executor offers beyond free blocks and release (both optional).
struct SharingHooks {
    // Starts an empty slot on cached KV of the tokens' prefix; returns the tokens it holds.
    std::function<uint32_t(uint32_t slot, std::span<const int32_t> tokens)> attach_prefix;
    // The empty slot `child` shares the KV of slot `parent`; false: cannot.
    std::function<bool(uint32_t parent, uint32_t child)> fork;
};

struct StepPlan {
    std::vector<StepItem> items;
    std::vector<uint64_t> preempted;  // sequences whose blocks were freed for this step
    // When the scheduler owns the KV cache: the step's KV inputs (items in
    // order, each on its slot) and the block copies to run before it.
    kv::StepInputs kv;
    std::vector<kv::BlockCopy> copies;
    uint32_t tokens() const;
};

class Scheduler {
public:
    // `free_blocks` is asked before each step; `release(slot)` frees a slot's KV blocks.
    Scheduler(SchedulerLimits limits, std::function<uint32_t()> free_blocks, std::function<void(uint32_t)> release,
              SharingHooks sharing = {});
    // Owns the KV cache (slots are its sequence ids); `prefix_cache`: new
    // sequences start on cached blocks of their prompts.
    Scheduler(SchedulerLimits limits, kv::OwnedCache kv, bool prefix_cache);

    // The owned KV cache; null with the first constructor.
    const kv::KvCache* kv_cache() const { return kv_.cache.get(); }
    kv::KvCache* kv_cache() { return kv_.cache.get(); }
    uint32_t kv_table_width() const { return kv_.table_width; }
    // The executor ran `plan` (owned cache: publishes the blocks it filled).
    void step_ran(const StepPlan& plan);

    // A new sequence of `tokens` (not yet in the KV cache); returns its id.
    uint64_t add(std::vector<int32_t> tokens);
    // Appends tokens (a sampled one, or the next turn of a kept sequence).
    void append(uint64_t sequence, std::span<const int32_t> tokens);
    // A new sequence sharing everything of running `parent` (tokens, KV, slot
    // state) in a free slot; 0 when no slot is free or the executor cannot fork.
    uint64_t fork(uint64_t parent);
    // Drops the sequence; its slot's blocks go back. Idle (kept) sequences keep theirs until then.
    void remove(uint64_t sequence);
    // A sequence that stops asking for steps but keeps its tokens and KV (a chat between turns).
    void set_idle(uint64_t sequence, bool idle);

    // The next step, with the computed counts advanced as if it ran (run it,
    // or the state is wrong). Empty when nothing is left to compute.
    StepPlan schedule();

    const std::vector<int32_t>& tokens(uint64_t sequence) const;
    uint32_t computed(uint64_t sequence) const;  // tokens in the KV cache
    int64_t slot(uint64_t sequence) const;       // its executor slot; -1 while waiting
    bool has_work() const;
    uint64_t preemptions() const { return preemptions_; }
    size_t sequences() const { return sequences_.size(); }

private:
    struct Sequence {
        std::vector<int32_t> tokens;
        uint32_t computed = 0;
        int64_t slot = -1;  // -1: waiting (new or preempted)
        bool idle = false;
        bool shared_tail = false;  // its partly filled last block is shared (a fork): the next write copies it
        uint32_t cached = 0;       // prefix-cache tokens not yet reported in a StepItem
    };
    // Gives a waiting sequence a free slot (there must be one) and its cached prefix.
    void take_slot(Sequence& s);
    uint32_t blocks_for(const Sequence& s, uint32_t count) const;
    void preempt(uint64_t id);
    // Preempts the newest running sequence newer than `than`, if any.
    bool preempt_newer(uint64_t than);
    Sequence& find(uint64_t id);
    const Sequence& find(uint64_t id) const;

    SchedulerLimits limits_;
    std::function<uint32_t()> free_blocks_;
    std::function<void(uint32_t)> release_;
    SharingHooks sharing_;
    std::map<uint64_t, Sequence> sequences_;  // ids grow with arrival: map order is FCFS order
    std::vector<bool> slot_used_;
    uint64_t next_id_ = 1;
    uint64_t preemptions_ = 0;
    std::vector<uint64_t> preempted_now_;
    kv::OwnedCache kv_;
};

}  // namespace vkllm::runtime
