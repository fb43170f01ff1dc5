// Tests for the write-ahead log: replay, group commit, rollover, fault
// handling (failed fsync, disk full), queue limits and corruption quarantine.
#include "wal/wal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/ingest_backpressure.h"
#include "store/fs/fault_injecting_file_system.h"
#include "testing/temp_dir.h"

namespace agentperf::wal {
namespace {

using fs::FaultInjectingFileSystem;
using testing::TempDir;

// Collects completion callbacks, in the order they run.
class Acks {
 public:
  struct Ack {
    std::string payload;
    Status status;
    uint64_t seq;
  };
  DoneFn For(std::string payload) {
    return [this, payload](const Status& s, uint64_t seq) {
      std::lock_guard<std::mutex> l(mu_);
      acks_.push_back(Ack{payload, s, seq});
      cv_.notify_all();
    };
  }
  void WaitFor(size_t n) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return acks_.size() >= n; });
  }
  std::vector<Ack> Take() {
    std::lock_guard<std::mutex> l(mu_);
    return acks_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Ack> acks_;
};

// Blocks the WAL thread inside a completion callback until Open() is called.
class Gate {
 public:
  DoneFn Callback() {
    return [this](const Status&, uint64_t) {
      std::unique_lock<std::mutex> l(mu_);
      entered_ = true;
      cv_.notify_all();
      cv_.wait(l, [&] { return open_; });
    };
  }
  void WaitEntered() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return entered_; });
  }
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

struct Replayed {
  std::vector<std::pair<uint64_t, std::string>> records;
  ReplayReport report;
};

class WalTest : public ::testing::Test {
 protected:
  WalOptions Options(uint64_t segment_bytes = uint64_t{64} << 20) {
    WalOptions o;
    o.fs = &faults_;
    o.dir = dir_.Sub("wal");
    o.segment_bytes = segment_bytes;
    return o;
  }
  std::unique_ptr<Wal> Open(const WalOptions& o, Replayed* out) {
    out->records.clear();
    auto wal = Wal::Open(
        o,
        [out](uint64_t seq, std::string_view payload) {
          out->records.emplace_back(seq, std::string(payload));
          return Status::OK();
        },
        &out->report);
    EXPECT_TRUE(wal.ok()) << wal.status().ToString();
    return wal.ok() ? std::move(wal).value() : nullptr;
  }
  // Replays the directory in a fresh Wal and closes it again.
  Replayed Reopen(const WalOptions& o) {
    Replayed r;
    auto wal = Open(o, &r);
    EXPECT_TRUE(wal != nullptr);
    return r;
  }
  std::vector<std::string> SegmentFiles() {
    auto names = fs::DefaultFileSystem()->ListDir(dir_.Sub("wal"));
    EXPECT_TRUE(names.ok());
    std::vector<std::string> segs;
    for (const auto& n : *names) {
      uint64_t no;
      if (ParseSegmentFileName(n, &no)) segs.push_back(n);
    }
    std::sort(segs.begin(), segs.end());
    return segs;
  }
  static std::map<std::string, int> Counts(const Replayed& r) {
    std::map<std::string, int> c;
    for (const auto& [seq, p] : r.records) ++c[p];
    return c;
  }
  static void ExpectIncreasingSeqs(const Replayed& r) {
    for (size_t i = 1; i < r.records.size(); ++i) {
      EXPECT_LT(r.records[i - 1].first, r.records[i].first) << "at record " << i;
    }
  }

  TempDir dir_;
  FaultInjectingFileSystem faults_{fs::DefaultFileSystem()};
};

TEST_F(WalTest, SubmitThenReopenReplaysEveryRecordInOrder) {
  auto o = Options();
  Replayed first;
  auto wal = Open(o, &first);
  ASSERT_TRUE(wal);
  EXPECT_TRUE(first.records.empty());
  EXPECT_FALSE(first.report.corrupt);
  Acks acks;
  for (int i = 0; i < 100; ++i) {
    std::string p = "record-" + std::to_string(i);
    ASSERT_TRUE(wal->Submit(p, acks.For(p)).ok());
  }
  acks.WaitFor(100);
  WalStats st = wal->Stats();
  EXPECT_EQ(st.records_written, 100u);
  EXPECT_EQ(st.last_seq, 100u);
  EXPECT_EQ(st.failed_groups, 0u);
  EXPECT_GE(st.groups, 1u);
  EXPECT_LE(st.groups, 100u);
  EXPECT_EQ(st.current_segment, 1u);
  wal.reset();
  auto a = acks.Take();
  ASSERT_EQ(a.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(a[i].status.ok());
    EXPECT_EQ(a[i].seq, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(a[i].payload, "record-" + std::to_string(i));
  }

  Replayed second;
  wal = Open(o, &second);
  ASSERT_TRUE(wal);
  ASSERT_EQ(second.records.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(second.records[i].first, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(second.records[i].second, "record-" + std::to_string(i));
  }
  EXPECT_EQ(second.report.records, 100u);
  EXPECT_EQ(second.report.last_seq, 100u);
  EXPECT_EQ(second.report.torn_tails(), 0u);
  // A new process writes a new segment and continues the sequence.
  EXPECT_EQ(wal->Stats().current_segment, 2u);
  Acks more;
  ASSERT_TRUE(wal->Submit("after-reopen", more.For("after-reopen")).ok());
  more.WaitFor(1);
  EXPECT_EQ(more.Take()[0].seq, 101u);
  wal.reset();

  Replayed third = Reopen(o);
  ASSERT_EQ(third.records.size(), 101u);
  EXPECT_EQ(third.records.back(), std::make_pair(uint64_t{101}, std::string("after-reopen")));
  EXPECT_EQ(SegmentFiles().size(), 3u);  // one per process, the last one empty
  ExpectIncreasingSeqs(third);
}

TEST_F(WalTest, DestructorDrainsTheQueue) {
  auto o = Options();
  Replayed r;
  auto wal = Open(o, &r);
  ASSERT_TRUE(wal);
  Acks acks;
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(wal->Submit(std::string(50, 'q'), acks.For("q")).ok());
  wal.reset();  // no waiting: every queued record still gets its callback
  auto a = acks.Take();
  ASSERT_EQ(a.size(), 300u);
  for (const auto& x : a) EXPECT_TRUE(x.status.ok());
  EXPECT_EQ(Reopen(o).records.size(), 300u);
}

TEST_F(WalTest, GroupCommitBatchesQueuedRecordsIntoOneFsync) {
  auto o = Options();
  Replayed r;
  auto wal = Open(o, &r);
  ASSERT_TRUE(wal);
  Gate gate;
  ASSERT_TRUE(wal->Submit("gate", gate.Callback()).ok());
  gate.WaitEntered();  // the WAL thread is now parked in a callback
  const uint64_t syncs_before = faults_.sync_calls();

  constexpr int kThreads = 8, kPerThread = 50;
  Acks acks;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string p = "t" + std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(wal->Submit(p, acks.For(p)).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wal->Stats().queued_records, static_cast<uint64_t>(kThreads * kPerThread));
  gate.Open();
  acks.WaitFor(kThreads * kPerThread);
  // All 400 records were queued together: one write and one fdatasync.
  EXPECT_EQ(faults_.sync_calls() - syncs_before, 1u);
  EXPECT_EQ(wal->Stats().groups, 2u);

  // Callbacks ran once each, in submission order (per thread), with the
  // sequence numbers of the log.
  auto a = acks.Take();
  ASSERT_EQ(a.size(), static_cast<size_t>(kThreads * kPerThread));
  std::map<std::string, uint64_t> seq_of;
  std::vector<int> next(kThreads, 0);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(a[i].status.ok());
    if (i > 0) {
      EXPECT_LT(a[i - 1].seq, a[i].seq);
    }
    EXPECT_TRUE(seq_of.emplace(a[i].payload, a[i].seq).second) << "callback twice for " << a[i].payload;
    int t = std::stoi(a[i].payload.substr(1));
    int idx = std::stoi(a[i].payload.substr(a[i].payload.find('-') + 1));
    EXPECT_EQ(idx, next[t]++) << "thread " << t << " out of order";
  }
  wal.reset();
  Replayed back = Reopen(o);
  ASSERT_EQ(back.records.size(), a.size() + 1);
  for (const auto& [seq, p] : back.records) {
    if (p == "gate") continue;
    EXPECT_EQ(seq_of.at(p), seq) << p;
  }
}

TEST_F(WalTest, ConcurrentSubmittersShareFsyncs) {
  auto o = Options();
  Replayed r;
  auto wal = Open(o, &r);
  ASSERT_TRUE(wal);
  const uint64_t syncs_before = faults_.sync_calls();
  constexpr int kThreads = 6, kPerThread = 300;
  Acks acks;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string p = "t" + std::to_string(t) + "-" + std::to_string(i) + std::string(100, 'p');
        EXPECT_TRUE(wal->Submit(p, acks.For(p)).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  const size_t total = kThreads * kPerThread;
  acks.WaitFor(total);
  const uint64_t syncs = faults_.sync_calls() - syncs_before;
  EXPECT_LT(syncs, total / 4) << "group commit did not group";
  EXPECT_EQ(wal->Stats().groups, syncs);
  auto a = acks.Take();
  ASSERT_EQ(a.size(), total);
  for (size_t i = 1; i < a.size(); ++i) EXPECT_LT(a[i - 1].seq, a[i].seq);
  wal.reset();
  Replayed back = Reopen(o);
  ASSERT_EQ(back.records.size(), total);
  for (const auto& [p, n] : Counts(back)) EXPECT_EQ(n, 1) << p;
}

TEST_F(WalTest, SegmentRolloverAndReplayAcrossSegments) {
  auto o = Options(1024);
  Replayed r;
  auto wal = Open(o, &r);
  ASSERT_TRUE(wal);
  Acks acks;
  for (int i = 0; i < 200; ++i) {
    std::string p = "roll-" + std::to_string(i) + std::string(100, 'r');
    ASSERT_TRUE(wal->Submit(p, acks.For(p)).ok());
    acks.WaitFor(i + 1);  // one record per group
  }
  WalStats st = wal->Stats();
  EXPECT_GE(st.current_segment, 20u);
  EXPECT_EQ(st.segments, st.current_segment);
  wal.reset();
  auto segs = SegmentFiles();
  EXPECT_GE(segs.size(), 20u);
  for (const auto& s : segs) {
    auto size = fs::DefaultFileSystem()->FileSize(dir_.Sub("wal/" + s));
    ASSERT_TRUE(size.ok());
    EXPECT_LT(*size, 1024u + 200u) << s;  // closed once it passed the limit
  }
  Replayed back = Reopen(o);
  ASSERT_EQ(back.records.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(back.records[i].first, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(back.records[i].second, "roll-" + std::to_string(i) + std::string(100, 'r'));
  }
  EXPECT_GE(back.report.segments.size(), 20u);
  for (const auto& s : back.report.segments) EXPECT_EQ(s.tail, TailState::kClean) << s.file;
}

TEST_F(WalTest, FsyncFailureFailsTheGroupAndTheLogContinues) {
  auto o = Options();
  Replayed r;
  auto wal = Open(o, &r);
  ASSERT_TRUE(wal);
  Acks acks;
  ASSERT_TRUE(wal->Submit("A", acks.For("A")).ok());
  acks.WaitFor(1);
  const uint64_t seg_before = wal->Stats().current_segment;
  faults_.FailSyncs(1);
  ASSERT_TRUE(wal->Submit("B", acks.For("B")).ok());
  acks.WaitFor(2);
  EXPECT_EQ(faults_.failed_syncs(), 1u);
  ASSERT_TRUE(wal->Submit("C", acks.For("C")).ok());
  acks.WaitFor(3);
  auto a = acks.Take();
  EXPECT_TRUE(a[0].status.ok());
  EXPECT_FALSE(a[1].status.ok());
  EXPECT_TRUE(a[2].status.ok()) << a[2].status.ToString();
  WalStats st = wal->Stats();
  EXPECT_EQ(st.failed_groups, 1u);
  EXPECT_FALSE(st.last_error.empty());
  EXPECT_GT(st.current_segment, seg_before);  // continued in a new segment
  EXPECT_GT(a[2].seq, a[1].seq);              // numbers never reused
  wal.reset();

  Replayed back = Reopen(o);
  EXPECT_FALSE(back.report.corrupt);
  auto c = Counts(back);
  EXPECT_EQ(c["A"], 1);
  EXPECT_EQ(c["C"], 1);
  EXPECT_LE(c["B"], 1);
  ExpectIncreasingSeqs(back);
}

TEST_F(WalTest, RepeatedFsyncFailuresNeverDuplicate) {
  auto o = Options();
  Replayed r;
  auto wal = Open(o, &r);
  ASSERT_TRUE(wal);
  Acks acks;
  std::vector<std::string> sent;
  for (int i = 0; i < 40; ++i) {
    if (i % 3 == 1) faults_.FailSyncs(1 + i % 2);  // sometimes the new segment's sync fails too
    std::string p = "r" + std::to_string(i);
    sent.push_back(p);
    ASSERT_TRUE(wal->Submit(p, acks.For(p)).ok());
    acks.WaitFor(i + 1);
  }
  faults_.ClearFaults();
  wal.reset();
  auto a = acks.Take();
  Replayed back = Reopen(o);
  EXPECT_FALSE(back.report.corrupt);
  auto c = Counts(back);
  int failed = 0;
  for (const auto& x : a) {
    if (x.status.ok()) {
      EXPECT_EQ(c[x.payload], 1) << x.payload;
    } else {
      ++failed;
      EXPECT_LE(c[x.payload], 1) << x.payload;
    }
  }
  EXPECT_GT(failed, 5);
  ExpectIncreasingSeqs(back);
}

TEST_F(WalTest, DiskFullFailsTheGroupThenRecovers) {
  auto o = Options();
  Replayed r;
  auto wal = Open(o, &r);
  ASSERT_TRUE(wal);
  Acks acks;
  ASSERT_TRUE(wal->Submit("A" + std::string(200, 'a'), acks.For("A")).ok());
  acks.WaitFor(1);
  faults_.SetSpaceLeft(50);  // the next frame only partly fits
  ASSERT_TRUE(wal->Submit("B" + std::string(200, 'b'), acks.For("B")).ok());
  acks.WaitFor(2);
  ASSERT_TRUE(wal->Submit("C" + std::string(200, 'c'), acks.For("C")).ok());  // still full
  acks.WaitFor(3);
  faults_.ClearFaults();
  ASSERT_TRUE(wal->Submit("D" + std::string(200, 'd'), acks.For("D")).ok());
  acks.WaitFor(4);
  auto a = acks.Take();
  EXPECT_TRUE(a[0].status.ok());
  EXPECT_EQ(a[1].status.code(), StatusCode::kResourceExhausted) << a[1].status.ToString();
  EXPECT_FALSE(a[2].status.ok());
  EXPECT_TRUE(a[3].status.ok()) << a[3].status.ToString();
  EXPECT_EQ(wal->Stats().failed_groups, 2u);
  wal.reset();

  Replayed back = Reopen(o);
  EXPECT_FALSE(back.report.corrupt) << back.report.segments.back().reason;
  std::map<char, int> c;
  for (const auto& [seq, p] : back.records) ++c[p[0]];
  EXPECT_EQ(c['A'], 1);
  EXPECT_EQ(c['D'], 1);
  EXPECT_LE(c['B'], 1);
  EXPECT_LE(c['C'], 1);
  ExpectIncreasingSeqs(back);
}

// While the in-memory heads hold too much, the WAL thread waits before
// writing (records queue up) and goes on once memory is released.
TEST_F(WalTest, WaitsWhileBackpressureIsOn) {
  struct Limit {
    Limit() { backpressure::SetLimit(1000, std::chrono::seconds(30)); }
    ~Limit() { backpressure::SetLimit(0); }
  } limit;
  backpressure::Register(800);  // a frozen head
  backpressure::Register(800);  // the active head
  Replayed r;
  auto wal = Open(Options(), &r);
  ASSERT_NE(wal, nullptr);
  Acks acks;
  ASSERT_TRUE(wal->Submit("a", acks.For("a")).ok());
  ASSERT_TRUE(wal->Submit("b", acks.For("b")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(acks.Take().empty());
  EXPECT_EQ(wal->Stats().queued_records, 2u);
  backpressure::Unregister(800);  // the frozen head was flushed
  acks.WaitFor(2);
  for (const auto& a : acks.Take()) EXPECT_TRUE(a.status.ok());
  EXPECT_EQ(wal->Stats().groups, 1u);  // the queued records went in one group
  // Under the limit: no waiting.
  ASSERT_TRUE(wal->Submit("c", acks.For("c")).ok());
  acks.WaitFor(3);
  backpressure::Unregister(800);
  EXPECT_GE(backpressure::GetStats().waits, 1u);
}

// Closing the log does not wait for memory to be released.
TEST_F(WalTest, CloseWhileWaitingForBackpressure) {
  struct Limit {
    Limit() { backpressure::SetLimit(1000, std::chrono::seconds(60)); }
    ~Limit() { backpressure::SetLimit(0); }
  } limit;
  backpressure::Register(800);
  backpressure::Register(800);
  Acks acks;
  const auto t0 = std::chrono::steady_clock::now();
  {
    Replayed r;
    auto wal = Open(Options(), &r);
    ASSERT_NE(wal, nullptr);
    ASSERT_TRUE(wal->Submit("a", acks.For("a")).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }  // the destructor drains the queue
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  ASSERT_EQ(acks.Take().size(), 1u);
  EXPECT_TRUE(acks.Take()[0].status.ok());
  backpressure::Unregister(800);
  backpressure::Unregister(800);
  EXPECT_EQ(Reopen(Options()).records.size(), 1u);
}

TEST_F(WalTest, QueueFullIsResourceExhausted) {
  auto o = Options();
  o.max_queued_bytes = 1000;
  Replayed r;
  auto wal = Open(o, &r);
  ASSERT_TRUE(wal);
  Gate gate;
  ASSERT_TRUE(wal->Submit("gate", gate.Callback()).ok());
  gate.WaitEntered();
  Acks acks;
  ASSERT_TRUE(wal->Submit(std::string(600, 'x'), acks.For("x")).ok());
  ASSERT_TRUE(wal->Submit(std::string(400, 'y'), acks.For("y")).ok());  // exactly at the limit
  bool called = false;
  Status full = wal->Submit("z", [&called](const Status&, uint64_t) { called = true; });
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();
  EXPECT_EQ(wal->Stats().queued_bytes, 1000u);
  gate.Open();
  acks.WaitFor(2);
  // Drained: accepted again, even a record larger than the limit on an empty queue.
  ASSERT_TRUE(wal->Submit(std::string(5000, 'w'), acks.For("w")).ok());
  acks.WaitFor(3);
  wal.reset();
  EXPECT_FALSE(called);  // a refused record never gets a callback
  for (const auto& x : acks.Take()) EXPECT_TRUE(x.status.ok());
  auto c = Counts(Reopen(o));
  EXPECT_EQ(c.count("z"), 0u);
  EXPECT_EQ(c[std::string(5000, 'w')], 1);
}

TEST_F(WalTest, TornTailIsIgnoredAndOldSegmentsAreNeverAppended) {
  auto o = Options();
  {
    Replayed r;
    auto wal = Open(o, &r);
    ASSERT_TRUE(wal);
    Acks acks;
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(wal->Submit("t" + std::to_string(i), acks.For("t")).ok());
    acks.WaitFor(10);
  }
  // A crash mid-write left half a frame at the end of segment 1.
  std::string seg1 = dir_.Sub("wal/" + SegmentFileName(1));
  std::string image;
  ASSERT_TRUE(fs::ReadFileToString(fs::DefaultFileSystem(), seg1, &image).ok());
  std::string frame;
  AppendFrame(&frame, 11, "half-written");
  image += frame.substr(0, frame.size() / 2);
  ASSERT_TRUE(fs::WriteFileAtomically(fs::DefaultFileSystem(), seg1, image).ok());

  Replayed back;
  auto wal = Open(o, &back);
  ASSERT_TRUE(wal);
  EXPECT_EQ(back.records.size(), 10u);
  EXPECT_FALSE(back.report.corrupt);
  EXPECT_EQ(back.report.torn_tails(), 1u);
  EXPECT_EQ(back.report.segments[0].tail, TailState::kTorn);
  Acks acks;
  ASSERT_TRUE(wal->Submit("new", acks.For("new")).ok());
  acks.WaitFor(1);
  wal.reset();
  auto size = fs::DefaultFileSystem()->FileSize(seg1);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, image.size());  // untouched
  Replayed again = Reopen(o);
  EXPECT_EQ(again.records.size(), 11u);
  EXPECT_EQ(again.records.back().second, "new");
  ExpectIncreasingSeqs(again);
}

TEST_F(WalTest, TornSegmentCreationIsIgnored) {
  auto o = Options();
  {
    Replayed r;
    auto wal = Open(o, &r);
    Acks acks;
    ASSERT_TRUE(wal->Submit("one", acks.For("one")).ok());
    acks.WaitFor(1);
  }
  // A later process died while writing the header of its segment.
  std::string seg = dir_.Sub("wal/" + SegmentFileName(2));
  ASSERT_TRUE(fs::WriteFileAtomically(fs::DefaultFileSystem(), seg, EncodeSegmentHeader(2).substr(0, 13)).ok());
  Replayed back;
  auto wal = Open(o, &back);
  ASSERT_TRUE(wal);
  EXPECT_FALSE(back.report.corrupt);
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_EQ(wal->Stats().current_segment, 3u);  // the number is not reused
}

TEST_F(WalTest, ReplayErrorFailsOpen) {
  auto o = Options();
  {
    Replayed r;
    auto wal = Open(o, &r);
    Acks acks;
    ASSERT_TRUE(wal->Submit("bad", acks.For("bad")).ok());
    acks.WaitFor(1);
  }
  ReplayReport report;
  auto wal = Wal::Open(o, [](uint64_t, std::string_view) { return Status::Corruption("cannot decode"); }, &report);
  ASSERT_FALSE(wal.ok());
  EXPECT_EQ(wal.status().code(), StatusCode::kCorruption);
  EXPECT_NE(wal.status().message().find("cannot decode"), std::string::npos);
}

}  // namespace
}  // namespace agentperf::wal
