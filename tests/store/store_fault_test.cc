// Fault tests for EmbeddedStore on a FaultInjectingFileSystem: a failed fsync
// or a full disk fails exactly the batches that hit it, the store goes on, and
// nothing acknowledged is lost or duplicated across a restart.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "query/spec.h"
#include "store/embedded_store.h"
#include "store/fs/fault_injecting_file_system.h"
#include "store/verify.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

using fs::FaultInjectingFileSystem;
using testing::TempDir;

constexpr int64_t kT0 = testing::kBaseMs * 1000;

event::EventBatch MakeBatch(uint64_t first_id, int n) {
  event::EventBatch b;
  for (int i = 0; i < n; ++i) {
    uint64_t id = first_id + static_cast<uint64_t>(i);
    event::Event e;
    e.id = Hash128{id, 0x5eed};
    e.kind = event::SpanKind::kLlmCall;
    e.start_us = kT0 + static_cast<int64_t>(id) * 1000;
    e.end_us = e.start_us + 250;
    e.str[static_cast<int>(event::StrField::kSpanId)] = b.arena.Copy("sp-" + std::to_string(id));
    e.str[static_cast<int>(event::StrField::kAgent)] = b.arena.Copy(id % 2 ? "odd" : "even");
    b.events.push_back(e);
  }
  return b;
}

// span id -> number of stored events, via the query engine.
std::map<std::string, int> CountBySpan(EmbeddedStore* s) {
  query::QuerySpec spec;
  spec.group_by.push_back(query::ParseLabel("span_id").value());
  spec.aggregates.push_back(query::ParseAggregate("count").value());
  spec.limit = 1000000;
  auto r = s->Query(spec);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::map<std::string, int> out;
  if (!r.ok()) return out;
  for (const auto& series : r->series) {
    for (const auto& p : series.points) out[series.labels[0].second] += static_cast<int>(p.values[0]);
  }
  return out;
}

class StoreFaultTest : public ::testing::Test {
 protected:
  std::unique_ptr<EmbeddedStore> Open() {
    EmbeddedStoreOptions o;
    o.data_dir = dir_.Sub("data");
    o.fs = &faults_;
    auto s = EmbeddedStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  // Checks spans [first, first+n) are stored exactly once.
  void ExpectOnce(const std::map<std::string, int>& counts, uint64_t first, int n) {
    for (int i = 0; i < n; ++i) {
      std::string span = "sp-" + std::to_string(first + static_cast<uint64_t>(i));
      auto it = counts.find(span);
      EXPECT_TRUE(it != counts.end() && it->second == 1) << span << " stored " << (it == counts.end() ? 0 : it->second)
                                                          << " times";
    }
  }
  void ExpectAbsentOrOnce(const std::map<std::string, int>& counts, uint64_t first, int n) {
    for (int i = 0; i < n; ++i) {
      auto it = counts.find("sp-" + std::to_string(first + static_cast<uint64_t>(i)));
      if (it != counts.end()) {
        EXPECT_EQ(it->second, 1);
      }
    }
  }
  void ExpectVerifies() {
    VerifyReport r;
    ASSERT_TRUE(VerifyDataDir(fs::DefaultFileSystem(), dir_.Sub("data"), &r).ok());
    EXPECT_TRUE(r.ok()) << r.ToText();
  }
  static bool IsRetryable(const Status& s) {
    return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted;
  }

  TempDir dir_;
  FaultInjectingFileSystem faults_{fs::DefaultFileSystem()};
};

TEST_F(StoreFaultTest, FsyncFailureFailsOnlyThatBatch) {
  auto s = Open();
  ASSERT_TRUE(s);
  auto a = s->Append(MakeBatch(100, 10));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  faults_.FailSyncs(1);
  auto b = s->Append(MakeBatch(200, 10));
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(IsRetryable(b.status())) << b.status().ToString();
  EXPECT_EQ(faults_.failed_syncs(), 1u);
  auto c = s->Append(MakeBatch(300, 10));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->accepted, 10u);

  // Exactly the acknowledged events are visible.
  auto counts = CountBySpan(s.get());
  EXPECT_EQ(counts.size(), 20u);
  ExpectOnce(counts, 100, 10);
  ExpectOnce(counts, 300, 10);
  EXPECT_EQ(s->events(), 20u);

  // The client retries the failed batch: stored once.
  auto retry = s->Append(MakeBatch(200, 10));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->accepted, 10u);
  std::string stats = s->StatsJson();
  EXPECT_NE(stats.find("\"failed_group_commits\":1"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"failed_batches\":1"), std::string::npos) << stats;
  s.reset();

  s = Open();
  ASSERT_TRUE(s);
  counts = CountBySpan(s.get());
  EXPECT_EQ(counts.size(), 30u);
  ExpectOnce(counts, 100, 10);
  ExpectOnce(counts, 200, 10);
  ExpectOnce(counts, 300, 10);
  EXPECT_FALSE(s->replay_report().corrupt);
  s.reset();
  ExpectVerifies();
}

TEST_F(StoreFaultTest, FailedBatchNotRetriedMayOrMayNotSurviveButNeverTwice) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Append(MakeBatch(1, 5)).ok());
  faults_.FailSyncs(1);
  EXPECT_FALSE(s->Append(MakeBatch(10, 5)).ok());
  ASSERT_TRUE(s->Append(MakeBatch(20, 5)).ok());
  s.reset();
  ASSERT_TRUE(faults_.SimulateCrash(true, 99).ok());
  s = Open();
  ASSERT_TRUE(s);
  auto counts = CountBySpan(s.get());
  ExpectOnce(counts, 1, 5);
  ExpectOnce(counts, 20, 5);
  ExpectAbsentOrOnce(counts, 10, 5);
}

TEST_F(StoreFaultTest, DiskFullThenSpaceFreed) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Append(MakeBatch(1, 20)).ok());
  faults_.SetSpaceLeft(64);  // less than one batch
  auto full = s->Append(MakeBatch(100, 20));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kResourceExhausted) << full.status().ToString();
  auto still_full = s->Append(MakeBatch(200, 20));
  ASSERT_FALSE(still_full.ok());
  EXPECT_TRUE(IsRetryable(still_full.status())) << still_full.status().ToString();
  EXPECT_EQ(s->events(), 20u);

  faults_.ClearFaults();
  auto ok = s->Append(MakeBatch(300, 20));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  auto retried = s->Append(MakeBatch(100, 20));
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->accepted, 20u);
  auto counts = CountBySpan(s.get());
  EXPECT_EQ(counts.size(), 60u);
  s.reset();

  s = Open();
  ASSERT_TRUE(s);
  counts = CountBySpan(s.get());
  ExpectOnce(counts, 1, 20);
  ExpectOnce(counts, 100, 20);
  ExpectOnce(counts, 300, 20);
  ExpectAbsentOrOnce(counts, 200, 20);
  EXPECT_FALSE(s->replay_report().corrupt);
  s.reset();
  ExpectVerifies();
}

TEST_F(StoreFaultTest, DiskFullAtEveryByteBudget) {
  // Run out of space at every point of a batch's frame (and of a new
  // segment's header): the result is always a clean failure or success.
  uint64_t next_id = 1;
  std::set<uint64_t> acked;
  {
    auto s = Open();
    ASSERT_TRUE(s);
    for (uint64_t budget = 0; budget < 400; budget += 7) {
      faults_.SetSpaceLeft(budget);
      uint64_t first = next_id;
      next_id += 4;
      auto r = s->Append(MakeBatch(first, 4));
      if (r.ok()) {
        for (uint64_t i = first; i < first + 4; ++i) acked.insert(i);
      } else {
        EXPECT_TRUE(IsRetryable(r.status())) << r.status().ToString();
      }
      faults_.ClearFaults();
      auto after = s->Append(MakeBatch(next_id, 1));  // the store is usable again
      ASSERT_TRUE(after.ok()) << "budget " << budget << ": " << after.status().ToString();
      acked.insert(next_id++);
    }
  }
  EXPECT_GT(acked.size(), 57u);
  auto s = Open();
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->replay_report().corrupt);
  auto counts = CountBySpan(s.get());
  for (uint64_t id : acked) EXPECT_EQ(counts["sp-" + std::to_string(id)], 1) << id;
  for (const auto& [span, n] : counts) EXPECT_EQ(n, 1) << span;
  s.reset();
  ExpectVerifies();
}

TEST_F(StoreFaultTest, PersistentFsyncFailureThenRecovery) {
  auto s = Open();
  ASSERT_TRUE(s);
  faults_.FailSyncs(-1);
  for (int i = 0; i < 5; ++i) {
    auto r = s->Append(MakeBatch(100 + i * 10, 3));
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(IsRetryable(r.status())) << r.status().ToString();
  }
  EXPECT_EQ(s->events(), 0u);
  faults_.ClearFaults();
  ASSERT_TRUE(s->Append(MakeBatch(1, 3)).ok());
  EXPECT_EQ(s->events(), 3u);
  s.reset();
  s = Open();
  ASSERT_TRUE(s);
  auto counts = CountBySpan(s.get());
  ExpectOnce(counts, 1, 3);
  for (const auto& [span, n] : counts) EXPECT_EQ(n, 1) << span;
}

TEST_F(StoreFaultTest, OpenFailsCleanlyWhenTheDiskFailsThenSucceeds) {
  { ASSERT_TRUE(Open()); }
  faults_.FailSyncs(-1);  // the new segment cannot be made durable
  EmbeddedStoreOptions o;
  o.data_dir = dir_.Sub("data");
  o.fs = &faults_;
  auto s = EmbeddedStore::Open(o);
  EXPECT_FALSE(s.ok());
  faults_.ClearFaults();
  auto again = Open();  // the failed open released the lock
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->Append(MakeBatch(1, 2)).ok());
}

}  // namespace
}  // namespace agentperf::store
