// The scheduler alone, over a pretend KV pool: the token budget, decodes
// before prefill chunks, FCFS admission, and preemption of the newest.
#include <doctest/doctest.h>

#include <numeric>

#include "runtime/scheduler.h"

using namespace vkllm::runtime;

namespace {

// Blocks per slot as an executor would hold them after running each plan.
struct Pool {
    uint32_t total, block;
    std::vector<uint32_t> held;
    uint32_t free() const { return total - std::accumulate(held.begin(), held.end(), 0u); }
    void run(const StepPlan& plan) {
        for (const StepItem& item : plan.items) held[item.slot] = (item.first + item.count + block - 1) / block;
    }
};

Scheduler make(Pool& pool, uint32_t slots, uint32_t step_tokens) {
    pool.held.assign(slots, 0);
    return Scheduler({slots, step_tokens, pool.block, false}, [&pool] { return pool.free(); },
                     [&pool](uint32_t slot) { pool.held[slot] = 0; });
}

}  // namespace

TEST_CASE("scheduler: decodes first, then prefill chunks within the token budget, FCFS") {
    Pool pool{100, 4, {}};
    Scheduler s = make(pool, 3, 8);
    const uint64_t a = s.add(std::vector<int32_t>(10, 1));
    StepPlan p = s.schedule();
    REQUIRE(p.items.size() == 1);
    CHECK(p.items[0].count == 8);  // a chunk of the budget
    CHECK_FALSE(p.items[0].samples);
    pool.run(p);
    const uint64_t b = s.add(std::vector<int32_t>(5, 2));
    p = s.schedule();
    REQUIRE(p.items.size() == 2);
    CHECK(p.items[0].sequence == a);
    CHECK(p.items[0].count == 2);
    CHECK(p.items[0].samples);
    CHECK(p.items[1].sequence == b);
    CHECK(p.items[1].count == 5);
    CHECK(p.items[1].samples);
    pool.run(p);
    s.append(a, std::vector<int32_t>{3});
    s.append(b, std::vector<int32_t>{3});
    const uint64_t c = s.add(std::vector<int32_t>(20, 4));
    p = s.schedule();
    REQUIRE(p.items.size() == 3);
    CHECK(p.items[0].count == 1);  // decodes first, oldest first
    CHECK(p.items[1].count == 1);
    CHECK(p.items[2].sequence == c);
    CHECK(p.items[2].count == 6);  // what the budget leaves
    CHECK(p.tokens() == 8);
    pool.run(p);
    s.remove(a);
    s.remove(b);
    s.remove(c);
    CHECK(pool.free() == 100);
    CHECK_FALSE(s.has_work());
}

TEST_CASE("scheduler: out of blocks, the newest running sequence is preempted and recomputed later") {
    Pool pool{4, 4, {}};
    Scheduler s = make(pool, 2, 16);
    const uint64_t a = s.add(std::vector<int32_t>(8, 1));
    const uint64_t b = s.add(std::vector<int32_t>(8, 2));
    StepPlan p = s.schedule();
    REQUIRE(p.items.size() == 2);  // 2 + 2 blocks: the pool is full
    pool.run(p);
    s.append(a, std::vector<int32_t>{5});
    s.append(b, std::vector<int32_t>{5});
    p = s.schedule();  // a's decode needs a fifth block: b goes
    REQUIRE(p.preempted.size() == 1);
    CHECK(p.preempted[0] == b);
    REQUIRE(p.items.size() == 1);
    CHECK(p.items[0].sequence == a);
    CHECK(s.computed(b) == 0);
    CHECK(s.preemptions() == 1);
    pool.run(p);
    s.remove(a);
    p = s.schedule();  // b comes back with all its tokens
    REQUIRE(p.items.size() == 1);
    CHECK(p.items[0].sequence == b);
    CHECK(p.items[0].first == 0);
    CHECK(p.items[0].count == 9);
    CHECK(p.items[0].samples);
}

TEST_CASE("scheduler: a waiting request does not jump ahead of an older one, and idle sequences wait") {
    Pool pool{3, 4, {}};
    Scheduler s = make(pool, 3, 64);
    const uint64_t a = s.add(std::vector<int32_t>(12, 1));  // all three blocks
    pool.run(s.schedule());
    s.append(a, std::vector<int32_t>{1});
    s.set_idle(a, true);  // a chat between turns keeps its blocks
    const uint64_t b = s.add(std::vector<int32_t>(4, 1));
    s.add(std::vector<int32_t>(1, 1));
    CHECK(s.schedule().items.empty());  // no block for b, and c does not pass it
    s.remove(a);
    StepPlan p = s.schedule();
    REQUIRE(p.items.size() == 2);
    CHECK(p.items[0].sequence == b);
}

TEST_CASE("scheduler: a cached prefix counts as computed; a fork shares progress and counts its copy") {
    Pool pool{100, 4, {}};
    pool.held.assign(3, 0);
    std::vector<uint32_t> attached;
    std::vector<std::pair<uint32_t, uint32_t>> forks;
    SharingHooks sharing;
    // The pretend cache holds 8 tokens of any prompt of more than 8.
    sharing.attach_prefix = [&](uint32_t slot, std::span<const int32_t> t) {
        attached.push_back(slot);
        const uint32_t cached = t.size() > 8 ? 8 : 0;
        pool.held[slot] = cached / pool.block;
        return cached;
    };
    sharing.fork = [&](uint32_t parent, uint32_t child) {
        forks.emplace_back(parent, child);
        return true;
    };
    Scheduler s({3, 16, pool.block, false}, [&pool] { return pool.free(); }, [&pool](uint32_t slot) { pool.held[slot] = 0; },
                sharing);
    const uint64_t a = s.add(std::vector<int32_t>(10, 1));
    StepPlan p = s.schedule();
    REQUIRE(p.items.size() == 1);
    CHECK(attached == std::vector<uint32_t>{0});
    CHECK(p.items[0].first == 8);
    CHECK(p.items[0].count == 2);
    CHECK(p.items[0].cached == 8);
    pool.run(p);
    // Forked after its prompt ran: the child holds the same tokens and progress in another slot.
    const uint64_t child = s.fork(a);
    REQUIRE(child != 0);
    CHECK(forks == std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}});
    CHECK(s.computed(child) == 10);
    CHECK(s.tokens(child) == s.tokens(a));
    s.append(a, std::vector<int32_t>{2});
    s.append(child, std::vector<int32_t>{3});
    // Both decode into their shared, partly filled last block, so each first write takes a block (its copy).
    // With one block free the older gets it and the child, the newest, is preempted.
    pool.total = 3 + 1;
    p = s.schedule();
    REQUIRE(p.items.size() == 1);
    CHECK(p.items[0].sequence == a);
    CHECK(p.preempted == std::vector<uint64_t>{child});
    CHECK(s.slot(child) == -1);
    pool.run(p);
    // The preempted child comes back on the cached prefix and computes the rest.
    s.append(a, std::vector<int32_t>{2});
    pool.total = 100;
    p = s.schedule();
    REQUIRE(p.items.size() == 2);
    CHECK(p.items[0].sequence == a);
    CHECK(p.items[1].sequence == child);
    CHECK(p.items[1].first == 8);
    CHECK(p.items[1].count == 3);
    CHECK(p.items[1].cached == 8);
    pool.run(p);
    // Forks take free slots; none left: 0.
    CHECK(s.fork(a) != 0);
    CHECK(s.fork(a) == 0);
}
