// The hour cells of segment summaries: read on demand from .sum files within
// a memory budget (least recently used out), fresh segments' cells kept
// warm, a missing file answered from rows, and the same query answers with
// any budget.
#include "store/summary/hour_rollup_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "query/result.h"
#include "query/spec.h"
#include "store/embedded_store.h"
#include "store/summary/segment_summary.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

namespace fsys = std::filesystem;
using testing::EventJson;

// n events from index `from`, 30 s apart, three agents, two tools.
std::string Lines(int from, int n) {
  const char* agents[] = {"coder", "tester", "planner"};
  std::vector<std::string> lines;
  for (int i = from; i < from + n; ++i) {
    EventJson e;
    e.Set("kind", i % 2 ? "tool_call" : "llm_call")
        .Set("start_ms", testing::kBaseMs + static_cast<int64_t>(i) * 30000)
        .Set("duration_ms", static_cast<int64_t>(1 + (i * 7919) % 90000))
        .Set("agent", agents[i % 3])
        .Set("session_id", "ses_" + std::to_string(i / 40))
        .Set("span_id", "prt_" + std::to_string(i));
    if (i % 2) e.Set("tool", i % 4 == 1 ? "bash" : "read");
    if (i % 11 == 0) e.Set("status", "error");
    lines.push_back(e.Str());
  }
  return testing::Ndjson(lines);
}

constexpr int64_t kNowMs = testing::kBaseMs + 30 * 86400000LL;

// Four segments of 2,000 events (~17 h each, ~2.8 days in all).
std::unique_ptr<EmbeddedStore> Load(const std::string& dir, uint64_t budget) {
  EmbeddedStoreOptions o;
  o.data_dir = dir;
  o.flush_rows = 0;
  o.hour_rollup_cache_bytes = budget;
  auto s = EmbeddedStore::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return nullptr;
  if ((*s)->events() == 0) {
    for (int at = 0; at < 8000; at += 2000) {
      EXPECT_TRUE((*s)->Append(testing::Decode(Lines(at, 2000), kNowMs)).ok());
      EXPECT_TRUE((*s)->Flush().ok());
    }
  }
  return std::move(s).value();
}

std::string Answer(EmbeddedStore* s, const std::string& q, uint64_t* cells = nullptr) {
  auto spec = query::ParseQuerySpec(q, kNowMs * 1000);
  EXPECT_TRUE(spec.ok()) << q;
  auto r = s->Query(*spec);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (cells != nullptr && r.ok()) *cells = r->stats.rollup_cells;
  return r.ok() ? query::QueryResultToJson(*r, false) : "";
}

const std::vector<std::string> kQueries = {
    R"q({"group_by":["agent"],"aggregates":["count","errors","p95(duration_ms)"]})q",             // day cells
    R"q({"group_by":["agent","tool"],"step":"1h","aggregates":["count","p50(duration_ms)"]})q",  // hour cells
    R"q({"from":"1767229200000","to":"1767400000000","step":"1d","aggregates":["count"]})q",    // days + hours
    R"q({"from":"1767229211000","group_by":["tool"],"aggregates":["max(duration_ms)","count"]})q",
};

TEST(HourRollupCacheTest, LoadsOnDemandHitsAfterwardsAndEvictsLeastRecentlyUsed) {
  testing::TempDir dir;
  { auto s = Load(dir.path(), 64 << 20); }  // writes four segments and their .sum files
  const std::string segdir = SegmentsDir(dir.path());
  std::vector<std::shared_ptr<segment::SegmentReader>> segs;
  for (const auto& e : fsys::directory_iterator(segdir)) {
    uint64_t no = 0;
    if (!segment::ParseSegmentFileName(e.path().filename().string(), &no)) continue;
    auto r = segment::SegmentReader::Open(fs::DefaultFileSystem(), e.path().string(), no);
    ASSERT_TRUE(r.ok());
    segs.push_back(std::move(r).value());
  }
  ASSERT_EQ(segs.size(), 4u);
  HourRollupCache big(fs::DefaultFileSystem(), segdir, 64 << 20);
  auto a = big.Get(*segs[0]);
  ASSERT_NE(a, nullptr);
  EXPECT_GT(a->cells().size(), 10u);
  EXPECT_TRUE(a->sorted());
  EXPECT_EQ(big.Get(*segs[0]), a);
  EXPECT_EQ(big.Stats().loads, 1u);
  EXPECT_EQ(big.Stats().hits, 1u);
  EXPECT_EQ(big.Stats().bytes, a->MemoryBytes());

  // A budget below one rollup: only the most recent stays; handed-out ones live on.
  HourRollupCache tiny(fs::DefaultFileSystem(), segdir, 1);
  auto first = tiny.Get(*segs[0]);
  auto second = tiny.Get(*segs[1]);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(tiny.Stats().entries, 1u);
  EXPECT_GT(first->cells().size(), 0u);
  tiny.Get(*segs[0]);
  EXPECT_EQ(tiny.Stats().loads, 3u) << "segment 0 was evicted by segment 1";
  tiny.Erase(segs[0]->number());
  EXPECT_EQ(tiny.Stats().entries, 0u);

  // No file: null, counted, no crash.
  fsys::remove(SummaryPath(segdir, segs[2]->number()));
  EXPECT_EQ(big.Get(*segs[2]), nullptr);
  EXPECT_EQ(big.Stats().failed, 1u);
}

TEST(HourRollupCacheTest, AnswersAreTheSameWithAnyBudgetAndWithoutSummaryFiles) {
  testing::TempDir d1, d2;
  auto warm = Load(d1.path(), 64 << 20);
  auto cold = Load(d2.path(), 1);  // every hour read goes to the file
  std::vector<std::string> expected;
  for (const auto& q : kQueries) {
    uint64_t cells = 0;
    expected.push_back(Answer(warm.get(), q, &cells));
    EXPECT_GT(cells, 0u) << q;
    EXPECT_EQ(Answer(cold.get(), q), expected.back()) << q;
  }
  // Reopened: nothing warm, hour cells read back from the files.
  cold.reset();
  cold = Load(d2.path(), 1);
  for (size_t i = 0; i < kQueries.size(); ++i) EXPECT_EQ(Answer(cold.get(), kQueries[i]), expected[i]) << kQueries[i];
  // Summary files deleted while open: the segments' rows answer instead.
  for (const auto& e : fsys::directory_iterator(SegmentsDir(d2.path()))) {
    if (e.path().extension() == ".sum") fsys::remove(e.path());
  }
  for (size_t i = 0; i < kQueries.size(); ++i) EXPECT_EQ(Answer(cold.get(), kQueries[i]), expected[i]) << kQueries[i];
}

}  // namespace
}  // namespace agentperf::store
