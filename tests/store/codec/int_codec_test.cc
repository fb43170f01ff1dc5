#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "store/codec/codec_test_util.h"

namespace agentperf::store::codec {
namespace {

using testing::RoundTripInts;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr CodecId kIntCodecs[] = {CodecId::kIntPlain, CodecId::kForBitpack, CodecId::kDelta,
                                  CodecId::kDeltaOfDelta, CodecId::kRle, CodecId::kIntSparse,
                                  CodecId::kGcd, CodecId::kIntZstd, CodecId::kIntAns};

std::vector<std::vector<int64_t>> EdgeCases() {
  std::mt19937_64 rng(7);
  std::vector<std::vector<int64_t>> cases = {
      {},
      {0},
      {kMin},
      {kMax},
      {kMin, kMax},
      {kMax, kMin, kMax, kMin},
      {kMin, kMin + 1, kMax, 0, -1, 1},
      std::vector<int64_t>(1000, 42),
      std::vector<int64_t>(129, kMin),
      {1, 2},
      {5, 4, 3},
  };
  std::vector<int64_t> random(1000);
  for (auto& x : random) x = static_cast<int64_t>(rng());
  cases.push_back(random);
  std::vector<int64_t> increasing(5000);
  for (size_t i = 0; i < increasing.size(); ++i) increasing[i] = static_cast<int64_t>(i + 1);
  cases.push_back(increasing);
  std::vector<int64_t> heavy_tail(777);
  for (auto& x : heavy_tail) x = static_cast<int64_t>(rng() % 100);
  heavy_tail[300] = kMax;
  heavy_tail[301] = kMin;
  cases.push_back(heavy_tail);
  std::vector<int64_t> alternating(300);
  for (size_t i = 0; i < alternating.size(); ++i) alternating[i] = i % 2 ? kMax : kMin;
  cases.push_back(alternating);
  for (size_t n : {127, 128, 129, 255, 256, 257}) {
    std::vector<int64_t> v(n);
    for (auto& x : v) x = static_cast<int64_t>(rng() >> (rng() % 64));
    cases.push_back(v);
  }
  return cases;
}

TEST(IntCodecTest, ChooserRoundTripsEdgeCases) {
  for (const auto& v : EdgeCases()) {
    std::string enc;
    EncodeInts(v.data(), v.size(), &enc);
    EXPECT_EQ(RoundTripInts(enc, v.size()), v) << "n=" << v.size() << " codec " << CodecName(ChunkCodec(enc));
  }
}

TEST(IntCodecTest, EveryForcedCodecRoundTripsEdgeCases) {
  for (CodecId id : kIntCodecs) {
    for (const auto& v : EdgeCases()) {
      std::string enc;
      ASSERT_TRUE(EncodeIntsWith(id, v.data(), v.size(), &enc).ok()) << CodecName(uint8_t(id));
      EXPECT_EQ(ChunkCodec(enc), static_cast<uint8_t>(id));
      EXPECT_EQ(RoundTripInts(enc, v.size()), v) << CodecName(uint8_t(id)) << " n=" << v.size();
    }
  }
}

TEST(IntCodecTest, ConstantOnlyForEqualValues) {
  std::vector<int64_t> same(10, -5), diff = {1, 2};
  std::string enc;
  ASSERT_TRUE(EncodeIntsWith(CodecId::kIntConstant, same.data(), same.size(), &enc).ok());
  EXPECT_EQ(RoundTripInts(enc, same.size()), same);
  EXPECT_EQ(EncodeIntsWith(CodecId::kIntConstant, diff.data(), diff.size(), &enc).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeIntsWith(CodecId::kGorilla, diff.data(), diff.size(), &enc).code(), StatusCode::kInvalidArgument);
}

TEST(IntCodecTest, ChooserPicksExpectedCodecs) {
  auto chosen = [](const std::vector<int64_t>& v) {
    std::string enc;
    EncodeInts(v.data(), v.size(), &enc);
    EXPECT_EQ(RoundTripInts(enc, v.size()), v);
    return std::string(CodecName(ChunkCodec(enc)));
  };
  EXPECT_EQ(chosen(std::vector<int64_t>(4096, 7)), "int_constant");
  std::vector<int64_t> codes(4096);  // dictionary codes in order of first appearance
  for (size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<int64_t>(i + 1);
  EXPECT_EQ(chosen(codes), "delta");
  EXPECT_EQ(chosen(testing::SortedTimestampsUs(4096, 259, 1)), "gcd");   // whole ms in µs
  EXPECT_EQ(chosen(testing::LognormalDurationsUs(4096, 2)), "gcd");
  EXPECT_EQ(chosen(testing::TokenCounts(4096, 0.43, 3)), "int_sparse");  // absent (-1) rows, then int_ans
  std::vector<int64_t> sessions;  // agent code constant over a session's ~100 rows
  std::mt19937_64 rng(4);
  while (sessions.size() < 4096) sessions.insert(sessions.end(), 50 + rng() % 100, static_cast<int64_t>(rng() % 6));
  sessions.resize(4096);
  EXPECT_EQ(chosen(sessions), "rle");
  std::vector<int64_t> slowing(4096);  // a sampler whose interval grows steadily: constant delta-of-delta
  int64_t t = 1795487301395123, interval = 1000000;
  for (auto& x : slowing) x = (t += (interval += 37));
  EXPECT_EQ(chosen(slowing), "dod");
  std::vector<int64_t> jitter(4096);  // a regular grid with jitter: deltas around the median
  for (size_t i = 0; i < jitter.size(); ++i) jitter[i] = 1795487301395123 + static_cast<int64_t>(i) * 1000000 + static_cast<int64_t>(rng() % 3);
  EXPECT_EQ(chosen(jitter), "int_ans");  // deltas 10^6 +- 2: 3 bits packed, 2.2 entropy coded
  std::vector<int64_t> small(4096);
  for (auto& x : small) x = static_cast<int64_t>(rng() % 5);
  EXPECT_EQ(chosen(small), "int_ans");  // log2(5) = 2.3 bits instead of 3
  std::vector<int64_t> eight(4096);
  for (auto& x : eight) x = static_cast<int64_t>(rng() % 8);
  EXPECT_EQ(chosen(eight), "for_bitpack");  // uniform: entropy coding cannot save 3 %
  std::vector<int64_t> random(4096);
  for (auto& x : random) x = static_cast<int64_t>(rng());
  EXPECT_EQ(chosen(random), "int_plain");
}

TEST(IntCodecTest, RealisticSizes) {
  const size_t n = 16384;
  auto bytes_per_value = [n](const std::vector<int64_t>& v) {
    std::string enc;
    EncodeInts(v.data(), v.size(), &enc);
    EXPECT_EQ(RoundTripInts(enc, n), v);
    return static_cast<double>(enc.size()) / static_cast<double>(n);
  };
  EXPECT_LE(bytes_per_value(testing::SortedTimestampsUs(n, 259, 11)), 1.5);
  EXPECT_LE(bytes_per_value(testing::LognormalDurationsUs(n, 12)), 2.0);
  EXPECT_LE(bytes_per_value(testing::TokenCounts(n, 0.43, 13)), 1.0);
}

TEST(IntCodecTest, HeavyTailDoesNotWidenEveryBlock) {
  std::vector<int64_t> v(4096);
  std::mt19937_64 rng(9);
  for (auto& x : v) x = static_cast<int64_t>(rng() % 16);
  for (size_t i = 0; i < v.size(); i += 100) v[i] = int64_t{1} << 40;  // one outlier per block or so
  std::string enc;
  ASSERT_TRUE(EncodeIntsWith(CodecId::kForBitpack, v.data(), v.size(), &enc).ok());
  EXPECT_EQ(RoundTripInts(enc, v.size()), v);
  EXPECT_LT(enc.size(), v.size() * 6 / 8);  // ~4 bits + patches, not 41 bits per value
}

TEST(IntCodecTest, MisleadingSampleIsNeverWorseThanPlain) {
  // The chooser estimates packed sizes on every 8th block of large chunks:
  // make exactly those blocks narrow and all others 64 bits wide.
  std::vector<int64_t> v(16384);
  std::mt19937_64 rng(8);
  for (size_t i = 0; i < v.size(); ++i) v[i] = (i / 128) % 8 == 0 ? static_cast<int64_t>(rng() % 16) : static_cast<int64_t>(rng());
  std::string enc;
  EncodeInts(v.data(), v.size(), &enc);
  EXPECT_LE(enc.size(), 1 + 8 * v.size());
  EXPECT_EQ(RoundTripInts(enc, v.size()), v);
}

TEST(IntCodecTest, WrapAroundDeltas) {
  std::vector<int64_t> v = {kMax, kMin, kMax, kMin + 5, -1, kMax - 3};
  for (CodecId id : {CodecId::kDelta, CodecId::kDeltaOfDelta, CodecId::kForBitpack, CodecId::kGcd}) {
    std::string enc;
    ASSERT_TRUE(EncodeIntsWith(id, v.data(), v.size(), &enc).ok());
    EXPECT_EQ(RoundTripInts(enc, v.size()), v) << CodecName(uint8_t(id));
  }
}

TEST(IntCodecTest, GcdDividesOutCommonFactor) {
  std::vector<int64_t> v;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 1000; ++i) v.push_back(17 + 1000 * static_cast<int64_t>(rng() % 1000));
  std::string enc;
  EncodeInts(v.data(), v.size(), &enc);
  EXPECT_EQ(CodecName(ChunkCodec(enc)), "gcd");
  EXPECT_EQ(RoundTripInts(enc, v.size()), v);
  EXPECT_LT(enc.size(), 1000 * 10 / 8 + 32);  // 10 bits per value
}

TEST(IntCodecTest, DecodeRejectsWrongCount) {
  // n is not stored in a chunk: a wrong n is caught where the layout implies n
  // (not, e.g., by blocks of width 0). Trailing bytes are always caught.
  std::vector<int64_t> v(300);
  std::mt19937_64 rng(6);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i * i + rng() % 1000);
  for (CodecId id : {CodecId::kIntPlain, CodecId::kForBitpack, CodecId::kDelta, CodecId::kRle, CodecId::kIntSparse}) {
    std::string enc;
    ASSERT_TRUE(EncodeIntsWith(id, v.data(), v.size(), &enc).ok());
    std::vector<int64_t> out(v.size() + 200);
    EXPECT_FALSE(DecodeInts(enc, v.size() + 1, out.data()).ok()) << CodecName(uint8_t(id));
    EXPECT_FALSE(DecodeInts(enc, v.size() + 130, out.data()).ok()) << CodecName(uint8_t(id));
  }
  for (CodecId id : kIntCodecs) {
    std::string enc;
    ASSERT_TRUE(EncodeIntsWith(id, v.data(), v.size(), &enc).ok());
    std::vector<int64_t> out(v.size());
    EXPECT_EQ(DecodeInts(enc + "x", v.size(), out.data()).code(), StatusCode::kCorruption) << CodecName(uint8_t(id));
  }
  std::vector<int64_t> out(4);
  EXPECT_EQ(DecodeInts("", 0, out.data()).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeInts("\x63", 0, out.data()).code(), StatusCode::kCorruption);
}

TEST(IntCodecTest, NamesAreStable) {
  EXPECT_EQ(CodecName(5), "dod");
  EXPECT_EQ(CodecName(3), "for_bitpack");
  EXPECT_EQ(CodecName(10), "int_ans");
  EXPECT_EQ(CodecName(0), "unknown");
  EXPECT_EQ(CodecName(200), "unknown");
  EXPECT_EQ(ChunkCodec(""), 0);
}

}  // namespace
}  // namespace agentperf::store::codec
