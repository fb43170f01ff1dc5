// Simulated power loss: several threads append batches while the file system
// "loses power" after a random number of bytes; the store is torn down, the
// crash cuts every file back to what was synced (optionally keeping a torn
// prefix of the rest), and the store is reopened. Every acknowledged event
// must be present exactly once, nothing may be duplicated or invented, and
// `verify` must accept the directory. Each iteration runs several
// crash/recover cycles on one directory, with client retries of the batches
// that failed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
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
constexpr uint64_t kIdHi = 0xc0ffee;

event::EventBatch MakeBatch(const std::vector<uint64_t>& ids) {
  event::EventBatch b;
  for (uint64_t id : ids) {
    event::Event e;
    e.id = Hash128{id, kIdHi};
    e.kind = event::SpanKind::kToolCall;
    e.start_us = kT0 + static_cast<int64_t>(id % 100000) * 1000;
    e.end_us = e.start_us + static_cast<int64_t>(id % 977);
    e.str[static_cast<int>(event::StrField::kSpanId)] = b.arena.Copy("sp-" + std::to_string(id));
    e.str[static_cast<int>(event::StrField::kAgent)] = b.arena.Copy("agent-" + std::to_string(id % 4));
    e.str[static_cast<int>(event::StrField::kTool)] = b.arena.Copy(id % 3 ? "bash" : "read");
    e.ints[static_cast<int>(event::IntField::kTokensInput)] = static_cast<int64_t>(id % 1000);
    b.events.push_back(e);
  }
  return b;
}

// What the clients know: ids acknowledged, and ids sent but not acknowledged.
struct Ledger {
  std::mutex mu;
  std::set<uint64_t> acked;
  std::set<uint64_t> unacked;  // failed at least once and never acknowledged
  uint64_t ok_batches = 0;
  uint64_t failed_batches = 0;
};

struct CrashStats {
  uint64_t cycles = 0;
  uint64_t froze = 0;
  uint64_t torn = 0;
  uint64_t failed_batches = 0;
  uint64_t ok_batches = 0;
  uint64_t unacked_survivors = 0;  // not acknowledged but present after the crash
  uint64_t acked_checked = 0;
};

// A FileSystem that acknowledges Sync() of WAL files without making anything
// durable: a store on top of it "acknowledges before fsync". Used only to show
// that the crash harness catches lost acknowledged events.
class LyingFileSystem final : public fs::FileSystem {
 public:
  explicit LyingFileSystem(fs::FileSystem* base) : base_(base) {}
  Result<std::unique_ptr<fs::WritableFile>> NewWritableFile(const std::string& path) override {
    AP_ASSIGN_OR_RETURN(auto f, base_->NewWritableFile(path));
    if (path.find("/wal/") == std::string::npos) return f;
    return std::unique_ptr<fs::WritableFile>(new LyingFile(std::move(f)));
  }
  Result<std::unique_ptr<fs::SequentialFile>> NewSequentialFile(const std::string& p) override {
    return base_->NewSequentialFile(p);
  }
  Result<std::unique_ptr<fs::RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    return base_->NewRandomAccessFile(p);
  }
  bool FileExists(const std::string& p) override { return base_->FileExists(p); }
  Result<uint64_t> FileSize(const std::string& p) override { return base_->FileSize(p); }
  Result<std::vector<std::string>> ListDir(const std::string& d) override { return base_->ListDir(d); }
  Status CreateDirs(const std::string& d) override { return base_->CreateDirs(d); }
  Status RemoveFile(const std::string& p) override { return base_->RemoveFile(p); }
  Status RenameFile(const std::string& f, const std::string& t) override { return base_->RenameFile(f, t); }
  Status SyncDir(const std::string& d) override { return base_->SyncDir(d); }
  Status TruncateFile(const std::string& p, uint64_t n) override { return base_->TruncateFile(p, n); }
  Result<std::unique_ptr<fs::FileLock>> LockFile(const std::string& p) override { return base_->LockFile(p); }

 private:
  class LyingFile final : public fs::WritableFile {
   public:
    explicit LyingFile(std::unique_ptr<fs::WritableFile> base) : base_(std::move(base)) {}
    Status Append(std::string_view data) override { return base_->Append(data); }
    Status Sync() override { return Status::OK(); }  // the lie
    Status Truncate(uint64_t size) override { return base_->Truncate(size); }
    Status Close() override { return base_->Close(); }
    uint64_t Size() const override { return base_->Size(); }

   private:
    std::unique_ptr<fs::WritableFile> base_;
  };
  fs::FileSystem* base_;
};

// Checks the reopened store against the ledger; returns the first problem
// ("" if none). Unacknowledged events that survived move to the acked set.
std::string CheckRecovered(EmbeddedStore* s, Ledger* ledger, const std::string& data_dir, const std::string& where,
                           CrashStats* stats) {
  auto problem = [&where](const std::string& what) { return where + ": " + what; };
  // Every stored row, by id (the head itself).
  std::map<uint64_t, int> rows;
  std::string bad;
  Status ids = s->ForEachId([&](const Hash128& id) {
    if (id.hi != kIdHi && bad.empty()) bad = "an event has an id nobody sent: " + id.ToHex();
    ++rows[id.lo];
  });
  if (!ids.ok()) return problem("reading ids: " + ids.ToString());
  if (!bad.empty()) return problem(bad);
  // The same through the query engine, grouped by span, with each row's content.
  query::QuerySpec spec;
  spec.group_by.push_back(query::ParseLabel("span_id").value());
  spec.aggregates.push_back(query::ParseAggregate("count").value());
  spec.aggregates.push_back(query::ParseAggregate("sum(tokens.input)").value());
  spec.limit = 1000000;
  auto q = s->Query(spec);
  if (!q.ok()) return problem(q.status().ToString());
  std::map<std::string, std::pair<double, double>> by_span;  // span -> (count, tokens)
  for (const auto& series : q->series) {
    for (const auto& p : series.points) {
      by_span[series.labels[0].second].first += p.values[0];
      by_span[series.labels[0].second].second += p.values[1];
    }
  }
  if (by_span.size() != rows.size()) return problem("query and head disagree on the number of events");

  std::lock_guard<std::mutex> l(ledger->mu);
  for (const auto& [id, count] : rows) {
    const std::string ids = "id " + std::to_string(id);
    if (count != 1) return problem(ids + " stored " + std::to_string(count) + " times");
    bool acked = ledger->acked.count(id) != 0;
    bool unacked = ledger->unacked.count(id) != 0;
    if (!acked && !unacked) return problem(ids + " was never sent");
    auto span = by_span["sp-" + std::to_string(id)];
    if (span.first != 1.0) return problem("span of " + ids + " counted " + std::to_string(span.first) + " times");
    if (span.second != static_cast<double>(id % 1000)) return problem(ids + " has the wrong tokens.input");
    if (!acked) {
      // It survived without an acknowledgement (a torn prefix kept it, or its
      // batch failed after the write): allowed, and from now on it is stored.
      ++stats->unacked_survivors;
      ledger->unacked.erase(id);
      ledger->acked.insert(id);
    }
  }
  for (uint64_t id : ledger->acked) {
    if (rows.count(id) != 1) return problem("acknowledged id " + std::to_string(id) + " lost");
  }
  stats->acked_checked += ledger->acked.size();

  VerifyReport report;
  Status st = VerifyDataDir(fs::DefaultFileSystem(), data_dir, &report);
  if (!st.ok()) return problem("verify: " + st.ToString());
  if (!report.ok()) return problem("verify: " + report.ToText());
  if (s->replay_report().corrupt) return problem("replay found corruption");
  return "";
}

// One iteration: a fresh directory and `cycles` crash/recover cycles. Returns
// the first problem found ("" if none). With `lie`, WAL fsyncs are faked and
// no power cut is injected (the negative control).
std::string RunIteration(uint64_t seed, int cycles, CrashStats* stats, bool lie = false) {
  std::mt19937_64 rng(seed);
  TempDir dir;
  FaultInjectingFileSystem faults(fs::DefaultFileSystem());
  LyingFileSystem liar(&faults);
  EmbeddedStoreOptions o;
  o.data_dir = dir.Sub("data");
  o.fs = lie ? static_cast<fs::FileSystem*>(&liar) : &faults;
  o.wal_segment_bytes = 512 + rng() % 8192;  // frequent rollover
  Ledger ledger;
  uint64_t next_id = 1;
  const std::string tag = "seed " + std::to_string(seed);

  for (int cycle = 0; cycle < cycles; ++cycle) {
    const std::string where = tag + " cycle " + std::to_string(cycle);
    auto opened = EmbeddedStore::Open(o);
    if (!opened.ok()) return where + ": open failed: " + opened.status().ToString();
    std::unique_ptr<EmbeddedStore> s = std::move(opened).value();
    if (cycle > 0) {
      std::string p = CheckRecovered(s.get(), &ledger, o.data_dir, where + " (after crash)", stats);
      if (!p.empty()) return p;
    }

    // Sometimes a transient fsync failure first; then the power cut.
    if (rng() % 4 == 0 && !lie) faults.FailSyncs(1);
    const uint64_t freeze_after = rng() % 24000;
    if (!lie) faults.FreezeAfter(freeze_after);

    constexpr int kThreads = 3, kBatchesPerThread = 8;
    std::vector<std::vector<std::vector<uint64_t>>> plans(kThreads);
    {
      // Plan the batches up front (deterministic per seed): fresh ids, plus
      // retries of failed ids and re-sends of acknowledged ones.
      std::vector<uint64_t> retry(ledger.unacked.begin(), ledger.unacked.end());
      std::vector<uint64_t> resend(ledger.acked.begin(), ledger.acked.end());
      for (int t = 0; t < kThreads; ++t) {
        for (int b = 0; b < kBatchesPerThread; ++b) {
          std::vector<uint64_t> ids;
          int fresh = 1 + static_cast<int>(rng() % 24);
          for (int i = 0; i < fresh; ++i) ids.push_back(next_id++);
          if (!retry.empty() && rng() % 2) ids.push_back(retry[rng() % retry.size()]);
          if (!resend.empty() && rng() % 3 == 0) ids.push_back(resend[rng() % resend.size()]);
          std::shuffle(ids.begin(), ids.end(), rng);
          plans[t].push_back(std::move(ids));
        }
      }
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (const auto& ids : plans[t]) {
          auto r = s->Append(MakeBatch(ids));
          std::lock_guard<std::mutex> l(ledger.mu);
          if (r.ok()) {
            ++ledger.ok_batches;
            EXPECT_EQ(r->accepted + r->duplicates, ids.size());
            for (uint64_t id : ids) {
              ledger.acked.insert(id);
              ledger.unacked.erase(id);
            }
          } else {
            ++ledger.failed_batches;
            EXPECT_TRUE(r.status().code() == StatusCode::kUnavailable ||
                        r.status().code() == StatusCode::kResourceExhausted)
                << r.status().ToString();
            for (uint64_t id : ids) {
              if (ledger.acked.count(id) == 0) ledger.unacked.insert(id);
            }
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    if (faults.frozen()) ++stats->froze;
    s.reset();  // the process "dies": drains and fails whatever is left

    const bool torn = !lie && rng() % 2 == 0;
    stats->torn += torn ? 1 : 0;
    Status crash = faults.SimulateCrash(torn, rng());
    if (!crash.ok()) return where + ": " + crash.ToString();
    ++stats->cycles;
  }
  // Final recovery.
  auto opened = EmbeddedStore::Open(o);
  if (!opened.ok()) return tag + ": final open failed: " + opened.status().ToString();
  stats->ok_batches += ledger.ok_batches;
  stats->failed_batches += ledger.failed_batches;
  return CheckRecovered(opened->get(), &ledger, o.data_dir, tag + " final", stats);
}

TEST(CrashHarnessTest, DetectsAStoreThatAcknowledgesBeforeFsync) {
  // Negative control: if WAL fsyncs were skipped, the same checks must fail.
  CrashStats stats;
  int detected = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    std::string problem = RunIteration(seed, 1, &stats, /*lie=*/true);
    if (!problem.empty()) ++detected;
    EXPECT_NE(problem.find("lost"), std::string::npos) << "seed " << seed << ": " << problem;
  }
  EXPECT_EQ(detected, 5);
}

// 200 iterations (fixed seeds 1..200) of 2 crash cycles each, in 8 shards so
// that each CTest case stays well inside its time limit under sanitizers.
constexpr uint64_t kIterations = 200;
constexpr uint64_t kShards = 8;
constexpr int kCyclesPerIteration = 2;

class CrashSimulationTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(CrashSimulationTest, AcknowledgedEventsSurvivePowerLossExactlyOnce) {
  const uint64_t per_shard = kIterations / kShards;
  const uint64_t first_seed = 1 + GetParam() * per_shard;
  CrashStats stats;
  for (uint64_t seed = first_seed; seed < first_seed + per_shard; ++seed) {
    std::string problem = RunIteration(seed, kCyclesPerIteration, &stats);
    ASSERT_TRUE(problem.empty()) << problem;
  }
  std::printf(
      "[crash-sim] seeds %llu..%llu: %llu crashes (%llu froze mid-write, %llu torn), %llu batches acked, %llu failed, "
      "%llu unacknowledged survivors, %llu acknowledged-id checks\n",
      static_cast<unsigned long long>(first_seed), static_cast<unsigned long long>(first_seed + per_shard - 1),
      static_cast<unsigned long long>(stats.cycles), static_cast<unsigned long long>(stats.froze),
      static_cast<unsigned long long>(stats.torn), static_cast<unsigned long long>(stats.ok_batches),
      static_cast<unsigned long long>(stats.failed_batches), static_cast<unsigned long long>(stats.unacked_survivors),
      static_cast<unsigned long long>(stats.acked_checked));
  EXPECT_EQ(stats.cycles, per_shard * kCyclesPerIteration);
  // The random cut points must exercise both outcomes.
  EXPECT_GT(stats.froze, stats.cycles / 4);
  EXPECT_LT(stats.froze, stats.cycles);
  EXPECT_GT(stats.torn, 0u);
  EXPECT_GT(stats.failed_batches, 0u);
  EXPECT_GT(stats.ok_batches, stats.failed_batches / 4);
}

INSTANTIATE_TEST_SUITE_P(Seeds, CrashSimulationTest, ::testing::Range<uint64_t>(0, kShards));

}  // namespace
}  // namespace agentperf::store
