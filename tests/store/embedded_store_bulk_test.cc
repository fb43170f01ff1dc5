// Tests for EmbeddedStore::AppendUnloggedAsync (bulk loading without the
// WAL) and split flushes (flush_threads): unlogged events are visible at
// once, deduplicated like logged ones, lost by a close without a flush and
// kept by one; a large head is flushed as several segments that answer
// exactly like one.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "query/result.h"
#include "query/spec.h"
#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

using testing::EventJson;
using testing::TempDir;

std::vector<std::string> Lines(int from, int to) {
  std::vector<std::string> lines;
  for (int i = from; i < to; ++i) {
    EventJson e;
    e.Set("id", "ev-" + std::to_string(i))
        .Set("agent", i % 3 ? "coder" : "tester")
        .Set("session_id", "ses_" + std::to_string(i / 50))
        .Set("start_ms", testing::kBaseMs + static_cast<int64_t>(i) * 37 % 3600000)
        .Set("span_id", "prt_" + std::to_string(i));
    lines.push_back(e.Str());
  }
  return lines;
}

event::EventBatch Batch(int from, int to) { return testing::Decode(testing::Ndjson(Lines(from, to))); }

Result<AppendResult> Unlogged(EmbeddedStore* s, event::EventBatch b) {
  std::promise<Result<AppendResult>> p;
  s->AppendUnloggedAsync(std::move(b), [&](const Result<AppendResult>& r, const event::DecodeError*) { p.set_value(r); });
  return p.get_future().get();
}

double Count(Store* s, const std::string& group_by = "") {
  query::QuerySpec spec;
  if (!group_by.empty()) spec.group_by.push_back(query::ParseLabel(group_by).value());
  spec.aggregates.push_back(query::ParseAggregate("count").value());
  spec.limit = 100000;
  auto r = s->Query(spec);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  double t = 0;
  if (r.ok()) {
    for (const auto& series : r->series) {
      for (const auto& p : series.points) t += p.values[0];
    }
  }
  return t;
}

class BulkTest : public ::testing::Test {
 protected:
  std::unique_ptr<EmbeddedStore> Open(int flush_threads = 1) {
    EmbeddedStoreOptions o;
    o.data_dir = dir_.Sub("data");
    o.flush_threads = flush_threads;
    auto s = EmbeddedStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  TempDir dir_;
};

TEST_F(BulkTest, UnloggedEventsAreVisibleAndDeduplicated) {
  auto s = Open();
  auto r = Unlogged(s.get(), Batch(0, 100));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 100u);
  EXPECT_EQ(Count(s.get()), 100);
  // The same events again, unlogged or logged: nothing new.
  r = Unlogged(s.get(), Batch(50, 150));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 50u);
  EXPECT_EQ(r->duplicates, 50u);
  auto logged = s->Append(Batch(0, 150));
  ASSERT_TRUE(logged.ok());
  EXPECT_EQ(logged->accepted, 0u);
  EXPECT_EQ(logged->duplicates, 150u);
  EXPECT_EQ(Count(s.get()), 150);
}

TEST_F(BulkTest, UnloggedEventsAreLostWithoutAFlushAndKeptWithOne) {
  {
    auto s = Open();
    ASSERT_TRUE(Unlogged(s.get(), Batch(0, 100)).ok());
    ASSERT_TRUE(s->Append(Batch(100, 110)).ok());  // logged: survives
  }
  {
    auto s = Open();
    EXPECT_EQ(Count(s.get()), 10);
    ASSERT_TRUE(Unlogged(s.get(), Batch(0, 100)).ok());
    ASSERT_TRUE(s->Flush().ok());
  }
  auto s = Open();
  EXPECT_EQ(Count(s.get()), 110);
  EXPECT_EQ(s->events(), 110u);
  // After the flush they are in segments: dedup still finds them.
  auto r = Unlogged(s.get(), Batch(0, 110));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 0u);
  EXPECT_EQ(r->duplicates, 110u);
}

TEST_F(BulkTest, LargeHeadIsFlushedAsSeveralSegmentsThatAnswerLikeOne) {
  const int n = 70000;  // > 2 × kMinRowsPerFlushPart
  double by_agent_single = 0;
  {
    auto s = Open(/*flush_threads=*/1);
    for (int at = 0; at < n; at += 10000) ASSERT_TRUE(Unlogged(s.get(), Batch(at, at + 10000)).ok());
    ASSERT_TRUE(s->Flush().ok());
    EXPECT_EQ(s->segments(), 1u);
    by_agent_single = Count(s.get(), "agent");
  }
  std::filesystem::remove_all(dir_.Sub("data"));
  {
    auto s = Open(/*flush_threads=*/2);
    for (int at = 0; at < n; at += 10000) ASSERT_TRUE(Unlogged(s.get(), Batch(at, at + 10000)).ok());
    ASSERT_TRUE(s->Flush().ok());
    EXPECT_EQ(s->segments(), 2u);
    EXPECT_EQ(Count(s.get(), "agent"), by_agent_single);
    auto v = s->Verify();
    ASSERT_TRUE(v.ok());
    EXPECT_NE(v->find("\"ok\":true"), std::string::npos) << *v;
  }
  auto s = Open(2);
  EXPECT_EQ(s->segments(), 2u);
  EXPECT_EQ(s->events(), static_cast<uint64_t>(n));
  EXPECT_EQ(Count(s.get()), n);
}

}  // namespace
}  // namespace agentperf::store
