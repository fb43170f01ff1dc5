// The statistics and the stats-file merge of `agentperf bench plugin`; the
// benchmark itself runs the real opencode in
// tests/e2e_opencode/bench_plugin_test.cc.
#include "bench/plugin_bench.h"

#include <gtest/gtest.h>

#include <cmath>

namespace agentperf::bench {
namespace {

TEST(PluginBench, MedianOfOddAndEvenCounts) {
  EXPECT_EQ(Median({}), 0);
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
}

TEST(PluginBench, BootstrapIntervalHoldsTheMedianAndNarrowsWithLessSpread) {
  std::vector<double> wide, narrow;
  for (int i = 0; i < 22; ++i) {
    wide.push_back(0.9 + 0.01 * i);      // 0.90 .. 1.11
    narrow.push_back(1.0 + 0.001 * i);  // 1.000 .. 1.021
  }
  auto [lo, hi] = BootstrapMedianCi95(wide, 7);
  EXPECT_LE(lo, Median(wide));
  EXPECT_GE(hi, Median(wide));
  EXPECT_GE(lo, 0.9);
  EXPECT_LE(hi, 1.11);
  auto [nlo, nhi] = BootstrapMedianCi95(narrow, 7);
  EXPECT_LT(nhi - nlo, hi - lo);
  // Deterministic for a seed.
  EXPECT_EQ(BootstrapMedianCi95(wide, 7), std::make_pair(lo, hi));
  EXPECT_EQ(BootstrapMedianCi95({}, 7), std::make_pair(0.0, 0.0));
}

TEST(PluginBench, MergesStatsFilesAndSeparatesDeltas) {
  const std::string run1 = R"({"version":"0.1.0","hooks":{"event":{"calls":10,"total_ms":0.1,"max_ms":0.05},
    "config":{"calls":1,"total_ms":0.004,"max_ms":0.004}},
    "event_types":{"message.part.delta":{"calls":6,"total_ms":0.006},"message.updated":{"calls":4,"total_ms":0.094}},
    "queued":4,"sent":4,"dropped_total":0,"errors":0,"spooled":1,"span_hist":[0,1,0,2],"warmup_ms":4.5})";
  const std::string run2 = R"({"hooks":{"event":{"calls":2,"total_ms":0.02,"max_ms":0.08}},
    "event_types":{"message.updated":{"calls":2,"total_ms":0.02}},"sent":2,"dropped_total":3,"errors":1,
    "span_hist":[0,0,0,1,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1]})";
  PluginStats s;
  ASSERT_TRUE(MergePluginStats(run1, &s).ok());
  ASSERT_TRUE(MergePluginStats(run2, &s).ok());
  EXPECT_EQ(s.runs, 2u);
  EXPECT_EQ(s.hooks.at("event").calls, 12u);
  EXPECT_NEAR(s.hooks.at("event").total_ms, 0.12, 1e-12);
  EXPECT_DOUBLE_EQ(s.hooks.at("event").max_ms, 0.08);
  EXPECT_NEAR(s.hooks.at("event").mean_us(), 10.0, 1e-9);
  EXPECT_EQ(s.hooks.at("config").calls, 1u);
  EXPECT_EQ(s.sent, 6u);
  EXPECT_EQ(s.queued, 4u);
  EXPECT_EQ(s.dropped, 3u);
  EXPECT_EQ(s.errors, 1u);
  EXPECT_EQ(s.spooled, 1u);
  EXPECT_DOUBLE_EQ(s.warmup_ms, 4.5);
  // Span-relevant: message.updated only (6 calls, 0.114 ms): 19 us each.
  const HookCost span = s.SpanRelevant();
  EXPECT_EQ(span.calls, 6u);
  EXPECT_NEAR(span.mean_us(), 19.0, 1e-9);

  // Histogram: 1 call in bucket 1, 3 in bucket 3, 1 in bucket 5, 1 in the last (63).
  ASSERT_EQ(s.span_hist.size(), 64u);
  EXPECT_EQ(s.span_hist[3], 3u);
  EXPECT_DOUBLE_EQ(s.SpanQuantileUs(0.0), 0.125 * std::pow(2.0, 0.5 / 4));  // bucket 1's middle
  EXPECT_DOUBLE_EQ(s.SpanQuantileUs(0.5), 0.125 * std::pow(2.0, 2.5 / 4));  // rank 3 of 6: bucket 3
  EXPECT_DOUBLE_EQ(s.SpanQuantileUs(1.0), 0.125 * std::pow(2.0, 62.5 / 4));
  EXPECT_EQ(PluginStats().SpanQuantileUs(0.5), 0);

  EXPECT_FALSE(MergePluginStats("{not json", &s).ok());
  EXPECT_FALSE(MergePluginStats(R"({"sent":1})", &s).ok());  // no hooks: not a stats file
  EXPECT_EQ(s.runs, 2u);
}

}  // namespace
}  // namespace agentperf::bench
