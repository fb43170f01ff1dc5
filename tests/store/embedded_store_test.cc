// Tests for EmbeddedStore: append/query/reopen, deduplication across
// restarts, the LOCK and VERSION files, cardinality refusals, label values
// and the status JSON.
#include "store/embedded_store.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "query/result.h"
#include "query/spec.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

using testing::EventJson;
using testing::TempDir;

std::string Line(const std::string& id, const std::string& agent = "coder", int64_t start_ms = testing::kBaseMs,
                 const std::string& tool = "") {
  EventJson e;
  e.Set("id", id).Set("agent", agent).Set("start_ms", start_ms).Set("span_id", id);
  if (!tool.empty()) e.Set("kind", "tool_call").Set("tool", tool);
  return e.Str();
}

event::EventBatch Batch(const std::vector<std::string>& lines) { return testing::Decode(testing::Ndjson(lines)); }

query::QuerySpec CountBy(const std::string& label) {
  query::QuerySpec spec;
  if (!label.empty()) spec.group_by.push_back(query::ParseLabel(label).value());
  spec.aggregates.push_back(query::ParseAggregate("count").value());
  spec.limit = 100000;
  return spec;
}

// label value -> count (one series per value, no step).
std::map<std::string, double> Counts(Store* s, const std::string& label) {
  auto r = s->Query(CountBy(label));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::map<std::string, double> out;
  if (!r.ok()) return out;
  for (const auto& series : r->series) {
    double total = 0;
    for (const auto& p : series.points) total += p.values[0];
    out[series.labels.empty() ? "" : series.labels[0].second] += total;
  }
  return out;
}

double Total(Store* s) {
  double t = 0;
  for (const auto& [k, v] : Counts(s, "")) t += v;
  return t;
}

class EmbeddedStoreTest : public ::testing::Test {
 protected:
  EmbeddedStoreOptions Options() {
    EmbeddedStoreOptions o;
    o.data_dir = dir_.Sub("data");
    return o;
  }
  std::unique_ptr<EmbeddedStore> Open(EmbeddedStoreOptions o) {
    auto s = EmbeddedStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<EmbeddedStore> Open() { return Open(Options()); }
  TempDir dir_;
};

TEST_F(EmbeddedStoreTest, AppendQueryCloseReopenGivesSameResults) {
  auto s = Open();
  ASSERT_TRUE(s);
  std::vector<std::string> lines;
  for (int i = 0; i < 30; ++i) {
    lines.push_back(Line("e" + std::to_string(i), i % 3 ? "coder" : "reviewer", testing::kBaseMs + i * 60000,
                         i % 2 ? "bash" : "read"));
  }
  auto r = s->Append(Batch(lines));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 30u);
  EXPECT_EQ(r->duplicates, 0u);
  EXPECT_EQ(s->head().rows(), 30u);

  query::QuerySpec spec = CountBy("agent");
  spec.group_by.push_back(query::ParseLabel("tool").value());
  spec.aggregates.push_back(query::ParseAggregate("sum(duration_ms)").value());
  spec.step_us = 600000000;  // 10 minutes
  auto before = s->Query(spec);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(Counts(s.get(), "agent"), (std::map<std::string, double>{{"coder", 20}, {"reviewer", 10}}));
  const std::string before_json = query::QueryResultToJson(*before, false);
  s.reset();

  s = Open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->replay_report().records, 1u);
  EXPECT_EQ(s->head().rows(), 30u);
  auto after = s->Query(spec);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(query::QueryResultToJson(*after, false), before_json);
  // And once more, with more data in between.
  ASSERT_TRUE(s->Append(Batch({Line("late", "coder", testing::kBaseMs + 3600000)})).ok());
  s.reset();
  s = Open();
  ASSERT_TRUE(s);
  EXPECT_EQ(Total(s.get()), 31);
}

TEST_F(EmbeddedStoreTest, DuplicatesAreNotStoredTwiceAcrossRestarts) {
  auto s = Open();
  ASSERT_TRUE(s);
  std::vector<std::string> a;
  for (int i = 0; i < 5; ++i) a.push_back(Line("a" + std::to_string(i)));
  auto r1 = s->Append(Batch(a));
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->accepted, 5u);
  auto r2 = s->Append(Batch(a));  // every event known: nothing written
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->accepted, 0u);
  EXPECT_EQ(r2->duplicates, 5u);
  // A mix of known and new events, and a duplicate inside the batch.
  auto r3 = s->Append(Batch({a[0], Line("b0"), a[1], Line("b1"), Line("b0"), a[4]}));
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3->accepted, 2u);
  EXPECT_EQ(r3->duplicates, 4u);
  EXPECT_EQ(Total(s.get()), 7);
  const uint64_t wal_records = s->replay_report().records;
  s.reset();

  s = Open();
  ASSERT_TRUE(s);
  EXPECT_EQ(wal_records, 0u);
  EXPECT_EQ(s->replay_report().records, 2u);  // the all-duplicate batch was never logged
  EXPECT_EQ(Total(s.get()), 7);
  auto r4 = s->Append(Batch(a));
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(r4->accepted, 0u);
  EXPECT_EQ(r4->duplicates, 5u);
  auto r5 = s->Append(Batch({Line("b1"), Line("c0")}));
  ASSERT_TRUE(r5.ok());
  EXPECT_EQ(r5->accepted, 1u);
  EXPECT_EQ(r5->duplicates, 1u);
  s.reset();
  s = Open();
  ASSERT_TRUE(s);
  auto by_span = Counts(s.get(), "span_id");
  EXPECT_EQ(by_span.size(), 8u);
  for (const auto& [span, n] : by_span) EXPECT_EQ(n, 1) << span;
}

TEST_F(EmbeddedStoreTest, ConcurrentAppendsOfTheSameEventsStoreThemOnce) {
  auto s = Open();
  ASSERT_TRUE(s);
  constexpr int kThreads = 4, kRounds = 30;
  std::atomic<uint64_t> accepted{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        std::vector<std::string> lines;
        for (int i = 0; i < 10; ++i) lines.push_back(Line("r" + std::to_string(round) + "-" + std::to_string(i)));
        auto r = s->Append(Batch(lines));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        accepted += r->accepted;
        duplicates += r->duplicates;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), kRounds * 10u);
  EXPECT_EQ(accepted.load() + duplicates.load(), kThreads * kRounds * 10u);
  EXPECT_EQ(Total(s.get()), kRounds * 10);
  s.reset();
  s = Open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->head().rows(), kRounds * 10u);
}

TEST_F(EmbeddedStoreTest, LockRefusesASecondOpen) {
  auto s = Open();
  ASSERT_TRUE(s);
  auto second = EmbeddedStore::Open(Options());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find(Options().data_dir), std::string::npos) << second.status().ToString();
  EXPECT_NE(second.status().message().find("in use"), std::string::npos) << second.status().ToString();
  // The refused open changed nothing: the first store still works.
  ASSERT_TRUE(s->Append(Batch({Line("x")})).ok());
  s.reset();
  auto third = Open();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->head().rows(), 1u);
}

TEST_F(EmbeddedStoreTest, VersionFileIsWrittenAndMismatchRefused) {
  { ASSERT_TRUE(Open()); }
  std::string version;
  ASSERT_TRUE(fs::ReadFileToString(fs::DefaultFileSystem(), dir_.Sub("data/VERSION"), &version).ok());
  EXPECT_EQ(version, std::string(kDataFormatVersion) + "\n");

  ASSERT_TRUE(fs::WriteFileAtomically(fs::DefaultFileSystem(), dir_.Sub("data/VERSION"), "agentperf-data 7\n").ok());
  auto s = EmbeddedStore::Open(Options());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("agentperf-data 7"), std::string::npos) << s.status().ToString();
  // The failed open released the lock: fixing the file is enough.
  ASSERT_TRUE(fs::WriteFileAtomically(fs::DefaultFileSystem(), dir_.Sub("data/VERSION"), "agentperf-data 1\r\n").ok());
  EXPECT_TRUE(Open());
}

TEST_F(EmbeddedStoreTest, OpenRejectsAnEmptyDataDir) {
  EmbeddedStoreOptions o;
  auto s = EmbeddedStore::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EmbeddedStoreTest, EmptyBatchIsAcceptedWithoutWriting) {
  auto s = Open();
  ASSERT_TRUE(s);
  auto r = s->Append(event::EventBatch{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 0u);
  s.reset();
  s = Open();
  EXPECT_EQ(s->replay_report().records, 0u);
}

TEST_F(EmbeddedStoreTest, CardinalityRefusalIsAllOrNothing) {
  auto o = Options();
  o.limits.max_label_cardinality = 3;
  auto s = Open(o);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Append(Batch({Line("1", "a"), Line("2", "b"), Line("3", "c")})).ok());
  // Event 2 brings a 4th agent; its new tools must not be admitted either.
  event::DecodeError err;
  auto refused = s->Append(
      Batch({Line("4", "a", testing::kBaseMs, "t1"), Line("5", "b", testing::kBaseMs, "t2"), Line("6", "d")}), &err);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("event 2"), std::string::npos) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("agent"), std::string::npos);
  EXPECT_EQ(err.index, 2);
  EXPECT_EQ(err.field, "agent");
  EXPECT_NE(err.message.find("'d'"), std::string::npos) << err.message;
  EXPECT_EQ(Total(s.get()), 3);  // nothing of the batch stored
  EXPECT_FALSE(s->head().Contains(testing::Decode(Line("4")).events[0].id));
  // t1 and t2 were not admitted: three other tools still fit under the limit.
  ASSERT_TRUE(s->Append(Batch({Line("7", "a", testing::kBaseMs, "t3"), Line("8", "a", testing::kBaseMs, "t4"),
                               Line("9", "a", testing::kBaseMs, "t5")}))
                  .ok());
  EXPECT_FALSE(s->Append(Batch({Line("10", "a", testing::kBaseMs, "t1")})).ok());
  // Known values stay admissible.
  ASSERT_TRUE(s->Append(Batch({Line("11", "c", testing::kBaseMs, "t5")})).ok());
  EXPECT_EQ(Total(s.get()), 7);

  // After a restart the stored values still count against the limit.
  s.reset();
  s = Open(o);
  ASSERT_TRUE(s);
  event::DecodeError err2;
  auto again = s->Append(Batch({Line("12", "a"), Line("13", "e")}), &err2);
  EXPECT_EQ(again.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(err2.index, 1);
  EXPECT_EQ(err2.field, "agent");
  EXPECT_TRUE(s->Append(Batch({Line("14", "b")})).ok());
  EXPECT_EQ(Total(s.get()), 8);
  simdjson::dom::parser parser;
  simdjson::dom::element stats;
  ASSERT_EQ(parser.parse(s->StatsJson()).get(stats), simdjson::SUCCESS);
  EXPECT_EQ(stats["ingest"]["refused_batches"].get_uint64().value(), 1u);
}

TEST_F(EmbeddedStoreTest, LabelValues) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Append(Batch({Line("1", "zeta", testing::kBaseMs), Line("2", "alpha", testing::kBaseMs + 1000),
                               Line("3", "mid", testing::kBaseMs + 7200000), Line("4", "alpha", testing::kBaseMs)}))
                  .ok());
  query::Label agent = query::ParseLabel("agent").value();
  auto all = s->LabelValues(agent, INT64_MIN, INT64_MAX, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::string>{"alpha", "mid", "zeta"}));
  auto two = s->LabelValues(agent, INT64_MIN, INT64_MAX, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, (std::vector<std::string>{"alpha", "mid"}));
  const int64_t t0 = testing::kBaseMs * 1000;
  auto early = s->LabelValues(agent, t0, t0 + 3600000000LL, 100);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(*early, (std::vector<std::string>{"alpha", "zeta"}));
  auto none = s->LabelValues(agent, t0 - 1000, t0, 100);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto kinds = s->LabelValues(query::ParseLabel("kind").value(), INT64_MIN, INT64_MAX, 100);
  ASSERT_TRUE(kinds.ok());
  EXPECT_EQ(*kinds, (std::vector<std::string>{"llm_call"}));
  // Survives a restart.
  s.reset();
  s = Open();
  EXPECT_EQ(*s->LabelValues(agent, INT64_MIN, INT64_MAX, 100), (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

TEST_F(EmbeddedStoreTest, StatsJsonIsValidJson) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Append(Batch({Line("1", "a\"quoted\\agent"), Line("2", "b")})).ok());
  ASSERT_TRUE(s->Append(Batch({Line("1")})).ok());
  for (int pass = 0; pass < 2; ++pass) {
    std::string json = s->StatsJson();
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
    ASSERT_TRUE(root.is_object());
    EXPECT_EQ(std::string_view(root["backend"].get_string().value()), "embedded");
    EXPECT_EQ(std::string_view(root["data_dir"].get_string().value()), Options().data_dir);
    EXPECT_EQ(std::string_view(root["format"].get_string().value()), kDataFormatVersion);
    EXPECT_EQ(root["events"].get_uint64().value(), 2u);
    // Values known to the cardinality guard: the two stored, and until a
    // restart also the default agent of the duplicate (admitted before it was
    // found to be one).
    EXPECT_GE(root["labels"]["agent"].get_uint64().value(), 2u);
    EXPECT_LE(root["labels"]["agent"].get_uint64().value(), 3u);
    EXPECT_TRUE(root["time_range"]["min_start_ms"].is_number());
    EXPECT_TRUE(root["limits"]["max_label_cardinality"].is_number());
    EXPECT_TRUE(root["replay"]["corrupt"].is_bool());
    if (pass == 0) {
      EXPECT_EQ(root["ingest"]["accepted"].get_uint64().value(), 2u);
      EXPECT_EQ(root["ingest"]["duplicates"].get_uint64().value(), 1u);
      EXPECT_EQ(root["wal"]["last_seq"].get_uint64().value(), 1u);
      EXPECT_EQ(root["wal"]["failed_group_commits"].get_uint64().value(), 0u);
    } else {
      EXPECT_EQ(root["replay"]["records"].get_uint64().value(), 1u);
      EXPECT_EQ(root["wal"]["current_segment"].get_uint64().value(), 2u);
    }
    s.reset();
    s = Open();
    ASSERT_TRUE(s);
  }
}

TEST_F(EmbeddedStoreTest, QueryStatsCountBlocksSkippedByTime) {
  auto s = Open();
  ASSERT_TRUE(s);
  // One full block (16384 rows) of old events, then a few recent ones.
  std::vector<std::string> old_lines, new_lines;
  for (int i = 0; i < 16384; ++i) old_lines.push_back(Line("old" + std::to_string(i), "coder", testing::kBaseMs));
  for (int i = 0; i < 10; ++i) new_lines.push_back(Line("new" + std::to_string(i), "coder", testing::kBaseMs + 86400000));
  ASSERT_TRUE(s->Append(Batch(old_lines)).ok());
  ASSERT_TRUE(s->Append(Batch(new_lines)).ok());
  query::QuerySpec spec = CountBy("");
  spec.from_us = (testing::kBaseMs + 3600000) * 1000;
  // A whole-minute range: answered from the head's minute rollup, no rows read.
  auto cells = s->Query(spec);
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  ASSERT_EQ(cells->series.size(), 1u);
  EXPECT_EQ(cells->series[0].points[0].values[0], 10);
  EXPECT_GT(cells->stats.rollup_cells, 0u);
  EXPECT_EQ(cells->stats.rows_scanned, 0u);
  // A filter on status (which rollups do not keep): rows, with blocks skipped by time.
  spec.matchers.push_back(query::Matcher{query::Matcher::kNe, *query::ParseLabel("status"), {"cancelled"}, nullptr, ""});
  auto r = s->Query(spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points[0].values[0], 10);
  EXPECT_EQ(r->stats.rollup_cells, 0u);
  EXPECT_EQ(r->stats.blocks_skipped, 1u);
  EXPECT_EQ(r->stats.blocks_scanned, 1u);
  EXPECT_EQ(r->stats.rows_scanned, 10u);
}

}  // namespace
}  // namespace agentperf::store
