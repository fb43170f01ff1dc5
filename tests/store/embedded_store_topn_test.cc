// Top-N queries by max(duration_ms) read segment blocks largest-first and stop
// early: the answers (series, maxima, and point times = earliest starts when
// `from` is open) equal those of a store that keeps everything in its head,
// and blocks are really skipped.
#include <gtest/gtest.h>

#include <random>

#include "query/result.h"
#include "query/spec.h"
#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/store_pair.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

using testing::EventJson;

// Sessions of ~60 spans each, heavy-tailed durations, ~40k events over ~10 h.
std::string Lines(int from, int n, uint64_t seed, int64_t cap_ms = INT64_MAX) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dur(7.0, 1.5);
  const char* agents[] = {"coder", "tester", "planner", "architect"};
  const char* models[] = {"m1", "m2", "m3"};
  std::vector<std::string> lines;
  for (int i = from; i < from + n; ++i) {
    const int session = i / 60;
    EventJson e;
    e.Set("kind", i % 2 ? "tool_call" : "llm_call")
        .Set("start_ms", testing::kBaseMs + static_cast<int64_t>(i) * 900 + static_cast<int64_t>(rng() % 5000))
        .Set("duration_ms", std::min(cap_ms, static_cast<int64_t>(1 + dur(rng))))
        .Set("agent", agents[session % 4])
        .Set("model", models[session % 3])
        .Set("session_id", "ses_" + std::to_string(session))
        .Set("span_id", "prt_" + std::to_string(i));
    if (rng() % 15 == 0) e.Set("status", "error");
    lines.push_back(e.Str());
  }
  return testing::Ndjson(lines);
}

// Many series tied at a capped duration (as the benchmark's 4 h cap makes
// them): the first pass keeps only rows at or above the threshold, the
// second finds the earliest starts; the answers (ties broken by labels) are
// those of a full scan.
TEST(TopNTest, TiesAtACapGiveTheSameAnswerAsAFullScan) {
  testing::TempDir dir;
  auto head = testing::OpenStore(dir.Sub("head"));
  auto segs = testing::OpenStore(dir.Sub("segs"));
  for (int at = 0; at < 40000; at += 4000) {
    ASSERT_TRUE(head->Append(testing::Decode(Lines(at, 4000, at + 7, 5000))).ok());
    ASSERT_TRUE(segs->Append(testing::Decode(Lines(at, 4000, at + 7, 5000))).ok());
    ASSERT_TRUE(segs->Flush().ok());
  }
  const int64_t now = (testing::kBaseMs + 86400000LL) * 1000;
  const std::vector<std::string> queries = {
      R"q({"group_by":["session_id","agent","model"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms) desc","limit":10})q",
      R"q({"group_by":["session_id"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms) desc","limit":200})q",
      R"q({"from":"1767229200000","group_by":["session_id","model"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms) desc","limit":7})q",
      R"q({"group_by":["model"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms) desc","limit":2})q",
  };
  testing::ExpectSameAnswers(head.get(), segs.get(), queries, now,
                             [](const std::string& q, const query::QueryResult&, const query::QueryResult& b) {
                               ASSERT_FALSE(b.series.empty()) << q;
                               EXPECT_EQ(b.series[0].points[0].values[0], 5000) << q;
                             });
}

TEST(TopNTest, LargestBlocksFirstGivesTheSameAnswerAsAFullScan) {
  testing::TempDir dir;
  auto head = testing::OpenStore(dir.Sub("head"));
  auto segs = testing::OpenStore(dir.Sub("segs"));
  const int kEvents = 40000;
  for (int at = 0; at < kEvents; at += 2000) {
    ASSERT_TRUE(head->Append(testing::Decode(Lines(at, 2000, at + 1))).ok());
    ASSERT_TRUE(segs->Append(testing::Decode(Lines(at, 2000, at + 1))).ok());
    if (at < kEvents - 2000) {
      ASSERT_TRUE(segs->Flush().ok());  // the last 2000 stay in the head
    }
  }
  ASSERT_GE(segs->segments(), 19u);
  const int64_t now = (testing::kBaseMs + 86400000LL) * 1000;
  const std::vector<std::string> queries = {
      R"q({"group_by":["session_id","agent","model"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms) desc","limit":10})q",
      R"q({"group_by":["session_id"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms) desc","limit":3})q",
      R"q({"filters":[{"label":"agent","op":"=","value":"tester"}],"group_by":["session_id"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms)","limit":25})q",
      R"q({"group_by":["agent"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms) desc","limit":2})q",
      R"q({"from":"1767229200000","group_by":["session_id"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms) desc","limit":10})q",
      R"q({"group_by":["session_id"],"aggregates":["max(duration_ms)"],"order_by":"max(duration_ms) desc","limit":100000})q",
  };
  uint64_t skipped = 0;
  testing::ExpectSameAnswers(head.get(), segs.get(), queries, now,
                             [&](const std::string& q, const query::QueryResult&, const query::QueryResult& b) {
                               EXPECT_FALSE(b.series.empty()) << q;
                               skipped += b.stats.blocks_skipped;
                             });
  // The top 3 sessions: many of the 19 blocks are never read.
  auto spec = query::ParseQuerySpec(queries[1], now);
  auto r = segs->Query(*spec);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->stats.blocks_skipped, 5u) << r->stats.blocks_scanned;
  EXPECT_GT(skipped, 0u);
}

}  // namespace
}  // namespace agentperf::store
