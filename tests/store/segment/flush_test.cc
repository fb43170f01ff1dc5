// Tests for flushing the head into column segments: a store that flushes
// answers every query exactly like one that keeps everything in its head,
// before and after a restart; duplicates of flushed events are recognised;
// WAL segments covered by flushed segments are removed; and a flush that
// fails (fsync error, disk full) or is cut by a crash at any byte leaves
// every acknowledged event present exactly once.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "query/result.h"
#include "query/spec.h"
#include "store/embedded_store.h"
#include "store/fs/fault_injecting_file_system.h"
#include "store/segment/segment_reader.h"
#include "store/verify.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

using testing::EventJson;
using testing::TempDir;

// A varied workload: every column, attributes, explicit, span and content ids,
// out-of-order start times.
std::vector<std::string> Workload(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* agents[] = {"coder", "tester", "architect", "planner", "researcher"};
  const char* models[] = {"m-fast", "m-big", "m-reason", "m-mini"};
  const char* tools[] = {"bash", "read", "edit", "grep", "task"};
  const char* kinds[] = {"llm_call", "tool_call", "turn", "permission_wait", "retry", "session"};
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) {
    EventJson e;
    const std::string kind = kinds[rng() % 6];
    int64_t start = testing::kBaseMs + static_cast<int64_t>(i) * 500 + static_cast<int64_t>(rng() % 20000);
    e.Set("kind", kind).Set("start_ms", start).Set("duration_ms", static_cast<int64_t>(1 + rng() % 90000));
    e.Set("agent", agents[rng() % 5]).Set("session_id", "ses_" + std::to_string(i / 40));
    if (rng() % 3) e.Set("message_id", "msg_" + std::to_string(i / 3));
    switch (rng() % 10) {
      case 0: e.Set("id", "explicit-" + std::to_string(i)); break;
      case 1: break;  // content-derived id
      default: e.Set("span_id", "prt_" + std::to_string(i * 7919 % 1000003) + "x" + std::to_string(i));
    }
    if (kind == "llm_call") {
      e.Set("model", models[rng() % 4]).Set("provider", "prov");
      e.Raw("tokens", "{\"input\":" + std::to_string(rng() % 50000) + ",\"output\":" + std::to_string(rng() % 4000) +
                          ",\"cache_read\":" + std::to_string(rng() % 30000) + "}");
      e.Set("cost", static_cast<double>(rng() % 100000) / 1e7);
      if (rng() % 2) e.Set("ttfc_ms", static_cast<double>(rng() % 50000) / 10.0);
    }
    if (kind == "tool_call") e.Set("tool", tools[rng() % 5]);
    if (rng() % 25 == 0) e.Set("status", "error").Set("error_class", rng() % 2 ? "timeout" : "rate_limit");
    if (rng() % 7 == 0) e.Raw("attrs", "{\"k\":\"v" + std::to_string(rng() % 5) + "\",\"n\":" + std::to_string(rng() % 3) + "}");
    lines.push_back(e.Str());
  }
  return lines;
}

const char* kQueries[] = {
    R"q({"from":"0","to":"now","aggregates":["count"]})q",
    R"q({"from":"0","to":"now","group_by":["agent"],"aggregates":["count","p50(duration_ms)","p95(duration_ms)","p99(duration_ms)","max(duration_ms)"]})q",
    R"q({"from":"0","to":"now","group_by":["agent","tool"],"step":"1h","aggregates":["count","p95(duration_ms)"]})q",
    R"q({"from":"0","to":"now","group_by":["model"],"step":"1d","aggregates":["count","sum(tokens.input)","avg(tokens.output)","sum(cost)","min(ttfc_ms)","max(ttfc_ms)","count(ttfc_ms)"]})q",
    R"q({"from":"0","to":"now","filters":[{"label":"model","op":"=~","value":"m-(fast|big)"}],"group_by":["status","error_class"],"aggregates":["count"]})q",
    R"q({"from":"0","to":"now","filters":[{"label":"tool","op":"in","values":["bash","grep"]},{"label":"agent","op":"!=","value":"coder"}],"group_by":["kind"],"aggregates":["count","p90(duration_ms)"]})q",
    R"q({"from":"0","to":"now","group_by":["session_id"],"aggregates":["count","sum(tokens.cache_read)"],"limit":100000})q",
    R"q({"from":"0","to":"now","filters":[{"label":"message_id","op":"=","value":"msg_77"}],"group_by":["span_id"],"aggregates":["count"]})q",
};

// Results compared value by value (sums may differ in the last bits: rows
// are added in another order).
void ExpectSameResult(const query::QueryResult& a, const query::QueryResult& b, const std::string& what) {
  ASSERT_EQ(a.series.size(), b.series.size()) << what;
  for (size_t s = 0; s < a.series.size(); ++s) {
    ASSERT_EQ(a.series[s].labels, b.series[s].labels) << what;
    ASSERT_EQ(a.series[s].points.size(), b.series[s].points.size()) << what;
    for (size_t p = 0; p < a.series[s].points.size(); ++p) {
      const auto& pa = a.series[s].points[p];
      const auto& pb = b.series[s].points[p];
      ASSERT_EQ(pa.t_us, pb.t_us) << what;
      for (size_t v = 0; v < pa.values.size(); ++v) {
        if (std::isnan(pa.values[v])) {
          EXPECT_TRUE(std::isnan(pb.values[v])) << what;
        } else {
          EXPECT_NEAR(pa.values[v], pb.values[v], 1e-9 * std::max(1.0, std::fabs(pa.values[v]))) << what;
        }
      }
    }
  }
}

class FlushTest : public ::testing::Test {
 protected:
  std::unique_ptr<EmbeddedStore> Open(const std::string& name, uint64_t flush_rows, fs::FileSystem* f = nullptr) {
    EmbeddedStoreOptions o;
    o.data_dir = dir_.Sub(name);
    o.flush_rows = flush_rows;
    o.fs = f;
    // No background merges: the flusher compacts small segments whenever it
    // idles for a second, which would make segment counts depend on timing.
    o.compaction.min_inputs = SIZE_MAX;
    auto s = EmbeddedStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  static void Load(EmbeddedStore* s, const std::vector<std::string>& lines, size_t per_batch) {
    for (size_t i = 0; i < lines.size(); i += per_batch) {
      std::vector<std::string> part(lines.begin() + i, lines.begin() + std::min(lines.size(), i + per_batch));
      auto r = s->Append(testing::Decode(testing::Ndjson(part)));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }
  static void ExpectSameAnswers(EmbeddedStore* expected, EmbeddedStore* actual, const std::string& when) {
    const int64_t now = (testing::kBaseMs + 86400000LL * 30) * 1000;
    for (const char* q : kQueries) {
      auto spec = query::ParseQuerySpec(q, now);
      ASSERT_TRUE(spec.ok()) << q << ": " << spec.status().ToString();
      auto a = expected->Query(*spec);
      auto b = actual->Query(*spec);
      ASSERT_TRUE(a.ok() && b.ok()) << q;
      ExpectSameResult(*a, *b, when + ": " + q);
    }
  }
  TempDir dir_;
};

TEST_F(FlushTest, SegmentsAnswerLikeTheHeadAndSurviveRestart) {
  const auto lines = Workload(30000, 7);
  auto head_only = Open("head", 0);
  auto flushing = Open("flush", 4000);
  Load(head_only.get(), lines, 1000);
  Load(flushing.get(), lines, 1000);
  ASSERT_EQ(head_only->events(), flushing->events());
  // Some rows in segments, some perhaps still in frozen or active heads.
  ExpectSameAnswers(head_only.get(), flushing.get(), "mixed");
  ASSERT_TRUE(flushing->Flush().ok());
  // 30,000 rows at 4,000 per flush: ~8 segments, fewer (and larger) when the
  // flusher lags, since the head grows while two frozen heads wait for it.
  EXPECT_GE(flushing->segments(), 3u);
  EXPECT_EQ(flushing->head().rows(), 0u);
  ExpectSameAnswers(head_only.get(), flushing.get(), "all flushed");

  // Label values come from segment dictionaries too.
  auto agents = flushing->LabelValues(query::ParseLabel("agent").value(), INT64_MIN, INT64_MAX, 100);
  ASSERT_TRUE(agents.ok());
  EXPECT_EQ(agents->size(), 5u);

  // Restart: nothing replayed twice, same answers.
  const uint64_t n = flushing->events();
  flushing.reset();
  flushing = Open("flush", 4000);
  EXPECT_EQ(flushing->events(), n);
  ExpectSameAnswers(head_only.get(), flushing.get(), "reopened");
  VerifyReport report;
  ASSERT_TRUE(VerifyDataDir(fs::DefaultFileSystem(), dir_.Sub("flush"), &report).ok());
  EXPECT_TRUE(report.ok()) << report.ToText();
  EXPECT_EQ(report.events, n);
}

TEST_F(FlushTest, DuplicatesOfFlushedEventsAreRecognised) {
  const auto lines = Workload(6000, 11);
  auto s = Open("d", 2000);
  Load(s.get(), lines, 500);
  ASSERT_TRUE(s->Flush().ok());
  const uint64_t n = s->events();
  ASSERT_EQ(n, 6000u);
  // The same events again (a client retry, another collector): nothing new.
  for (size_t i = 0; i < lines.size(); i += 1500) {
    std::vector<std::string> part(lines.begin() + i, lines.begin() + std::min(lines.size(), i + 1500));
    auto r = s->Append(testing::Decode(testing::Ndjson(part)));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->accepted, 0u);
    EXPECT_EQ(r->duplicates, part.size());
  }
  EXPECT_EQ(s->events(), n);
  s.reset();
  s = Open("d", 2000);
  EXPECT_EQ(s->events(), n);
}

TEST_F(FlushTest, FlushedWalSegmentsAreRemoved) {
  EmbeddedStoreOptions o;
  o.data_dir = dir_.Sub("w");
  o.flush_rows = 0;
  o.wal_segment_bytes = 64 * 1024;  // many small WAL segments
  auto s = EmbeddedStore::Open(o);
  ASSERT_TRUE(s.ok());
  Load(s->get(), Workload(5000, 3), 200);
  auto wal_files = [&] { return fs::DefaultFileSystem()->ListDir(WalDir(o.data_dir))->size(); };
  const size_t before = wal_files();
  EXPECT_GE(before, 4u);
  ASSERT_TRUE((*s)->Flush().ok());
  // Everything but the segment being written (rotated at the flush) is gone.
  EXPECT_LE(wal_files(), 2u);
  s->reset();
  auto again = EmbeddedStore::Open(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->events(), 5000u);
}

TEST_F(FlushTest, FailedFlushKeepsEverythingAndRetries) {
  fs::FaultInjectingFileSystem ffs(fs::DefaultFileSystem());
  const auto lines = Workload(3000, 5);
  auto s = Open("f", 0, &ffs);
  Load(s.get(), lines, 500);
  ffs.FailSyncs(1);  // the segment's fsync fails
  EXPECT_FALSE(s->Flush().ok());
  EXPECT_EQ(s->events(), 3000u);
  EXPECT_EQ(s->segments(), 0u);
  ffs.ClearFaults();
  ffs.SetSpaceLeft(1000);  // disk full while writing the segment
  EXPECT_FALSE(s->Flush().ok());
  EXPECT_EQ(s->events(), 3000u);
  ffs.ClearFaults();
  ASSERT_TRUE(s->Flush().ok());
  EXPECT_EQ(s->segments(), 1u);
  EXPECT_EQ(s->events(), 3000u);
  s.reset();
  s = Open("f", 0, &ffs);
  EXPECT_EQ(s->events(), 3000u);
  auto seg_files = ffs.ListDir(SegmentsDir(dir_.Sub("f")));
  ASSERT_TRUE(seg_files.ok());
  // Failed attempts left nothing behind: one segment and its summary.
  EXPECT_EQ(seg_files->size(), 2u);
  EXPECT_EQ(std::count_if(seg_files->begin(), seg_files->end(), [](const std::string& f) { return f.ends_with(".seg"); }), 1);
}

// A power loss at every stage of a flush (cut after `limit` bytes written):
// the reopened store holds every acknowledged event exactly once.
TEST_F(FlushTest, CrashAtAnyPointOfAFlushLosesNothing) {
  const auto lines = Workload(2500, 9);
  uint64_t flush_bytes = 0;
  for (int round = 0; round < 14; ++round) {
    fs::FaultInjectingFileSystem ffs(fs::DefaultFileSystem());
    const std::string name = "c" + std::to_string(round);
    {
      auto s = Open(name, 0, &ffs);
      Load(s.get(), lines, 500);
      if (round == 0) {
        // Measure how many bytes a whole flush writes.
        ASSERT_TRUE(s->Flush().ok());
        const std::string seg_dir = SegmentsDir(dir_.Sub(name));
        auto files = ffs.ListDir(seg_dir);
        ASSERT_TRUE(files.ok());
        for (const auto& f : *files) flush_bytes += *ffs.FileSize(fs::JoinPath(seg_dir, f));
        flush_bytes += *ffs.FileSize(fs::JoinPath(dir_.Sub(name), "MANIFEST"));
        ASSERT_GT(flush_bytes, 1000u);
        continue;
      }
      ffs.FreezeAfter(flush_bytes * static_cast<uint64_t>(round - 1) / 12);
      (void)s->Flush();
      ASSERT_TRUE(ffs.SimulateCrash(round % 2 == 0, static_cast<uint64_t>(round)).ok());
    }
    ffs.ClearFaults();
    auto s = Open(name, 0, &ffs);
    ASSERT_TRUE(s);
    std::map<Hash128, int> seen;
    ASSERT_TRUE(s->ForEachId([&](const Hash128& id) { ++seen[id]; }).ok());
    EXPECT_EQ(seen.size(), lines.size()) << "round " << round;
    for (const auto& [id, c] : seen) ASSERT_EQ(c, 1) << "round " << round << " duplicated " << id.ToHex();
    VerifyReport report;
    ASSERT_TRUE(VerifyDataDir(&ffs, dir_.Sub(name), &report).ok());
    EXPECT_TRUE(report.ok()) << report.ToText();
  }
}

}  // namespace
}  // namespace agentperf::store
