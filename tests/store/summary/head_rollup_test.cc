// The head's minute rollup: kept while it aggregates (covering every applied
// row), dropped once it holds more than one cell per kMinRowsPerCell rows,
// and queries over a head whose rollup was dropped read its rows and give
// the same answers as a store whose rows sit in segments.
#include "store/summary/head_rollup.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/result.h"
#include "query/spec.h"
#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/store_pair.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

using testing::EventJson;

constexpr int64_t kNowMs = testing::kBaseMs + 60 * 86400000LL;  // after every test event

// n events from index `from`, `gap_ms` apart, agents alternating over `agents`.
std::string Lines(int from, int n, int64_t gap_ms, int agents) {
  const char* names[] = {"coder", "tester", "planner", "architect", "researcher"};
  std::vector<std::string> lines;
  for (int i = from; i < from + n; ++i) {
    EventJson e;
    e.Set("kind", "tool_call")
        .Set("start_ms", testing::kBaseMs + static_cast<int64_t>(i) * gap_ms)
        .Set("duration_ms", static_cast<int64_t>(1 + (i * 7919) % 5000))
        .Set("agent", names[i % agents])
        .Set("session_id", "ses_" + std::to_string(i / 50))
        .Set("span_id", "prt_" + std::to_string(i));
    lines.push_back(e.Str());
  }
  return testing::Ndjson(lines);
}

// Applies events [from, from + n) in batches of 1000, catching the rollup up after each.
void Load(Head* h, HeadRollup* r, int from, int n, int64_t gap_ms, int agents) {
  for (int at = from; at < from + n; at += 1000) {
    h->Apply(testing::Decode(Lines(at, 1000, gap_ms, agents), kNowMs));
    r->CatchUp(*h);
  }
}

TEST(HeadRollupTest, KeepsARollupThatAggregates) {
  Head h;
  HeadRollup r;
  Load(&h, &r, 0, 20000, 1, 2);  // 20 s of events, two agents: two cells
  EXPECT_FALSE(r.dropped());
  uint64_t covered = 0, counted = 0;
  size_t cells = 0;
  EXPECT_TRUE(r.Read([&](const query::Rollup& rollup, uint64_t rows) {
    covered = rows;
    cells = rollup.cells().size();
    for (const auto& c : rollup.cells()) counted += c.count;
  }));
  EXPECT_EQ(covered, 20000u);
  EXPECT_EQ(counted, 20000u);
  EXPECT_EQ(cells, 2u);
}

TEST(HeadRollupTest, DropsARollupThatDoesNotAggregate) {
  Head h;
  HeadRollup r;
  Load(&h, &r, 0, HeadRollup::kCheckRows - 1000, 60000, 3);  // one event a minute: one cell per row
  EXPECT_FALSE(r.dropped()) << "not judged before kCheckRows rows";
  Load(&h, &r, HeadRollup::kCheckRows - 1000, 2000, 60000, 3);
  EXPECT_TRUE(r.dropped());
  EXPECT_FALSE(r.Read([](const query::Rollup&, uint64_t) { ADD_FAILURE() << "read a dropped rollup"; }));
  EXPECT_LT(r.MemoryBytes(), 4096u);
  h.Apply(testing::Decode(Lines(30000, 1000, 1, 1), kNowMs));  // stays dropped
  r.CatchUp(h);
  EXPECT_TRUE(r.dropped());
}

TEST(HeadRollupTest, QueriesOverADroppedRollupReadRowsAndAgreeWithSegments) {
  testing::TempDir dir;
  auto head = testing::OpenStore(dir.Sub("head"));
  auto segs = testing::OpenStore(dir.Sub("segs"));
  for (int at = 0; at < 24000; at += 4000) {
    // One event every 20 s over ~5.5 days, five agents: 3 rows per minute, about one cell per row.
    ASSERT_TRUE(head->Append(testing::Decode(Lines(at, 4000, 20000, 5), kNowMs)).ok());
    ASSERT_TRUE(segs->Append(testing::Decode(Lines(at, 4000, 20000, 5), kNowMs)).ok());
    ASSERT_TRUE(segs->Flush().ok());
  }
  const int64_t now = kNowMs * 1000;
  const std::vector<std::string> queries = {
      R"q({"group_by":["agent"],"aggregates":["count","p95(duration_ms)","max(duration_ms)"]})q",
      R"q({"group_by":["agent"],"step":"1h","aggregates":["count","errors","p50(duration_ms)"]})q",
      R"q({"from":"1767229230000","to":"1767400000000","step":"1m","aggregates":["count","avg(duration_ms)"]})q",
  };
  testing::ExpectSameAnswers(head.get(), segs.get(), queries, now,
                             [](const std::string& q, const query::QueryResult& a, const query::QueryResult&) {
                               EXPECT_EQ(a.stats.rollup_cells, 0u) << "the head's rollup was dropped: " << q;
                               EXPECT_GT(a.stats.rows_scanned, 0u) << q;
                             });
}

}  // namespace
}  // namespace agentperf::store
