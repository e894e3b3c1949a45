// runtime::row_logprobs and runtime::pool_embedding on small hand-made rows.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "runtime/pooling.h"
#include "runtime/token_logprobs.h"

using namespace vkllm;

TEST_CASE("row_logprobs: log-softmax of the chosen token and the top k, most likely first, ties by id") {
    const std::vector<float> row = {1.0f, 3.0f, 2.0f, 3.0f, -1.0f};
    double z = 0;
    for (float x : row) z += std::exp(double(x));
    auto lp = [&](int i) { return float(double(row[size_t(i)]) - std::log(z)); };
    const runtime::RowLogprobs r = runtime::row_logprobs(row, 2, 3);
    CHECK(r.chosen == doctest::Approx(lp(2)).epsilon(1e-6));
    REQUIRE(r.top.size() == 3);
    CHECK(r.top[0].token == 1);  // tied with 3: the lower id first
    CHECK(r.top[1].token == 3);
    CHECK(r.top[2].token == 2);
    for (const TokenAlternative& t : r.top) CHECK(t.logprob == doctest::Approx(lp(t.token)).epsilon(1e-6));
    CHECK(runtime::row_logprobs(row, 0, 0).top.empty());
    CHECK(runtime::row_logprobs(row, 0, 99).top.size() == row.size());
}

TEST_CASE("pool_embedding: mean or first row, then unit length") {
    const std::vector<float> hidden = {3, 0, 1, 4};  // two tokens of width 2: (3, 0) and (1, 4)
    std::vector<float> mean = runtime::pool_embedding(hidden, 2, 2, Pooling::Mean);  // (2, 2) / |(2, 2)|
    CHECK(mean[0] == doctest::Approx(std::sqrt(0.5)));
    CHECK(mean[1] == doctest::Approx(std::sqrt(0.5)));
    std::vector<float> cls = runtime::pool_embedding(hidden, 2, 2, Pooling::Cls);
    CHECK(cls == std::vector<float>{1, 0});
    std::vector<float> zero = runtime::pool_embedding(std::vector<float>{0, 0}, 1, 2, Pooling::Mean);
    CHECK(zero == std::vector<float>{0, 0});
    CHECK_THROWS(runtime::pool_embedding(hidden, 3, 2, Pooling::Mean));
}
