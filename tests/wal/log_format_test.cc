// Tests for WAL framing (docs/format/wal.md): segment headers, record frames,
// and how a reader classifies the end of a segment (clean, torn, corrupt).
#include "wal/log_format.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/coding.h"
#include "core/crc32c.h"

namespace agentperf::wal {
namespace {

struct Built {
  std::string image;
  std::vector<size_t> offsets;  // start of each frame
};

Built MakeSegment(uint64_t segment_no, const std::vector<std::pair<uint64_t, std::string>>& records) {
  Built b;
  b.image = EncodeSegmentHeader(segment_no);
  for (const auto& [seq, payload] : records) {
    b.offsets.push_back(b.image.size());
    AppendFrame(&b.image, seq, payload);
  }
  return b;
}

std::vector<std::pair<uint64_t, std::string>> Records(uint64_t first_seq, int n, size_t payload_bytes = 40) {
  std::vector<std::pair<uint64_t, std::string>> r;
  for (int i = 0; i < n; ++i) {
    std::string p = "payload-" + std::to_string(i) + "-";
    while (p.size() < payload_bytes) p.push_back(static_cast<char>('a' + (p.size() + i) % 26));
    r.emplace_back(first_seq + i, p);
  }
  return r;
}

// Reads every valid record of an image.
std::vector<std::pair<uint64_t, std::string>> ReadAll(SegmentReader* r) {
  std::vector<std::pair<uint64_t, std::string>> out;
  uint64_t seq;
  std::string_view payload;
  while (r->Next(&seq, &payload)) out.emplace_back(seq, std::string(payload));
  // Next keeps answering false once done.
  EXPECT_FALSE(r->Next(&seq, &payload));
  return out;
}

TEST(SegmentHeaderTest, RoundTrip) {
  for (uint64_t no : {uint64_t{1}, uint64_t{2}, uint64_t{0xdeadbeef}, ~uint64_t{0}}) {
    std::string h = EncodeSegmentHeader(no);
    ASSERT_EQ(h.size(), kSegmentHeaderSize);
    EXPECT_EQ(h.substr(0, 8), "APERFWAL");
    EXPECT_EQ(coding::DecodeFixed32(h.data() + 8), kFormatVersion);
    EXPECT_EQ(coding::DecodeFixed32(h.data() + 12), 0u);
    EXPECT_EQ(coding::DecodeFixed64(h.data() + 16), no);
    EXPECT_EQ(coding::DecodeFixed32(h.data() + 28), 0u);
    uint64_t got = 0;
    ASSERT_TRUE(DecodeSegmentHeader(h, &got).ok());
    EXPECT_EQ(got, no);
  }
}

TEST(SegmentHeaderTest, RejectsDamage) {
  std::string h = EncodeSegmentHeader(7);
  uint64_t no = 0;
  EXPECT_EQ(DecodeSegmentHeader(h.substr(0, 31), &no).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeSegmentHeader("", &no).code(), StatusCode::kCorruption);
  std::string bad_magic = h;
  bad_magic[0] = 'B';
  EXPECT_EQ(DecodeSegmentHeader(bad_magic, &no).code(), StatusCode::kCorruption);
  for (size_t i = 8; i < 28; ++i) {
    std::string flipped = h;
    flipped[i] ^= 0x10;
    EXPECT_EQ(DecodeSegmentHeader(flipped, &no).code(), StatusCode::kCorruption) << "byte " << i;
  }
  // A future version with a valid checksum is refused too.
  std::string v2 = h.substr(0, 8);
  coding::PutFixed32(&v2, 2);
  coding::PutFixed32(&v2, 0);
  coding::PutFixed64(&v2, 7);
  coding::PutFixed32(&v2, crc32c::Mask(crc32c::Value(v2.data(), 24)));
  coding::PutFixed32(&v2, 0);
  Status st = DecodeSegmentHeader(v2, &no);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("version"), std::string::npos) << st.ToString();
}

TEST(FrameTest, LayoutMatchesTheSpec) {
  std::string frame;
  AppendFrame(&frame, 0x0102030405060708ull, "hello");
  ASSERT_EQ(frame.size(), kFrameHeaderSize + 5);
  EXPECT_EQ(coding::DecodeFixed32(frame.data() + 4), 5u);
  EXPECT_EQ(static_cast<uint8_t>(frame[8]), kFullRecord);
  EXPECT_EQ(coding::DecodeFixed64(frame.data() + 9), 0x0102030405060708ull);
  EXPECT_EQ(frame.substr(17), "hello");
  uint32_t crc = crc32c::Value(frame.data() + 8, 9 + 5);
  EXPECT_EQ(coding::DecodeFixed32(frame.data()), crc32c::Mask(crc));
}

TEST(SegmentReaderTest, CleanSegmentRoundTrip) {
  auto recs = Records(1, 50);
  recs.emplace_back(51, "");                            // empty payload
  recs.emplace_back(52, std::string(1 << 20, '\xff'));  // large payload
  recs.emplace_back(53, std::string("\0\0\0binary\0", 10));
  Built b = MakeSegment(3, recs);
  SegmentReader r(b.image, 0);
  ASSERT_TRUE(r.header_status().ok());
  EXPECT_EQ(r.segment_no(), 3u);
  EXPECT_EQ(ReadAll(&r), recs);
  EXPECT_EQ(r.tail(), TailState::kClean);
  EXPECT_EQ(r.valid_bytes(), b.image.size());
  EXPECT_EQ(r.records(), recs.size());
  EXPECT_EQ(r.last_seq(), 53u);
  EXPECT_TRUE(r.reason().empty());
}

TEST(SegmentReaderTest, HeaderOnlySegmentIsCleanAndEmpty) {
  Built b = MakeSegment(1, {});
  SegmentReader r(b.image, 9);
  EXPECT_TRUE(ReadAll(&r).empty());
  EXPECT_EQ(r.tail(), TailState::kClean);
  EXPECT_EQ(r.records(), 0u);
  EXPECT_EQ(r.last_seq(), 9u);  // min_seq carries through
  EXPECT_EQ(r.valid_bytes(), kSegmentHeaderSize);
}

TEST(SegmentReaderTest, SequenceGapsAreAllowed) {
  Built b = MakeSegment(1, {{5, "a"}, {6, "b"}, {100, "c"}});
  SegmentReader r(b.image, 4);
  EXPECT_EQ(ReadAll(&r).size(), 3u);
  EXPECT_EQ(r.tail(), TailState::kClean);
  EXPECT_EQ(r.last_seq(), 100u);
}

TEST(SegmentReaderTest, TornTailAtEveryOffsetOfTheLastRecord) {
  auto recs = Records(1, 5);
  Built b = MakeSegment(1, recs);
  const size_t last = b.offsets.back();
  for (size_t cut = last + 1; cut < b.image.size(); ++cut) {
    SegmentReader r(std::string_view(b.image).substr(0, cut), 0);
    auto got = ReadAll(&r);
    ASSERT_EQ(got.size(), 4u) << "cut at " << cut;
    EXPECT_EQ(got, (std::vector<std::pair<uint64_t, std::string>>(recs.begin(), recs.begin() + 4)));
    EXPECT_EQ(r.tail(), TailState::kTorn) << "cut at " << cut;
    EXPECT_EQ(r.bad_offset(), last);
    EXPECT_EQ(r.valid_bytes(), last);
    EXPECT_FALSE(r.reason().empty());
  }
  // Cutting exactly at a frame boundary leaves a clean, shorter segment.
  SegmentReader at_boundary(std::string_view(b.image).substr(0, last), 0);
  EXPECT_EQ(ReadAll(&at_boundary).size(), 4u);
  EXPECT_EQ(at_boundary.tail(), TailState::kClean);
}

TEST(SegmentReaderTest, TornGroupWriteAtEveryOffset) {
  // A group commit writes several frames at once; a crash may keep any prefix.
  auto recs = Records(1, 8, 30);
  Built b = MakeSegment(1, recs);
  for (size_t cut = kSegmentHeaderSize; cut <= b.image.size(); ++cut) {
    SegmentReader r(std::string_view(b.image).substr(0, cut), 0);
    auto got = ReadAll(&r);
    size_t complete = 0;
    while (complete < recs.size() &&
           (complete + 1 < b.offsets.size() ? b.offsets[complete + 1] : b.image.size()) <= cut) {
      ++complete;
    }
    ASSERT_EQ(got.size(), complete) << "cut at " << cut;
    bool boundary = cut == b.image.size() || (complete < b.offsets.size() && b.offsets[complete] == cut);
    EXPECT_EQ(r.tail(), boundary ? TailState::kClean : TailState::kTorn) << "cut at " << cut;
  }
}

TEST(SegmentReaderTest, TruncatedHeaderIsTorn) {
  Built b = MakeSegment(1, {});
  for (size_t cut = 0; cut < kSegmentHeaderSize; ++cut) {
    SegmentReader r(std::string_view(b.image).substr(0, cut), 0);
    EXPECT_FALSE(r.header_status().ok());
    EXPECT_TRUE(ReadAll(&r).empty());
    EXPECT_EQ(r.tail(), TailState::kTorn) << "cut at " << cut;
  }
}

TEST(SegmentReaderTest, ZeroFilledTailIsTorn) {
  auto recs = Records(1, 4);
  for (size_t zeros : {size_t{1}, size_t{16}, size_t{17}, size_t{4096}}) {
    Built b = MakeSegment(1, recs);
    const size_t end = b.image.size();
    b.image.append(zeros, '\0');
    SegmentReader r(b.image, 0);
    EXPECT_EQ(ReadAll(&r), recs);
    EXPECT_EQ(r.tail(), TailState::kTorn) << zeros << " zero bytes";
    EXPECT_EQ(r.bad_offset(), end);
    EXPECT_EQ(r.valid_bytes(), end);
  }
  // The whole last record zeroed, and more zeros after it.
  Built b = MakeSegment(1, recs);
  size_t last = b.offsets.back();
  for (size_t i = last; i < b.image.size(); ++i) b.image[i] = '\0';
  b.image.append(512, '\0');
  SegmentReader r(b.image, 0);
  EXPECT_EQ(ReadAll(&r).size(), 3u);
  EXPECT_EQ(r.tail(), TailState::kTorn);
  EXPECT_EQ(r.bad_offset(), last);
}

TEST(SegmentReaderTest, CompleteLastFrameWithZeroedPayloadIsCorruption) {
  // The frame header survived and its length fits in the file, but the
  // payload's end reads as zeros: per the format, a complete frame that fails
  // its checks is corruption even at the end (it may have been acknowledged).
  auto recs = Records(1, 4);
  Built b = MakeSegment(1, recs);
  size_t last = b.offsets.back();
  for (size_t i = last + kFrameHeaderSize + 10; i < b.image.size(); ++i) b.image[i] = '\0';
  SegmentReader r(b.image, 0);
  EXPECT_EQ(ReadAll(&r).size(), 3u);
  EXPECT_EQ(r.tail(), TailState::kCorrupt);
  EXPECT_EQ(r.bad_offset(), last);
}

TEST(SegmentReaderTest, WholeZeroPagesEndingTheFileAreATornWrite) {
  // A power loss after the file system extended the file but before it wrote
  // the last pages of a large frame: the file ends with zero pages (page
  // aligned) after the frame's start. That is a torn write, not corruption.
  auto recs = Records(1, 3);
  recs.emplace_back(4, std::string(3 * 4096, 'x'));
  Built b = MakeSegment(1, recs);
  const size_t last = b.offsets.back();
  const size_t page = (last / 4096 + 1) * 4096;  // first page boundary inside the big frame
  ASSERT_LT(page, b.image.size());
  for (size_t i = page; i < b.image.size(); ++i) b.image[i] = '\0';
  SegmentReader torn(b.image, 0);
  EXPECT_EQ(ReadAll(&torn).size(), 3u);
  EXPECT_EQ(torn.tail(), TailState::kTorn);
  EXPECT_EQ(torn.bad_offset(), last);
  // Zeros that do not start at a page boundary (the tail of the last page is
  // real data) stay corruption: only whole unwritten pages are tolerated.
  Built c = MakeSegment(1, recs);
  for (size_t i = c.image.size() - 100; i < c.image.size(); ++i) c.image[i] = '\0';
  ASSERT_NE((c.image.size() - 100) % 4096, 0u);
  if ((c.image.size() - 100) / 4096 == (c.image.size() - 1) / 4096) {
    SegmentReader corrupt(c.image, 0);
    EXPECT_EQ(ReadAll(&corrupt).size(), 3u);
    EXPECT_EQ(corrupt.tail(), TailState::kCorrupt);
  }
}

TEST(SegmentReaderTest, BitFlipInAMiddleRecordIsCorruption) {
  auto recs = Records(1, 6);
  Built clean = MakeSegment(1, recs);
  const size_t bad = clean.offsets[2];
  const size_t bad_end = clean.offsets[3];
  for (size_t at = bad; at < bad_end; ++at) {
    for (int bit : {0, 7}) {
      std::string img = clean.image;
      img[at] = static_cast<char>(img[at] ^ (1 << bit));
      SegmentReader r(img, 0);
      auto got = ReadAll(&r);
      ASSERT_EQ(got.size(), 2u) << "flip at " << at;
      EXPECT_EQ(got[1], recs[1]);
      EXPECT_EQ(r.tail(), TailState::kCorrupt) << "flip at " << at << " reason " << r.reason();
      EXPECT_EQ(r.bad_offset(), bad);
      EXPECT_EQ(r.valid_bytes(), bad);
      EXPECT_FALSE(r.reason().empty());
    }
  }
}

TEST(SegmentReaderTest, BitFlipInTheLastCompleteRecordIsCorruption) {
  // Nothing valid follows, but the frame is whole: the bytes were once
  // written completely, so this is damage, not an interrupted write.
  auto recs = Records(1, 3);
  Built b = MakeSegment(1, recs);
  for (size_t at : {b.offsets[2], b.offsets[2] + 8, b.offsets[2] + 10, b.offsets[2] + kFrameHeaderSize + 3}) {
    std::string img = b.image;
    img[at] ^= 0x01;
    SegmentReader r(img, 0);
    EXPECT_EQ(ReadAll(&r).size(), 2u);
    EXPECT_EQ(r.tail(), TailState::kCorrupt) << "flip at " << at;
    EXPECT_EQ(r.bad_offset(), b.offsets[2]);
  }
  // A flip in the length that makes the frame run past the end reads as torn.
  std::string img = b.image;
  img[b.offsets[2] + 6] ^= 0x01;
  SegmentReader r(img, 0);
  EXPECT_EQ(ReadAll(&r).size(), 2u);
  EXPECT_EQ(r.tail(), TailState::kTorn);
}

TEST(SegmentReaderTest, SequenceNumbersMustIncrease) {
  // A repeated number followed by a valid frame: corruption.
  Built dup = MakeSegment(1, {{1, "a"}, {2, "b"}, {2, "c"}, {3, "d"}});
  SegmentReader r1(dup.image, 0);
  EXPECT_EQ(ReadAll(&r1).size(), 2u);
  EXPECT_EQ(r1.tail(), TailState::kCorrupt);
  EXPECT_EQ(r1.bad_offset(), dup.offsets[2]);
  EXPECT_NE(r1.reason().find("sequence"), std::string::npos) << r1.reason();

  // A decreasing number followed by a valid frame: corruption.
  Built down = MakeSegment(1, {{10, "a"}, {11, "b"}, {4, "c"}, {12, "d"}});
  SegmentReader r2(down.image, 0);
  EXPECT_EQ(ReadAll(&r2).size(), 2u);
  EXPECT_EQ(r2.tail(), TailState::kCorrupt);

  // Numbers must exceed the previous segment's last.
  Built stale = MakeSegment(2, {{3, "a"}, {4, "b"}, {5, "c"}, {6, "d"}});
  SegmentReader r3(stale.image, 5);
  EXPECT_TRUE(ReadAll(&r3).empty());
  EXPECT_EQ(r3.tail(), TailState::kCorrupt);
  EXPECT_EQ(r3.bad_offset(), kSegmentHeaderSize);
  SegmentReader r4(stale.image, 2);
  EXPECT_EQ(ReadAll(&r4).size(), 4u);
  EXPECT_EQ(r4.tail(), TailState::kClean);
}

TEST(SegmentReaderTest, UnknownRecordTypeInTheMiddleIsCorruption) {
  Built b = MakeSegment(1, Records(1, 4));
  // Rewrite record 1 with type 2 and a matching checksum: still refused.
  char* h = b.image.data() + b.offsets[1];
  h[8] = 2;
  uint32_t len = coding::DecodeFixed32(h + 4);
  coding::EncodeFixed32(h, crc32c::Mask(crc32c::Value(h + 8, 9 + len)));
  SegmentReader r(b.image, 0);
  EXPECT_EQ(ReadAll(&r).size(), 1u);
  EXPECT_EQ(r.tail(), TailState::kCorrupt);
  EXPECT_EQ(r.bad_offset(), b.offsets[1]);
}

TEST(SegmentReaderTest, HugeLengthInLastHeaderIsTorn) {
  Built b = MakeSegment(1, Records(1, 2));
  std::string tail(kFrameHeaderSize, '\0');
  coding::EncodeFixed32(tail.data() + 4, static_cast<uint32_t>(kMaxRecordBytes + 1));
  tail[8] = 1;
  coding::EncodeFixed64(tail.data() + 9, 3);
  b.image += tail;
  SegmentReader r(b.image, 0);
  EXPECT_EQ(ReadAll(&r).size(), 2u);
  EXPECT_EQ(r.tail(), TailState::kTorn);
}

TEST(SegmentReaderTest, DamagedCompleteHeaderIsCorruptShortOrZeroIsTorn) {
  Built b = MakeSegment(1, Records(1, 3));
  std::string damaged = b.image;
  damaged[20] ^= 0x40;  // segment number byte: header checksum fails
  SegmentReader r(damaged, 0);
  EXPECT_FALSE(r.header_status().ok());
  EXPECT_TRUE(ReadAll(&r).empty());
  EXPECT_EQ(r.tail(), TailState::kCorrupt);
  EXPECT_EQ(r.bad_offset(), 0u);

  // A complete damaged header is corruption even with nothing after it.
  std::string magic = b.image.substr(0, kSegmentHeaderSize);
  magic[3] = 'x';
  SegmentReader r3(magic, 0);
  EXPECT_EQ(r3.tail(), TailState::kCorrupt);

  // A header never written (zeros, as a file system may leave it) is a torn
  // creation, with or without more zeros after it.
  for (size_t n : {kSegmentHeaderSize, kSegmentHeaderSize + 100}) {
    SegmentReader z(std::string(n, '\0'), 0);
    EXPECT_FALSE(z.header_status().ok());
    EXPECT_TRUE(ReadAll(&z).empty());
    EXPECT_EQ(z.tail(), TailState::kTorn) << n << " zero bytes";
  }
}

TEST(SegmentReaderTest, RandomDamageNeverYieldsAlteredRecords) {
  // Whatever happens to the bytes, the reader returns a prefix of the original
  // records, never a changed one.
  auto recs = Records(1, 20, 64);
  Built clean = MakeSegment(1, recs);
  std::mt19937_64 rng(12345);
  for (int iter = 0; iter < 500; ++iter) {
    std::string img = clean.image;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      size_t at = kSegmentHeaderSize + rng() % (img.size() - kSegmentHeaderSize);
      img[at] = static_cast<char>(img[at] ^ (1 << (rng() % 8)));
    }
    if (rng() % 2) img.resize(kSegmentHeaderSize + rng() % (img.size() - kSegmentHeaderSize));
    SegmentReader r(img, 0);
    auto got = ReadAll(&r);
    ASSERT_LE(got.size(), recs.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], recs[i]) << "iteration " << iter;
  }
}

TEST(SegmentFileNameTest, FormatAndParse) {
  EXPECT_EQ(SegmentFileName(1), "0000000000000001.wal");
  EXPECT_EQ(SegmentFileName(0xabc), "0000000000000abc.wal");
  EXPECT_EQ(SegmentFileName(~uint64_t{0}), "ffffffffffffffff.wal");
  for (uint64_t no : {uint64_t{1}, uint64_t{255}, uint64_t{1} << 40, ~uint64_t{0}}) {
    uint64_t got = 0;
    ASSERT_TRUE(ParseSegmentFileName(SegmentFileName(no), &got));
    EXPECT_EQ(got, no);
  }
  uint64_t x = 0;
  EXPECT_FALSE(ParseSegmentFileName("000000000000000A.wal", &x));  // upper case
  EXPECT_FALSE(ParseSegmentFileName("000000000000001.wal", &x));   // 15 digits
  EXPECT_FALSE(ParseSegmentFileName("00000000000000001.wal", &x));
  EXPECT_FALSE(ParseSegmentFileName("0000000000000001.wa", &x));
  EXPECT_FALSE(ParseSegmentFileName("0000000000000001.log", &x));
  EXPECT_FALSE(ParseSegmentFileName("000000000000000g.wal", &x));
  EXPECT_FALSE(ParseSegmentFileName("quarantine-1700000000", &x));
  EXPECT_FALSE(ParseSegmentFileName("", &x));
  EXPECT_FALSE(ParseSegmentFileName("0000000000000001.wal.tmp", &x));
}

TEST(TailStateTest, Names) {
  EXPECT_EQ(TailStateName(TailState::kClean), "clean");
  EXPECT_EQ(TailStateName(TailState::kTorn), "torn tail");
  EXPECT_EQ(TailStateName(TailState::kCorrupt), "corrupt");
}

}  // namespace
}  // namespace agentperf::wal
