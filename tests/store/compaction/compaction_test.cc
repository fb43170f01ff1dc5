// Tests for compaction and retention in the store: merging many small
// segments keeps every answer and every id; retention drops whole old
// segments; a crash at any point of a compaction loses and duplicates
// nothing.
#include <gtest/gtest.h>

#include <algorithm>

#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "query/result.h"
#include "query/spec.h"
#include "store/embedded_store.h"
#include "store/fs/fault_injecting_file_system.h"
#include "store/verify.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

std::vector<std::string> Lines(int from, int n, int64_t step_ms = 1000) {
  std::vector<std::string> lines;
  const char* agents[] = {"coder", "tester", "planner", "architect"};
  for (int i = from; i < from + n; ++i) {
    testing::EventJson e;
    e.Set("span_id", "prt_c" + std::to_string(i)).Set("agent", agents[i % 4]);
    e.Set("start_ms", testing::kBaseMs + i * step_ms).Set("duration_ms", static_cast<int64_t>(10 + i % 977));
    if (i % 3 == 0) e.Raw("attrs", "{\"x\":" + std::to_string(i % 5) + "}");
    if (i % 11 == 0) e.Set("id", "explicit-" + std::to_string(i));
    lines.push_back(e.Str());
  }
  return lines;
}

std::string Answer(EmbeddedStore* s) {
  auto spec = query::ParseQuerySpec(
      R"q({"from":"0","to":"now","group_by":["agent"],"step":"1h","aggregates":["count","sum(duration_ms)","p99(duration_ms)"]})q",
      (testing::kBaseMs + 86400000LL * 400) * 1000);
  auto r = s->Query(*spec);
  EXPECT_TRUE(r.ok());
  return r.ok() ? query::QueryResultToJson(*r, false) : "";
}

class CompactionTest : public ::testing::Test {
 protected:
  EmbeddedStoreOptions Options(const std::string& name, fs::FileSystem* f = nullptr) {
    EmbeddedStoreOptions o;
    o.data_dir = dir_.Sub(name);
    o.flush_rows = 0;
    o.fs = f;
    o.compaction.target_rows = 10000;
    o.compaction.min_inputs = 3;
    return o;
  }
  // Six segments of 1,000 events (flushed one by one).
  static void Fill(EmbeddedStore* s) {
    for (int k = 0; k < 6; ++k) {
      ASSERT_TRUE(s->Append(testing::Decode(testing::Ndjson(Lines(k * 1000, 1000)))).ok());
      ASSERT_TRUE(s->Flush().ok());
    }
  }
  testing::TempDir dir_;
};

TEST_F(CompactionTest, MergingKeepsAnswersAndIds) {
  auto s = EmbeddedStore::Open(Options("m"));
  ASSERT_TRUE(s.ok());
  Fill(s->get());
  ASSERT_EQ((*s)->segments(), 6u);
  const std::string before = Answer(s->get());
  ASSERT_TRUE((*s)->Compact().ok());
  EXPECT_EQ((*s)->segments(), 1u);
  EXPECT_EQ((*s)->events(), 6000u);
  EXPECT_EQ(Answer(s->get()), before);
  // Duplicates are still recognised, explicit ids included.
  auto again = (*s)->Append(testing::Decode(testing::Ndjson(Lines(0, 6000))));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0u);
  s->reset();
  auto reopened = EmbeddedStore::Open(Options("m"));
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->segments(), 1u);
  EXPECT_EQ(Answer(reopened->get()), before);
  auto files = fs::DefaultFileSystem()->ListDir(SegmentsDir(dir_.Sub("m")));
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(std::count_if(files->begin(), files->end(), [](const std::string& f) { return f.ends_with(".seg"); }), 1);
  EXPECT_EQ(std::count_if(files->begin(), files->end(), [](const std::string& f) { return f.ends_with(".sum"); }), 1);
  // the inputs (and their summaries) are gone
  VerifyReport report;
  ASSERT_TRUE(VerifyDataDir(fs::DefaultFileSystem(), dir_.Sub("m"), &report).ok());
  EXPECT_TRUE(report.ok()) << report.ToText();
}

TEST_F(CompactionTest, RetentionDropsWholeOldSegments) {
  auto o = Options("r");
  o.compaction.min_inputs = 100;  // no merging
  auto s = EmbeddedStore::Open(o);
  ASSERT_TRUE(s.ok());
  // Six segments, each a day apart: events i*86.4 s apart -> 1000 per day.
  for (int k = 0; k < 6; ++k) {
    ASSERT_TRUE((*s)->Append(testing::Decode(testing::Ndjson(Lines(k * 1000, 1000, 86400)),
                                             testing::kBaseMs + 10 * 86400000LL)).ok());
    ASSERT_TRUE((*s)->Flush().ok());
  }
  s->reset();
  // Keep 2.5 days back from the newest event: the three oldest segments go.
  const int64_t newest_us = (testing::kBaseMs + 5999LL * 86400) * 1000;
  o.compaction.max_age_us = static_cast<int64_t>(2.5 * 86400e6) + (WallMicros() - newest_us);
  s = EmbeddedStore::Open(o);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Compact().ok());
  EXPECT_EQ((*s)->segments(), 3u);
  EXPECT_EQ((*s)->events(), 3000u);
  // By size: at most one segment's worth of bytes.
  s->reset();
  o.compaction.max_age_us = 0;
  o.compaction.max_bytes = 1;
  s = EmbeddedStore::Open(o);
  ASSERT_TRUE((*s)->Compact().ok());
  EXPECT_EQ((*s)->segments(), 0u);
}

TEST_F(CompactionTest, CrashAtAnyPointOfACompactionLosesNothing) {
  uint64_t merge_bytes = 0;
  for (int round = 0; round < 12; ++round) {
    fs::FaultInjectingFileSystem ffs(fs::DefaultFileSystem());
    const std::string name = "c" + std::to_string(round);
    {
      auto s = EmbeddedStore::Open(Options(name, &ffs));
      ASSERT_TRUE(s.ok());
      Fill(s->get());
      if (round == 0) {
        auto files = ffs.ListDir(SegmentsDir(dir_.Sub(name)));
        ASSERT_TRUE(files.ok());
        for (const auto& f : *files) merge_bytes += *ffs.FileSize(fs::JoinPath(SegmentsDir(dir_.Sub(name)), f));
        continue;
      }
      ffs.FreezeAfter(merge_bytes * static_cast<uint64_t>(round - 1) / 10);
      (void)(*s)->Compact();
      ASSERT_TRUE(ffs.SimulateCrash(round % 2 == 1, static_cast<uint64_t>(round)).ok());
    }
    ffs.ClearFaults();
    auto s = EmbeddedStore::Open(Options(name, &ffs));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    std::map<Hash128, int> seen;
    ASSERT_TRUE((*s)->ForEachId([&](const Hash128& id) { ++seen[id]; }).ok());
    EXPECT_EQ(seen.size(), 6000u) << "round " << round;
    for (const auto& [id, c] : seen) ASSERT_EQ(c, 1) << "round " << round;
    VerifyReport report;
    ASSERT_TRUE(VerifyDataDir(&ffs, dir_.Sub(name), &report).ok());
    EXPECT_TRUE(report.ok()) << report.ToText();
    // A later compaction finishes the job.
    ASSERT_TRUE((*s)->Compact().ok());
    EXPECT_EQ((*s)->segments(), 1u);
  }
}

}  // namespace
}  // namespace agentperf::store
