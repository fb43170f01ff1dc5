// Tests for the segment file: written from a head, read back column by
// column and id by id; every damaged byte is detected (checksums), a
// truncated file is refused, and the manifest round-trips and rejects damage.
#include "store/segment/segment_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "store/flush.h"
#include "store/head/head.h"
#include "store/manifest.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

using testing::EventJson;

event::EventBatch Events(int n) {
  std::vector<std::string> lines;
  std::mt19937_64 rng(42);
  for (int i = 0; i < n; ++i) {
    EventJson e;
    e.Set("start_ms", testing::kBaseMs + static_cast<int64_t>(rng() % 3600000));
    e.Set("duration_ms", static_cast<int64_t>(rng() % 10000));
    e.Set("agent", i % 3 ? "coder" : "tester").Set("span_id", "prt_" + std::to_string(i));
    if (i % 5 == 0) e.Set("id", "x" + std::to_string(i));
    if (i % 4 == 0) e.Raw("attrs", "{\"a\":" + std::to_string(i % 3) + "}");
    e.Raw("tokens", "{\"input\":" + std::to_string(i) + "}").Set("cost", i * 0.001);
    lines.push_back(e.Str());
  }
  return testing::Decode(testing::Ndjson(lines));
}

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    batch_ = Events(40000);  // three blocks
    head_.Apply(batch_);
    dir_path_ = dir_.Sub("seg");
    ASSERT_TRUE(fs::DefaultFileSystem()->CreateDirs(dir_path_).ok());
    auto meta = FlushHead(fs::DefaultFileSystem(), dir_path_, 1, head_, 10, 20);
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    meta_ = *meta;
    path_ = fs::JoinPath(dir_path_, segment::SegmentFileName(1));
  }
  testing::TempDir dir_;
  event::EventBatch batch_;
  Head head_;
  std::string dir_path_, path_;
  SegmentMeta meta_;
};

// FlushHeadSplit: consecutive start ranges cut on whole blocks, every row once.
TEST_F(SegmentTest, SplitFlushWritesConsecutiveSegmentsHoldingEveryRowOnce) {
  EXPECT_EQ(FlushParts(40000, 1), 1u);
  EXPECT_EQ(FlushParts(40000, 4), 1u);  // parts of >= kMinRowsPerFlushPart rows
  EXPECT_EQ(FlushParts(2 * kMinRowsPerFlushPart, 2), 2u);
  EXPECT_EQ(FlushParts(100 * kMinRowsPerFlushPart, 3), 3u);
  const std::string dir = dir_.Sub("split");
  ASSERT_TRUE(fs::DefaultFileSystem()->CreateDirs(dir).ok());
  std::vector<SummaryBuilder> builders;
  for (uint64_t no = 5; no < 8; ++no) builders.emplace_back(no);
  auto metas = FlushHeadSplit(fs::DefaultFileSystem(), dir, 5, head_, 10, 20, 3, &builders);
  ASSERT_TRUE(metas.ok()) << metas.status().ToString();
  ASSERT_EQ(metas->size(), 3u);
  std::vector<Hash128> all;
  int64_t prev_max = INT64_MIN;
  for (size_t i = 0; i < 3; ++i) {
    const SegmentMeta& m = (*metas)[i];
    EXPECT_EQ(m.no, 5 + i);
    if (i < 2) {
      EXPECT_EQ(m.rows % segment::kBlockRows, 0u) << i;
    }
    EXPECT_GE(m.min_start_us, prev_max);
    prev_max = m.max_start_us;
    auto r = segment::SegmentReader::Open(fs::DefaultFileSystem(), fs::JoinPath(dir, segment::SegmentFileName(m.no)),
                                          m.no);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->rows(), m.rows);
    EXPECT_EQ((*r)->footer().wal_seq_max, 20u);
    std::vector<Hash128> ids;
    ASSERT_TRUE((*r)->ReadIds(&ids).ok());
    all.insert(all.end(), ids.begin(), ids.end());
    EXPECT_EQ(builders[i].Finish()->segment_no, m.no);
  }
  std::vector<Hash128> expected;
  for (const auto& e : batch_.events) expected.push_back(e.id);
  std::sort(all.begin(), all.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected);
}

TEST_F(SegmentTest, ReadsBackEveryRowSortedByStart) {
  auto r = segment::SegmentReader::Open(fs::DefaultFileSystem(), path_, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& f = (*r)->footer();
  EXPECT_EQ(f.rows, 40000u);
  EXPECT_EQ(f.blocks.size(), 3u);
  EXPECT_EQ(f.wal_seq_min, 10u);
  EXPECT_EQ(f.wal_seq_max, 20u);
  EXPECT_EQ(meta_.bytes, (*r)->file_bytes());
  ASSERT_TRUE((*r)->Verify().ok());

  // Ids: the same set as the head's, each once.
  std::vector<Hash128> ids;
  ASSERT_TRUE((*r)->ReadIds(&ids).ok());
  std::vector<Hash128> expected;
  for (const auto& e : batch_.events) expected.push_back(e.id);
  std::sort(ids.begin(), ids.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected);
  for (const auto& id : expected) ASSERT_TRUE(*(*r)->Contains(id));
  EXPECT_FALSE(*(*r)->Contains(Hash128{1, 2}));

  // Columns: sorted by start; token input (= the event's index) identifies the row.
  segment::BlockBuffer buf;
  query::ColumnBlock b;
  int64_t prev = INT64_MIN;
  std::vector<bool> seen(40000);
  auto agent_dict = (*r)->Dict(event::StrField::kAgent);
  ASSERT_TRUE(agent_dict.ok());
  for (size_t i = 0; i < f.blocks.size(); ++i) {
    ASSERT_TRUE((*r)->ReadBlock(i, segment::AllColumns(), &buf, &b).ok());
    for (size_t k = 0; k < b.rows; ++k) {
      ASSERT_GE(b.start_us[k], prev);
      prev = b.start_us[k];
      const int64_t idx = b.ints[0][k];
      ASSERT_TRUE(idx >= 0 && idx < 40000);
      seen[idx] = true;
      const event::Event& e = batch_.events[idx];
      EXPECT_EQ(b.start_us[k], e.start_us);
      EXPECT_EQ(b.dur_us[k], e.end_us - e.start_us);
      EXPECT_EQ(b.dicts[static_cast<int>(event::StrField::kAgent)]->Lookup(b.str[static_cast<int>(event::StrField::kAgent)][k]),
                e.Str(event::StrField::kAgent));
      EXPECT_EQ(b.floats[0][k], e.floats[0]);
    }
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 40000);
}

TEST_F(SegmentTest, EveryDamagedByteIsDetected) {
  std::string image;
  ASSERT_TRUE(fs::ReadFileToString(fs::DefaultFileSystem(), path_, &image).ok());
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 60; ++trial) {
    std::string bad = image;
    size_t at = trial < 20 ? rng() % 64 + (trial < 10 ? 0 : bad.size() - 64) : rng() % bad.size();
    bad[at] = static_cast<char>(bad[at] ^ (1 + rng() % 255));
    ASSERT_TRUE(fs::WriteFileAtomically(fs::DefaultFileSystem(), path_, bad).ok());
    auto r = segment::SegmentReader::Open(fs::DefaultFileSystem(), path_, 1);
    if (r.ok()) {
      EXPECT_FALSE((*r)->Verify().ok()) << "flipped byte " << at << " not detected";
    }
  }
  for (size_t cut : {size_t{0}, size_t{10}, image.size() / 2, image.size() - 1}) {
    ASSERT_TRUE(fs::WriteFileAtomically(fs::DefaultFileSystem(), path_, image.substr(0, cut)).ok());
    EXPECT_FALSE(segment::SegmentReader::Open(fs::DefaultFileSystem(), path_, 1).ok()) << "cut at " << cut;
  }
}

TEST_F(SegmentTest, ReadIdsKeepsNoIdDictionaries) {
  auto r = segment::SegmentReader::Open(fs::DefaultFileSystem(), path_, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const size_t before = (*r)->MemoryBytes();
  std::vector<Hash128> ids;
  ASSERT_TRUE((*r)->ReadIds(&ids).ok());
  EXPECT_EQ(ids.size(), 40000u);
  EXPECT_EQ((*r)->MemoryBytes(), before);  // the session and span dictionaries were not kept
  // Contains keeps only the sorted ids.
  ASSERT_TRUE(*(*r)->Contains(batch_.events[7].id));
  EXPECT_EQ((*r)->MemoryBytes(), before + 40000 * sizeof(Hash128));
}

// The sorted id sets of all readers share one LRU budget; a dropped set is
// rebuilt on the next hit, and answers stay exact.
TEST_F(SegmentTest, IdCacheIsBoundedByBytes) {
  constexpr size_t kSet = 40000 * sizeof(Hash128);
  std::vector<std::shared_ptr<segment::SegmentReader>> readers;
  for (int i = 0; i < 3; ++i) {
    auto r = segment::SegmentReader::Open(fs::DefaultFileSystem(), path_, 1);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    readers.push_back(*r);
  }
  const auto s0 = segment::SegmentReader::GetIdCacheStats();
  segment::SegmentReader::SetIdCacheBudget(kSet * 2 + kSet / 2);  // room for two sets
  struct Restore {
    ~Restore() { segment::SegmentReader::SetIdCacheBudget(segment::SegmentReader::kDefaultIdCacheBytes); }
  } restore;
  const Hash128 present = batch_.events[123].id;
  for (const auto& r : readers) {
    auto c = r->Contains(present);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(*c);
  }
  auto s1 = segment::SegmentReader::GetIdCacheStats();
  EXPECT_EQ(s1.loads - s0.loads, 3u);
  EXPECT_GE(s1.evictions - s0.evictions, 1u);
  EXPECT_LE(s1.bytes, kSet * 2 + kSet / 2);
  // The first reader's set was the least recently used: dropped.
  const size_t base = readers[1]->MemoryBytes() - kSet;
  EXPECT_EQ(readers[0]->MemoryBytes(), base);
  EXPECT_EQ(readers[2]->MemoryBytes(), base + kSet);
  // Still exact without it (rebuilt), for present and absent ids.
  EXPECT_TRUE(*readers[0]->Contains(present));
  EXPECT_FALSE(*readers[0]->Contains(Hash128{1, 2}));
  EXPECT_EQ(segment::SegmentReader::GetIdCacheStats().loads - s0.loads, 4u);
  // A budget below one set still keeps the most recent one.
  segment::SegmentReader::SetIdCacheBudget(1);
  auto s2 = segment::SegmentReader::GetIdCacheStats();
  EXPECT_EQ(s2.sets, 1u);  // (if no other reader of this process holds a set)
  EXPECT_EQ(s2.bytes, kSet);
  for (const auto& id : {present, batch_.events[39999].id}) EXPECT_TRUE(*readers[1]->Contains(id));
  // Readers that go leave the cache.
  readers.clear();
  EXPECT_EQ(segment::SegmentReader::GetIdCacheStats().sets, s0.sets);
}

TEST(ManifestTest, RoundTripsAndRejectsDamage) {
  Manifest m;
  m.next_segment = 9;
  m.flushed_seq = 12345;
  m.segments.push_back(SegmentMeta{3, 100, 2000, -5, 77, 1, 50, 0});
  m.segments.push_back(SegmentMeta{8, 7, 300, 80, 90, 51, 60, 2});
  std::string text = m.Encode();
  auto back = Manifest::Decode(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->next_segment, 9u);
  EXPECT_EQ(back->flushed_seq, 12345u);
  ASSERT_EQ(back->segments.size(), 2u);
  EXPECT_EQ(back->segments[0].min_start_us, -5);
  EXPECT_EQ(back->segments[1].level, 2u);
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    std::string bad = text;
    bad[i] = bad[i] == 'x' ? 'y' : 'x';
    EXPECT_FALSE(Manifest::Decode(bad).ok()) << "byte " << i;
  }
  EXPECT_FALSE(Manifest::Decode(text.substr(0, text.size() / 2)).ok());
}

}  // namespace
}  // namespace agentperf::store
