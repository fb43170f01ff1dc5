// Tests for WAL recovery from damaged segments: corruption in a middle
// segment, quarantine, mismatched headers, and the read-only ScanWal.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "store/fs/file_system.h"
#include "testing/temp_dir.h"
#include "wal/wal.h"

namespace agentperf::wal {
namespace {

using testing::TempDir;

fs::FileSystem* Posix() { return fs::DefaultFileSystem(); }

struct Replayed {
  std::vector<std::pair<uint64_t, std::string>> records;
  ReplayReport report;
};

class WalRecoveryTest : public ::testing::Test {
 protected:
  WalOptions Options() {
    WalOptions o;
    o.fs = Posix();
    o.dir = dir_.Sub("wal");
    o.segment_bytes = 600;
    return o;
  }
  std::unique_ptr<Wal> Open(Replayed* out) {
    out->records.clear();
    auto wal = Wal::Open(
        Options(),
        [out](uint64_t seq, std::string_view p) {
          out->records.emplace_back(seq, std::string(p));
          return Status::OK();
        },
        &out->report);
    EXPECT_TRUE(wal.ok()) << wal.status().ToString();
    return wal.ok() ? std::move(wal).value() : nullptr;
  }
  // Writes n records one group at a time (so small segments roll over).
  void Write(Wal* wal, const std::string& prefix, int n) {
    std::mutex mu;
    std::condition_variable cv;
    int done = 0;
    for (int i = 0; i < n; ++i) {
      std::string p = prefix + std::to_string(i) + std::string(80, '.');
      ASSERT_TRUE(wal->Submit(p, [&](const Status& s, uint64_t) {
                       EXPECT_TRUE(s.ok()) << s.ToString();
                       std::lock_guard<std::mutex> l(mu);
                       ++done;
                       cv.notify_all();
                     }).ok());
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return done == i + 1; });
    }
  }
  std::string SegPath(uint64_t no) { return dir_.Sub("wal/" + SegmentFileName(no)); }
  std::string ReadFile(const std::string& path) {
    std::string s;
    EXPECT_TRUE(fs::ReadFileToString(Posix(), path, &s).ok()) << path;
    return s;
  }
  // Every file below the data dir and its contents.
  std::map<std::string, std::string> Snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    auto names = Posix()->ListDir(dir);
    EXPECT_TRUE(names.ok());
    for (const auto& n : *names) {
      std::string p = fs::JoinPath(dir, n);
      auto sub = Posix()->ListDir(p);
      if (sub.ok()) {
        for (auto& [k, v] : Snapshot(p)) out[k] = v;
      } else {
        out[p] = ReadFile(p);
      }
    }
    return out;
  }
  // Offsets of the frames of a segment image.
  static std::vector<size_t> FrameOffsets(const std::string& image) {
    std::vector<size_t> offs;
    SegmentReader r(image, 0);
    uint64_t seq;
    std::string_view p;
    size_t at = r.valid_bytes();
    while (r.Next(&seq, &p)) {
      offs.push_back(at);
      at = r.valid_bytes();
    }
    return offs;
  }
  size_t RecordsIn(uint64_t no) { return FrameOffsets(ReadFile(SegPath(no))).size(); }
  // Writes ~7 small segments; returns the records in order.
  std::vector<std::string> Populate() {
    Replayed r;
    auto wal = Open(&r);
    Write(wal.get(), "p", 40);
    wal.reset();
    EXPECT_GE(Posix()->ListDir(dir_.Sub("wal"))->size(), 6u);
    Replayed all;
    wal = Open(&all);
    std::vector<std::string> out;
    for (auto& [s, p] : all.records) out.push_back(p);
    return out;
  }

  TempDir dir_;
};

const SegmentReport* FindCorrupt(const ReplayReport& report) {
  for (const auto& s : report.segments) {
    if (s.tail == TailState::kCorrupt) return &s;
  }
  return nullptr;
}

TEST_F(WalRecoveryTest, CorruptMiddleSegmentIsQuarantinedAndWritingGoesOn) {
  std::vector<std::string> all = Populate();
  ASSERT_EQ(all.size(), 40u);
  const size_t n1 = RecordsIn(1), n2 = RecordsIn(2), n3 = RecordsIn(3);
  // Damage the third record of segment 3 (valid ones follow it).
  std::string image = ReadFile(SegPath(3));
  auto offs = FrameOffsets(image);
  ASSERT_GE(offs.size(), 4u);
  const size_t bad_at = offs[2];
  image[bad_at + kFrameHeaderSize + 5] ^= 0x20;
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), SegPath(3), image).ok());

  Replayed r;
  auto wal = Open(&r);
  ASSERT_TRUE(wal);  // Open still succeeds
  EXPECT_TRUE(r.report.corrupt);
  const SegmentReport* bad = FindCorrupt(r.report);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->segment_no, 3u);
  EXPECT_EQ(bad->bad_offset, bad_at);
  EXPECT_EQ(bad->records, 2u);
  // Reading segment 3 stopped at the bad record; segments 4.. are independent
  // files and were read in full: only segment 3's records from the bad one on are missing.
  std::vector<std::string> expected;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i < n1 + n2 + 2 || i >= n1 + n2 + n3) expected.push_back(all[i]);
  }
  ASSERT_EQ(r.records.size(), expected.size());
  for (size_t i = 0; i < r.records.size(); ++i) EXPECT_EQ(r.records[i].second, expected[i]) << i;

  // Only the corrupt segment was moved aside (not deleted); later ones stay live.
  ASSERT_FALSE(r.report.quarantine_dir.empty());
  EXPECT_NE(r.report.quarantine_dir.find("quarantine-"), std::string::npos);
  auto q = Posix()->ListDir(r.report.quarantine_dir);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 1u);
  EXPECT_EQ(q->front(), SegmentFileName(3));
  EXPECT_EQ(ReadFile(fs::JoinPath(r.report.quarantine_dir, SegmentFileName(3))), image);
  EXPECT_TRUE(Posix()->FileExists(SegPath(4)));
  // Segment 3 lives on as a clean copy of its records before the bad one.
  EXPECT_EQ(ReadFile(SegPath(3)), image.substr(0, bad_at));
  EXPECT_FALSE(Posix()->FileExists(SegPath(3) + ".recovered"));

  // New writes work and get a fresh segment number and fresh sequence numbers.
  const uint64_t last_replayed = r.records.back().first;
  Write(wal.get(), "n", 3);
  EXPECT_GT(wal->Stats().last_seq, last_replayed);
  wal.reset();

  // Everything the first recovery replayed is still there after the next one,
  // followed by the new records, with no corruption left in the live log.
  Replayed again;
  wal = Open(&again);
  ASSERT_TRUE(wal);
  EXPECT_FALSE(again.report.corrupt);
  const size_t prefix = r.records.size();
  ASSERT_EQ(again.records.size(), prefix + 3);
  for (size_t i = 0; i < prefix; ++i) EXPECT_EQ(again.records[i].second, expected[i]) << i;
  EXPECT_EQ(again.records[prefix].second.substr(0, 2), "n0");
  for (size_t i = 1; i < again.records.size(); ++i) EXPECT_LT(again.records[i - 1].first, again.records[i].first);
}

TEST_F(WalRecoveryTest, InterruptedQuarantineIsFinishedAtTheNextStart) {
  std::vector<std::string> all = Populate();
  const size_t n1 = RecordsIn(1), n2 = RecordsIn(2);
  // As if a crash hit after segment 2 was moved to quarantine but before its
  // clean copy (already durable as ".recovered") was renamed into place.
  std::string image = ReadFile(SegPath(2));
  auto offs = FrameOffsets(image);
  ASSERT_GE(offs.size(), 2u);
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), SegPath(2) + ".recovered", image.substr(0, offs[1])).ok());
  ASSERT_TRUE(Posix()->CreateDirs(dir_.Sub("wal/quarantine-1")).ok());
  ASSERT_TRUE(Posix()->RenameFile(SegPath(2), dir_.Sub("wal/quarantine-1/") + SegmentFileName(2)).ok());
  Replayed r;
  auto wal = Open(&r);
  ASSERT_TRUE(wal);
  EXPECT_FALSE(r.report.corrupt);
  EXPECT_TRUE(Posix()->FileExists(SegPath(2)));
  EXPECT_FALSE(Posix()->FileExists(SegPath(2) + ".recovered"));
  // Segment 2 contributes its first record (the recovered prefix); the rest follows.
  ASSERT_EQ(r.records.size(), all.size() - (n2 - 1));
  EXPECT_EQ(r.records[n1].second, all[n1]);
  EXPECT_EQ(r.records[n1 + 1].second, all[n1 + n2]);
  wal.reset();
  // A stale ".recovered" next to a segment that is still there is dropped.
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), SegPath(1) + ".recovered", "junk").ok());
  Replayed again;
  wal = Open(&again);
  ASSERT_TRUE(wal);
  EXPECT_FALSE(Posix()->FileExists(SegPath(1) + ".recovered"));
  EXPECT_EQ(again.records.size(), r.records.size());
}

TEST_F(WalRecoveryTest, SecondQuarantineOfTheSameSegmentKeepsTheFirst) {
  const size_t total = Populate().size();
  const size_t n3 = RecordsIn(3);
  const std::string original = ReadFile(SegPath(3));
  auto offs = FrameOffsets(original);
  ASSERT_GE(offs.size(), 4u);
  std::string damaged = original;
  damaged[offs[2] + 1] ^= 0x01;
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), SegPath(3), damaged).ok());
  std::string first_q;
  {
    Replayed r;
    auto wal = Open(&r);
    ASSERT_TRUE(wal);
    ASSERT_TRUE(r.report.corrupt);
    first_q = r.report.quarantine_dir;
    EXPECT_EQ(r.records.size(), total - (n3 - 2));
  }
  // The live copy of segment 3 is damaged too, right away (same second).
  std::string copy = ReadFile(SegPath(3));
  auto copy_offs = FrameOffsets(copy);
  ASSERT_EQ(copy_offs.size(), 2u);
  copy[copy_offs[0] + 2] ^= 0x01;
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), SegPath(3), copy).ok());
  Replayed r;
  auto wal = Open(&r);
  ASSERT_TRUE(wal);
  ASSERT_TRUE(r.report.corrupt);
  EXPECT_EQ(r.records.size(), total - n3);
  EXPECT_NE(r.report.quarantine_dir, first_q);
  // Both damaged versions are kept.
  EXPECT_EQ(ReadFile(fs::JoinPath(first_q, SegmentFileName(3))), damaged);
  EXPECT_EQ(ReadFile(fs::JoinPath(r.report.quarantine_dir, SegmentFileName(3))), copy);
}

TEST_F(WalRecoveryTest, SegmentNamedDifferentlyFromItsHeaderIsCorrupt) {
  std::vector<std::string> all = Populate();
  ASSERT_EQ(all.size(), 40u);
  const size_t n4 = RecordsIn(4);
  // Segment 4's file holds segment 3's header.
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), SegPath(4), ReadFile(SegPath(3))).ok());
  Replayed r;
  auto wal = Open(&r);
  ASSERT_TRUE(wal);
  EXPECT_TRUE(r.report.corrupt);
  const SegmentReport* bad = FindCorrupt(r.report);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->segment_no, 4u);
  EXPECT_NE(bad->reason.find("header"), std::string::npos);
  // Everything but segment 4 is replayed (later segments too).
  EXPECT_EQ(r.records.size(), all.size() - n4);
  EXPECT_FALSE(Posix()->FileExists(SegPath(4)));
}

TEST_F(WalRecoveryTest, DamagedHeaderOfAFullSegmentIsCorrupt) {
  std::vector<std::string> all = Populate();
  const size_t n2 = RecordsIn(2);
  std::string image = ReadFile(SegPath(2));
  image[17] ^= 0x01;
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), SegPath(2), image).ok());
  Replayed r;
  auto wal = Open(&r);
  ASSERT_TRUE(wal);
  EXPECT_TRUE(r.report.corrupt);
  const SegmentReport* bad = FindCorrupt(r.report);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->segment_no, 2u);
  EXPECT_EQ(r.records.size(), all.size() - n2);
  wal.reset();
  Replayed again;
  wal = Open(&again);
  EXPECT_FALSE(again.report.corrupt);
  EXPECT_EQ(again.records.size(), all.size() - n2);
}

TEST_F(WalRecoveryTest, ScanWalDoesNotModifyFiles) {
  Populate();
  const size_t first4 = RecordsIn(1) + RecordsIn(2) + RecordsIn(3) + RecordsIn(4);
  size_t later = 0, segments = 5;  // records in segments 6.. (read past the corruption in 5)
  for (uint64_t no = 6; Posix()->FileExists(SegPath(no)); ++no, ++segments) later += RecordsIn(no);
  // Damage: a torn tail on segment 2 and a corrupt record in segment 5.
  std::string s2 = ReadFile(SegPath(2));
  std::string s5 = ReadFile(SegPath(5));
  auto offs = FrameOffsets(s5);
  ASSERT_GE(offs.size(), 3u);
  s5[offs[1] + 1] ^= 0x04;
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), SegPath(2), s2 + std::string(9, '\x01')).ok());
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), SegPath(5), s5).ok());
  auto before = Snapshot(dir_.path());

  uint64_t seen = 0;
  ReplayReport report;
  ASSERT_TRUE(ScanWal(Posix(), dir_.Sub("wal"), [&](uint64_t, std::string_view) {
                ++seen;
                return Status::OK();
              }, &report).ok());
  EXPECT_TRUE(report.corrupt);
  EXPECT_TRUE(report.quarantine_dir.empty());
  EXPECT_EQ(report.segments.size(), segments);
  EXPECT_EQ(report.segments[1].tail, TailState::kTorn);
  EXPECT_EQ(report.segments[4].tail, TailState::kCorrupt);
  EXPECT_EQ(report.torn_tails(), 1u);
  EXPECT_EQ(report.records, first4 + 1 + later);
  EXPECT_EQ(seen, report.records);
  ReplayReport again;
  ASSERT_TRUE(ScanWal(Posix(), dir_.Sub("wal"), nullptr, &again).ok());  // null fn allowed
  EXPECT_EQ(again.records, report.records);
  EXPECT_EQ(Snapshot(dir_.path()), before);

  // A callback error stops the scan with context.
  Status st = ScanWal(Posix(), dir_.Sub("wal"), [](uint64_t, std::string_view) {
    return Status::Corruption("nope");
  }, &report);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(Snapshot(dir_.path()), before);
  EXPECT_FALSE(ScanWal(Posix(), dir_.Sub("missing"), nullptr, &report).ok());
}

TEST_F(WalRecoveryTest, UnrelatedFilesInTheWalDirectoryAreIgnored) {
  Populate();
  ASSERT_TRUE(fs::WriteFileAtomically(Posix(), dir_.Sub("wal/notes.txt"), "hello").ok());
  ASSERT_TRUE(Posix()->CreateDirs(dir_.Sub("wal/quarantine-1")).ok());
  Replayed r;
  auto wal = Open(&r);
  ASSERT_TRUE(wal);
  EXPECT_FALSE(r.report.corrupt);
  EXPECT_EQ(r.records.size(), 40u);
}

}  // namespace
}  // namespace agentperf::wal
