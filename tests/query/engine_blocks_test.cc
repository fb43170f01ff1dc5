// Tests of query/engine.h over several blocks: blocks skipped by time,
// dictionaries that grow between and during blocks, blocks with different
// dictionaries, the series and cell limits, and blocks handed out by a
// store::Head.
#include "query/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/engine_test_blocks.h"

namespace agentperf::query {
namespace {

using namespace engine_test;  // NOLINT(google-build-using-namespace): test helpers
using ::testing::HasSubstr;

TEST(EngineTest, BlocksOutsideTheRangeAreSkipped) {
  Dicts d;
  BlockData early(&d), middle(&d), late(&d);
  for (int i = 0; i < 3; ++i) {
    Row r;
    r.start_us = kT0 + i * kMs;  // kT0 .. kT0+2ms
    early.Add(r);
    r.start_us = kT0 + 1000 * kMs + i * kMs;  // kT0+1s .. +1.002s
    middle.Add(r);
    r.start_us = kT0 + 2000 * kMs + i * kMs;  // kT0+2s ..
    late.Add(r);
  }
  // [kT0+1.001s, kT0+2s): early and late are skipped whole; middle partly matches.
  QueryResult r = RunOk(R"({"from":1767225601001,"to":1767225602000})", {early.Block(), middle.Block(), late.Block()});
  EXPECT_EQ(r.stats.blocks_skipped, 2u);
  EXPECT_EQ(r.stats.blocks_scanned, 1u);
  EXPECT_EQ(r.stats.rows_scanned, 3u);
  EXPECT_EQ(r.stats.rows_matched, 2u);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].points[0].values[0], 2);
  // "to" equal to a block's first start skips it (exclusive); "from" equal to a
  // block's last start keeps it (inclusive).
  QueryResult e = RunOk(R"({"from":1767225600002,"to":1767225602000})", {early.Block(), middle.Block(), late.Block()});
  EXPECT_EQ(e.stats.blocks_skipped, 1u);
  EXPECT_EQ(e.stats.blocks_scanned, 2u);
  EXPECT_EQ(e.series.at(0).points.at(0).values[0], 4);
}

TEST(EngineTest, DictionaryGrowsBetweenBlocks) {
  // The engine consumes block 1 while the dictionaries hold only coder/reviewer
  // and bash; then new codes appear (late, read), used by block 2.
  auto run = [](const std::string& json) {
    Dicts d;
    BlockData b1(&d), b2(&d);
    Row r;
    r.agent = "coder";
    r.tool = "bash";
    b1.Add(r).Add(r);
    r.agent = "reviewer";
    b1.Add(r);
    Engine e(Spec(json));
    e.Consume(b1.Block());
    r.agent = "late";
    r.tool = "read";
    b2.Add(r).Add(r).Add(r);
    r.agent = "coder";
    r.tool = "";
    b2.Add(r);
    e.Consume(b2.Block());
    auto res = e.Finish();
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : QueryResult{};
  };
  auto count = [&](const std::string& json) {
    QueryResult r = run(json);
    EXPECT_EQ(r.series.size(), 1u) << json;
    return r.series.empty() ? -1.0 : r.series[0].points.at(0).values.at(0);
  };
  EXPECT_EQ(count(R"({"filters":[{"label":"agent","value":"late"}]})"), 3);
  EXPECT_EQ(count(R"({"filters":[{"label":"agent","op":"!=","value":"coder"}]})"), 4);  // reviewer + 3 late
  EXPECT_EQ(count(R"({"filters":[{"label":"agent","op":"=~","value":"l.*|r.*"}]})"), 4);
  EXPECT_EQ(count(R"({"filters":[{"label":"agent","op":"not_in","values":["late"]}]})"), 4);  // 3 in b1 + coder in b2
  EXPECT_EQ(count(R"({"filters":[{"label":"tool","op":"in","values":["read"]}]})"), 3);
  EXPECT_EQ(count(R"({"filters":[{"label":"tool","op":"!~","value":"b.*"}]})"), 4);  // 3 read + 1 absent
  // Group-by across the two blocks merges equal strings.
  EXPECT_EQ(CountsBySeries(run(R"({"group_by":["agent","tool"]})")),
            (std::map<std::string, double>{{"agent=coder,tool=", 1},
                                           {"agent=coder,tool=bash", 2},
                                           {"agent=late,tool=read", 3},
                                           {"agent=reviewer,tool=bash", 1}}));
  // Both at once: filter on one grown label, group by another.
  EXPECT_EQ(CountsBySeries(run(R"({"group_by":["tool"],"filters":[{"label":"agent","op":"!=","value":"reviewer"}]})")),
            (std::map<std::string, double>{{"tool=", 1}, {"tool=bash", 2}, {"tool=read", 3}}));
}

TEST(EngineTest, BlocksWithDifferentDictionaries) {
  // Two sources (e.g. head and a segment) code the same strings differently.
  Dicts d1, d2;
  d2.d[static_cast<int>(StrField::kAgent)].Code("reviewer");  // reviewer = 1, coder = 2 in d2
  BlockData b1(&d1), b2(&d2);
  Row r;
  r.agent = "coder";
  b1.Add(r);
  b2.Add(r).Add(r);
  r.agent = "reviewer";
  b1.Add(r);
  b2.Add(r);
  ASSERT_NE(d1.d[static_cast<int>(StrField::kAgent)].Code("coder"), d2.d[static_cast<int>(StrField::kAgent)].Code("coder"));
  QueryResult g = RunOk(R"({"group_by":["agent"]})", {b1.Block(), b2.Block()});
  EXPECT_EQ(CountsBySeries(g), (std::map<std::string, double>{{"agent=coder", 3}, {"agent=reviewer", 2}}));
  EXPECT_EQ(Single(R"({"filters":[{"label":"agent","value":"coder"}]})", {b1.Block(), b2.Block()}), 3);
  EXPECT_EQ(Single(R"({"filters":[{"label":"agent","value":"reviewer"}],"group_by":["agent"]})", {b2.Block(), b1.Block()}),
            2);
}

// A dictionary whose size grows every time it is asked, as a head's does when
// events arrive while a query scans it. Codes >= 1 map to "v<code>".
class GrowingDict : public Dictionary {
 public:
  std::string_view Lookup(uint32_t code) const override {
    while (names_.size() <= code) names_.push_back(names_.empty() ? "" : "v" + std::to_string(names_.size()));
    return names_[code];
  }
  uint32_t Size() const override {
    size_ += 1000;
    return size_;
  }

 private:
  mutable uint32_t size_ = 0;
  mutable std::deque<std::string> names_;
};

TEST(EngineTest, DictionaryGrowingDuringAScan) {
  Dicts d;
  BlockData data(&d);
  for (int i = 0; i < 20; ++i) data.Add(Row{});
  ColumnBlock b = data.Block();
  // Agent codes 1..20 of a dictionary that grows under the engine's feet.
  std::vector<uint32_t> codes;
  for (uint32_t i = 0; i < 20; ++i) codes.push_back(1 + i);
  GrowingDict grow;
  b.str[static_cast<int>(StrField::kAgent)] = codes.data();
  b.dicts[static_cast<int>(StrField::kAgent)] = &grow;
  // Filter and group on the same label: v1 and v10..v19 pass.
  Engine e(Spec(R"({"filters":[{"label":"agent","op":"=~","value":"v1.*"}],"group_by":["agent"]})"));
  e.Consume(b);
  e.Consume(b);  // the dictionary has grown again since
  auto r = e.Finish();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 11u);
  EXPECT_EQ(LabelsOf(r->series[0]), "agent=v1");
  EXPECT_EQ(LabelsOf(r->series[1]), "agent=v10");
  for (const auto& s : r->series) EXPECT_EQ(s.points.at(0).values.at(0), 2) << LabelsOf(s);
}

TEST(EngineTest, SeriesLimit) {
  Dicts d;
  BlockData data(&d);
  for (const char* a : {"a", "b", "c", "c"}) {
    Row r;
    r.agent = a;
    data.Add(r);
  }
  auto over = RunQuery(R"({"group_by":["agent"],"limit":2})", {data.Block()});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("more than 2 series"));
  QueryResult ok = RunOk(R"({"group_by":["agent"],"limit":3})", {data.Block()});
  EXPECT_EQ(ok.series.size(), 3u);
  // The limit counts series, not points.
  QueryResult pts = RunOk(R"({"step":"1ms","limit":1})", {data.Block()});
  EXPECT_EQ(pts.series.size(), 1u);
  auto one = RunQuery(R"({"group_by":["agent"],"limit":1})", {data.Block()});
  EXPECT_EQ(one.status().code(), StatusCode::kResourceExhausted);
}

// Feeds `cells` rows with distinct 1 ms buckets (one row each) in blocks of
// 100000 rows that reuse the same columns.
void FeedDistinctBuckets(Engine* e, size_t cells) {
  const size_t kRows = 100000;
  Dicts d;
  BlockData data(&d);
  for (size_t i = 0; i < kRows; ++i) data.Add(Row{});
  ColumnBlock b = data.Block();
  std::vector<int64_t> start(kRows);
  b.start_us = start.data();
  for (size_t done = 0; done < cells; done += kRows) {
    size_t n = std::min(kRows, cells - done);
    for (size_t i = 0; i < n; ++i) start[i] = kT0 + static_cast<int64_t>(done + i) * kMs;
    b.rows = n;
    b.min_start_us = start[0];
    b.max_start_us = start[n - 1];
    e->Consume(b);
  }
}

TEST(EngineTest, CellLimitExceeded) {
  Engine e(Spec(R"({"step":"1ms"})"));
  FeedDistinctBuckets(&e, QuerySpec::kMaxCells + 1);
  auto r = e.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("more than 2000000 series x time buckets"));
}

TEST(EngineTest, CellLimitReachedExactly) {
  Engine e(Spec(R"({"step":"1ms","limit":1})"));
  FeedDistinctBuckets(&e, QuerySpec::kMaxCells);
  auto r = e.Finish();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points.size(), QuerySpec::kMaxCells);
  EXPECT_EQ(r->series[0].points.back().t_us, kT0 + static_cast<int64_t>(QuerySpec::kMaxCells - 1) * kMs);
}

// ---- Blocks from a store::Head ----

event::EventBatch MakeBatch(int64_t first_id, int n, const std::function<void(int, event::Event*, event::EventBatch*)>& fill) {
  event::EventBatch batch;
  for (int i = 0; i < n; ++i) {
    event::Event e;
    e.id = Hash128{static_cast<uint64_t>(first_id + i), 0x5eed};
    e.kind = SpanKind::kLlmCall;
    fill(i, &e, &batch);
    batch.events.push_back(e);
  }
  return batch;
}

TEST(EngineHeadTest, BlocksOfAHead) {
  store::Head head;
  const int n1 = static_cast<int>(store::kChunkRows) + 100;  // block 0 full, block 1 started
  // Batch 1: times increase with the row, agents a/b, tool bash on even rows.
  head.Apply(MakeBatch(1, n1, [](int i, event::Event* e, event::EventBatch* b) {
    e->start_us = kT0 + int64_t{i} * kMs;
    e->end_us = e->start_us + (i % 7 + 1) * kMs;
    e->str[static_cast<int>(StrField::kAgent)] = b->arena.Copy(i % 2 ? "b" : "a");
    if (i % 2 == 0) e->str[static_cast<int>(StrField::kTool)] = b->arena.Copy("bash");
  }));
  // Batch 2: new dictionary codes ("late", "read") that block 0 never saw.
  const int n2 = static_cast<int>(store::kChunkRows);
  head.Apply(MakeBatch(1000000, n2, [&](int i, event::Event* e, event::EventBatch* b) {
    e->start_us = kT0 + int64_t{n1 + i} * kMs;
    e->end_us = e->start_us + kMs;
    e->str[static_cast<int>(StrField::kAgent)] = b->arena.Copy(i % 4 == 0 ? "late" : "a");
    if (i % 3 == 0) e->str[static_cast<int>(StrField::kTool)] = b->arena.Copy("read");
    e->status = i % 5 == 0 ? SpanStatus::kError : SpanStatus::kOk;
  }));
  ASSERT_EQ(head.rows(), static_cast<uint64_t>(n1 + n2));
  auto run = [&](const std::string& json, bool engine_skips = false) {
    QuerySpec spec = Spec(json);
    Engine e(spec);
    // engine_skips: hand the engine every block so that it must skip by time itself.
    if (engine_skips) head.ScanBlocks(INT64_MIN, INT64_MAX, [&](const ColumnBlock& b) { e.Consume(b); });
    else head.ScanBlocks(spec.from_us, spec.to_us, [&](const ColumnBlock& b) { e.Consume(b); });
    auto r = e.Finish();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : QueryResult{};
  };
  // Rows n1.. with i % 4 == 0: ceil(16384 / 4) = 4096.
  QueryResult late = run(R"({"filters":[{"label":"agent","value":"late"}]})");
  EXPECT_EQ(late.series.at(0).points.at(0).values.at(0), 4096);
  EXPECT_EQ(late.stats.blocks_scanned, 3u);
  // tool read: i % 3 == 0 of 16384 -> 5462; absent tool: odd rows of batch 1 (8242) + 16384 - 5462.
  QueryResult tools = run(R"({"group_by":["tool"]})");
  EXPECT_EQ(CountsBySeries(tools), (std::map<std::string, double>{
                                       {"tool=", (n1 / 2) + (n2 - 5462)}, {"tool=bash", n1 / 2}, {"tool=read", 5462}}));
  // error status only in batch 2: i % 5 == 0 -> 3277; of those late (i % 20 == 0): 820.
  QueryResult err = run(R"({"filters":[{"label":"status","value":"error"}],"group_by":["agent"]})");
  EXPECT_EQ(CountsBySeries(err), (std::map<std::string, double>{{"agent=a", 3277 - 820}, {"agent=late", 820}}));
  // A range inside block 2 only (rows n1 + 16284 ..): the engine skips blocks 0 and 1.
  const int64_t from_ms = testing::kBaseMs + n1 + 16284;
  std::string range = R"({"from":)" + std::to_string(from_ms) + "}";
  QueryResult skipped = run(range, /*engine_skips=*/true);
  EXPECT_EQ(skipped.stats.blocks_skipped, 2u);
  EXPECT_EQ(skipped.stats.blocks_scanned, 1u);
  EXPECT_EQ(skipped.series.at(0).points.at(0).values.at(0), 100);
  QueryResult by_head = run(range);  // the head leaves them out itself
  EXPECT_EQ(by_head.stats.blocks_skipped + by_head.stats.blocks_scanned, 1u);
  EXPECT_EQ(by_head.series.at(0).points.at(0).values.at(0), 100);
  // Durations of batch 1: (i % 7 + 1) ms.
  QueryResult dur = run(R"({"filters":[{"label":"agent","op":"!=","value":"late"},{"label":"status","value":"ok"}],
                             "to":)" + std::to_string(testing::kBaseMs + 7) + R"J(,"aggregates":["sum(duration_ms)","max(duration_ms)"]})J");
  EXPECT_THAT(dur.series.at(0).points.at(0).values, ::testing::ElementsAre(28, 7));
}

}  // namespace
}  // namespace agentperf::query
