#include "runtime/scheduler.h"

#include <algorithm>
#include <utility>

#include "vkllm/error.h"

namespace vkllm::runtime {

uint32_t StepPlan::tokens() const {
    uint32_t n = 0;
    for (const StepItem& item : items) n += item.count;
    return n;
}

Scheduler::Scheduler(SchedulerLimits limits, std::function<uint32_t()> free_blocks, std::function<void(uint32_t)> release,
                     SharingHooks sharing)
    : limits_(limits), free_blocks_(std::move(free_blocks)), release_(std::move(release)), sharing_(std::move(sharing)),
      slot_used_(limits.slots, false) {
    if (limits_.slots == 0 || limits_.step_tokens == 0 || limits_.block_size == 0)
        throw Error("scheduler limits need at least one slot, one token per step and one token per block");
}

Scheduler::Scheduler(SchedulerLimits limits, kv::OwnedCache kv, bool prefix_cache)
    : Scheduler(limits, std::function<uint32_t()>(), std::function<void(uint32_t)>(), SharingHooks{}) {
    if (!kv.cache) throw Error("scheduler: no KV cache to own");
    if (kv.cache->block_size() != limits_.block_size)
        throw Error("scheduler: KV blocks of " + std::to_string(kv.cache->block_size()) + " tokens, limits say " +
                    std::to_string(limits_.block_size));
    kv_ = std::move(kv);
    kv::KvCache& cache = *kv_.cache;
    free_blocks_ = [&cache] { return cache.free_blocks(); };
    release_ = [&cache](uint32_t slot) {
        if (cache.contains(int32_t(slot))) cache.free_sequence(int32_t(slot));
    };
    if (prefix_cache)
        sharing_.attach_prefix = [&cache](uint32_t slot, std::span<const int32_t> tokens) {
            if (cache.contains(int32_t(slot))) cache.free_sequence(int32_t(slot));
            return cache.attach_prefix(int32_t(slot), tokens);
        };
    sharing_.fork = [&cache](uint32_t parent, uint32_t child) {
        if (!cache.contains(int32_t(parent))) return false;
        if (cache.contains(int32_t(child))) cache.free_sequence(int32_t(child));
        cache.fork(int32_t(parent), int32_t(child));
        return true;
    };
}

void Scheduler::step_ran(const StepPlan& plan) {
    if (!kv_.cache) return;
    for (const StepItem& item : plan.items) {
        kv_.cache->publish(int32_t(item.slot));
        if (kv_.release_window) kv_.cache->release_outside_window(int32_t(item.slot), kv_.release_window);
    }
}

uint64_t Scheduler::add(std::vector<int32_t> tokens) {
    const uint64_t id = next_id_++;
    sequences_[id].tokens = std::move(tokens);
    return id;
}

Scheduler::Sequence& Scheduler::find(uint64_t id) {
    auto it = sequences_.find(id);
    if (it == sequences_.end()) throw Error("scheduler: no sequence " + std::to_string(id));
    return it->second;
}

const Scheduler::Sequence& Scheduler::find(uint64_t id) const {
    auto it = sequences_.find(id);
    if (it == sequences_.end()) throw Error("scheduler: no sequence " + std::to_string(id));
    return it->second;
}

void Scheduler::append(uint64_t sequence, std::span<const int32_t> tokens) {
    Sequence& s = find(sequence);
    s.tokens.insert(s.tokens.end(), tokens.begin(), tokens.end());
}

uint64_t Scheduler::fork(uint64_t parent) {
    Sequence& p = find(parent);
    const auto free_slot = std::find(slot_used_.begin(), slot_used_.end(), false);
    if (p.slot < 0 || free_slot == slot_used_.end() || !sharing_.fork) return 0;
    const uint32_t slot = uint32_t(free_slot - slot_used_.begin());
    if (!sharing_.fork(uint32_t(p.slot), slot)) return 0;
    *free_slot = true;
    const uint64_t id = next_id_++;
    Sequence& c = sequences_[id];
    c = p;
    c.slot = slot;
    c.cached = 0;
    const bool partial = p.computed % limits_.block_size != 0;
    p.shared_tail = p.shared_tail || partial;
    c.shared_tail = p.shared_tail;
    return id;
}

void Scheduler::take_slot(Sequence& s) {
    const auto free_slot = std::find(slot_used_.begin(), slot_used_.end(), false);
    s.slot = int64_t(free_slot - slot_used_.begin());
    *free_slot = true;
    if (sharing_.attach_prefix && s.computed == 0) {
        s.computed = sharing_.attach_prefix(uint32_t(s.slot), s.tokens);
        s.cached = s.computed;
    }
}

void Scheduler::remove(uint64_t sequence) {
    Sequence& s = find(sequence);
    if (s.slot >= 0) {
        release_(uint32_t(s.slot));
        slot_used_[size_t(s.slot)] = false;
    }
    sequences_.erase(sequence);
}

void Scheduler::set_idle(uint64_t sequence, bool idle) { find(sequence).idle = idle; }

const std::vector<int32_t>& Scheduler::tokens(uint64_t sequence) const { return find(sequence).tokens; }
uint32_t Scheduler::computed(uint64_t sequence) const { return find(sequence).computed; }
int64_t Scheduler::slot(uint64_t sequence) const { return find(sequence).slot; }

bool Scheduler::has_work() const {
    return std::any_of(sequences_.begin(), sequences_.end(),
                       [](const auto& p) { return !p.second.idle && p.second.computed < p.second.tokens.size(); });
}

uint32_t Scheduler::blocks_for(const Sequence& s, uint32_t count) const {
    const uint32_t b = limits_.block_size;
    return (s.computed + count + b - 1) / b - (s.computed + b - 1) / b + (s.shared_tail && count > 0 ? 1 : 0);
}

void Scheduler::preempt(uint64_t id) {
    Sequence& s = find(id);
    release_(uint32_t(s.slot));
    slot_used_[size_t(s.slot)] = false;
    s.slot = -1;
    s.computed = 0;  // recomputed from its tokens when it runs again
    s.shared_tail = false;
    s.cached = 0;
    ++preemptions_;
    preempted_now_.push_back(id);
}

bool Scheduler::preempt_newer(uint64_t than) {
    for (auto it = sequences_.rbegin(); it != sequences_.rend() && it->first > than; ++it)
        if (it->second.slot >= 0 && !it->second.idle) {
            preempt(it->first);
            return true;
        }
    return false;
}

StepPlan Scheduler::schedule() {
    preempted_now_.clear();
    std::vector<StepItem> items;
    std::vector<uint32_t> item_blocks;
    uint32_t budget = limits_.step_tokens, planned = 0;
    auto free_now = [&] {
        const uint32_t f = free_blocks_();
        return f > planned ? f - planned : 0u;
    };
    // Preempting a sequence already planned in this step takes its item back out.
    auto drop_preempted_items = [&] {
        for (size_t i = items.size(); i-- > 0;) {
            if (find(items[i].sequence).slot >= 0) continue;
            budget += items[i].count;
            planned -= item_blocks[i];
            items.erase(items.begin() + long(i));
            item_blocks.erase(item_blocks.begin() + long(i));
        }
    };
    auto planned_already = [&](uint64_t id) {
        return std::any_of(items.begin(), items.end(), [&](const StepItem& it) { return it.sequence == id; });
    };
    auto full = [&] { return budget == 0 || (limits_.one_sequence_per_step && !items.empty()); };
    auto add_item = [&](uint64_t id, Sequence& s, uint32_t count) {
        const uint32_t blocks = blocks_for(s, count);
        items.push_back({id, uint32_t(s.slot), s.computed, count, false, std::exchange(s.cached, 0u)});
        item_blocks.push_back(blocks);
        budget -= count;
        planned += blocks;
    };
    // Decodes first, oldest first; one that finds no block preempts the newest running sequence (perhaps itself).
    for (auto& [id, s] : sequences_) {
        if (full()) break;
        if (s.slot < 0 || s.idle || s.tokens.size() - s.computed != 1) continue;
        uint32_t need = blocks_for(s, 1);
        while (need > free_now() && preempt_newer(id)) drop_preempted_items();
        if (need > free_now()) {
            preempt(id);
            continue;
        }
        add_item(id, s, 1);
    }
    // Then prefill chunks, oldest first; waiting sequences join in arrival order while slots, blocks and budget last.
    for (auto& [id, s] : sequences_) {
        if (full()) break;
        if (s.idle || s.computed >= s.tokens.size() || planned_already(id)) continue;
        if (std::find(preempted_now_.begin(), preempted_now_.end(), id) != preempted_now_.end()) break;  // not back in the same step
        if (s.slot < 0) {
            if (std::find(slot_used_.begin(), slot_used_.end(), false) == slot_used_.end()) break;
            // It holds its slot (and its cached prefix) from here on, even when no block is left for it this step.
            take_slot(s);
        }
        uint32_t count = std::min<uint32_t>(uint32_t(s.tokens.size()) - s.computed, budget);
        while (blocks_for(s, count) > free_now() && preempt_newer(id)) drop_preempted_items();
        if (blocks_for(s, count) > free_now()) {
            const uint32_t b = limits_.block_size;
            const uint32_t copy = s.shared_tail ? 1 : 0;  // the shared last block's copy comes first
            const uint32_t blocks = free_now() > copy ? free_now() - copy : 0;
            const uint32_t room = free_now() < copy ? 0 : ((s.computed + b - 1) / b + blocks) * b - s.computed;
            count = std::min(count, room);
        }
        if (count == 0) break;  // FCFS: nothing younger takes the blocks this one waits for
        add_item(id, s, count);
    }
    StepPlan plan;
    for (StepItem& item : items) {
        Sequence& s = find(item.sequence);
        s.computed += item.count;
        s.shared_tail = false;
        item.samples = s.computed == s.tokens.size();
    }
    plan.items = std::move(items);
    plan.preempted = preempted_now_;
    if (kv_.cache && !plan.items.empty()) {
        // The one builder of a step's KV inputs (tested on its own in kv_step_inputs_test).
        std::vector<kv::StepRequest> requests;
        for (const StepItem& item : plan.items) {
            const std::vector<int32_t>& t = find(item.sequence).tokens;
            requests.push_back({int32_t(item.slot), item.count, std::span<const int32_t>(t.data() + item.first, item.count)});
        }
        plan.kv = kv::append_step(*kv_.cache, requests, kv_.table_width);
        plan.copies = kv_.cache->take_copies();
    }
    return plan;
}

}  // namespace vkllm::runtime
