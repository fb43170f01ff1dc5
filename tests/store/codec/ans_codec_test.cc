// int_ans (codec 10): the documented layout, transforms, sizes near the
// entropy, and corruption.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "store/codec/codec_test_util.h"

namespace agentperf::store::codec {
namespace {

using testing::RoundTripInts;

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// A chunk assembled by hand from docs/format/codecs.md: values 10, 11, 11, 10, 13;
// order 0, ref 10, split 1, msb 0 (tokens 0, 1, 1, 0 and token 2 with one raw
// bit), scale 2 with frequencies 1, 2, 1; two rANS states.
const std::string kHandMade = Bytes({10, 0x00, 0x14, 0x01, 0x02, 0x03, 0x01, 0x02, 0x01, 0x08,  // header, table
                                     0x18, 0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x04,            // states 0, 1
                                     0x01});                                                    // raw bits

TEST(AnsCodecTest, DecodesTheDocumentedLayout) {
  EXPECT_EQ(RoundTripInts(kHandMade, 5), (std::vector<int64_t>{10, 11, 11, 10, 13}));
  EXPECT_EQ(CodecName(ChunkCodec(kHandMade)), "int_ans");
  std::vector<int64_t> out(6);
  EXPECT_EQ(DecodeInts(kHandMade, 4, out.data()).code(), StatusCode::kCorruption);  // wrong n
  EXPECT_EQ(DecodeInts(kHandMade, 6, out.data()).code(), StatusCode::kCorruption);
}

TEST(AnsCodecTest, RejectsMalformedHeadersAndTables) {
  std::vector<int64_t> out(5);
  auto with = [](size_t pos, int byte) {
    std::string s = kHandMade;
    s[pos] = static_cast<char>(byte);
    return s;
  };
  EXPECT_EQ(DecodeInts(with(1, 3), 5, out.data()).code(), StatusCode::kCorruption);     // order 3
  EXPECT_EQ(DecodeInts(with(1, 8), 5, out.data()).code(), StatusCode::kCorruption);     // unknown flag
  EXPECT_EQ(DecodeInts(with(3, 0x21), 5, out.data()).code(), StatusCode::kCorruption);  // msb 2 > split 1
  EXPECT_EQ(DecodeInts(with(3, 0x09), 5, out.data()).code(), StatusCode::kCorruption);  // split 9
  EXPECT_EQ(DecodeInts(with(4, 0), 5, out.data()).code(), StatusCode::kCorruption);     // scale 0
  EXPECT_EQ(DecodeInts(with(4, 16), 5, out.data()).code(), StatusCode::kCorruption);    // scale 16
  EXPECT_EQ(DecodeInts(with(5, 0x7f), 5, out.data()).code(), StatusCode::kCorruption);  // alphabet > 2 + 63 tokens
  EXPECT_EQ(DecodeInts(with(7, 0x03), 5, out.data()).code(), StatusCode::kCorruption);  // frequencies sum to 5
  EXPECT_EQ(DecodeInts(with(14, 0x02), 5, out.data()).code(), StatusCode::kCorruption); // state 1 does not end at 2^23
  EXPECT_EQ(DecodeInts(with(18, 0x03), 5, out.data()).code(), StatusCode::kOk);         // unused raw bits are ignored
  EXPECT_EQ(DecodeInts(kHandMade + "x", 5, out.data()).code(), StatusCode::kCorruption);
}

TEST(AnsCodecTest, ForcedRoundTripsEveryTransform) {
  std::mt19937_64 rng(3);
  std::vector<std::vector<int64_t>> cases = {{}, {7}, {7, 9}, {7, 9, 4}, {INT64_MIN, INT64_MAX, 0, -1, 1}};
  std::vector<int64_t> slowing(3000);  // constant delta-of-delta: order 2
  int64_t t = 1795487301395123, interval = 1000000;
  for (auto& x : slowing) x = (t += (interval += 37));
  cases.push_back(slowing);
  cases.push_back(testing::SortedTimestampsUs(3000, 259, 4));  // order 1
  cases.push_back(testing::LognormalDurationsUs(3000, 5));     // order 0
  cases.push_back(testing::TokenCounts(3000, 0.43, 6));
  std::vector<int64_t> wide(500);
  for (auto& x : wide) x = static_cast<int64_t>(rng());  // 63-bit raw parts
  cases.push_back(wide);
  std::vector<int64_t> signed_jitter(2000);
  for (auto& x : signed_jitter) x = static_cast<int64_t>(rng() % 21) - 10;
  cases.push_back(signed_jitter);
  std::map<int, int> orders;
  for (const auto& v : cases) {
    std::string enc;
    ASSERT_TRUE(EncodeIntsWith(CodecId::kIntAns, v.data(), v.size(), &enc).ok());
    ASSERT_EQ(ChunkCodec(enc), static_cast<uint8_t>(CodecId::kIntAns));
    EXPECT_EQ(RoundTripInts(enc, v.size()), v) << "n=" << v.size();
    ++orders[enc[1] & 3];
  }
  EXPECT_GT(orders[0], 0);
  EXPECT_GT(orders[1], 0);
  EXPECT_GT(orders[2], 0);
}

// Order-0 entropy of v, in bytes.
double EntropyBytes(const std::vector<int64_t>& v) {
  std::map<int64_t, size_t> counts;
  for (int64_t x : v) ++counts[x];
  double bits = 0;
  for (const auto& [x, c] : counts) bits -= static_cast<double>(c) * std::log2(static_cast<double>(c) / v.size());
  return bits / 8;
}

TEST(AnsCodecTest, CostsCloseToTheEntropy) {
  const size_t n = 16384;
  std::mt19937_64 rng(8);
  std::lognormal_distribution<double> ms(std::log(1500.0), 0.8);
  std::vector<int64_t> dur(n);
  for (auto& x : dur) x = std::llround(ms(rng));
  std::string enc;
  EncodeInts(dur.data(), n, &enc);
  EXPECT_EQ(CodecName(ChunkCodec(enc)), "int_ans");
  EXPECT_EQ(RoundTripInts(enc, n), dur);
  // Hybrid tokens keep a little of the spread inside each bucket, and the table costs a few hundred bytes.
  EXPECT_LE(static_cast<double>(enc.size()), EntropyBytes(dur) * 1.05 + 400);
  std::string packed;
  ASSERT_TRUE(EncodeIntsWith(CodecId::kForBitpack, dur.data(), n, &packed).ok());
  EXPECT_LT(enc.size() * 100, packed.size() * 95);  // at least 5 % below bit-packing

  std::vector<int64_t> kinds(n);  // a skewed label: entropy ~1.7 bits, bit-packed 3
  const double p[] = {0.01, 0.08, 0.43, 0.44, 0.03, 0.01};
  std::discrete_distribution<int> pick(std::begin(p), std::end(p));
  for (auto& x : kinds) x = pick(rng);
  enc.clear();
  EncodeInts(kinds.data(), n, &enc);
  EXPECT_NE(DescribeChunk(enc, n, ChunkType::kInts).find("int_ans"), std::string::npos)  // int_sparse(int_ans)
      << DescribeChunk(enc, n, ChunkType::kInts);
  EXPECT_EQ(RoundTripInts(enc, n), kinds);
  EXPECT_LE(static_cast<double>(enc.size()), EntropyBytes(kinds) * 1.02 + 64);
}

TEST(AnsCodecTest, NestsInsideOtherCodecs) {
  const size_t n = 16384;
  std::string enc;
  auto dur = testing::LognormalDurationsUs(n, 9);  // whole ms in µs: gcd(1000) around int_ans
  EncodeInts(dur.data(), n, &enc);
  EXPECT_EQ(DescribeChunk(enc, n, ChunkType::kInts), "gcd(int_ans)");
  EXPECT_EQ(RoundTripInts(enc, n), dur);
  auto costs = testing::Costs(n, 0.45, 10);  // decimal digits entropy coded
  enc.clear();
  EncodeDoubles(costs.data(), n, &enc);
  EXPECT_NE(DescribeChunk(enc, n, ChunkType::kDoubles).find("decimal(int_ans)"), std::string::npos)
      << DescribeChunk(enc, n, ChunkType::kDoubles);
  EXPECT_TRUE(testing::SameBits(testing::RoundTripDoubles(enc, n), costs));
}

TEST(AnsCodecTest, DescribeChunkNamesTheTree) {
  const std::vector<int64_t> v = {5, 5, 5, 9, 9, 1, 1, 1, 1};
  std::string enc;
  ASSERT_TRUE(EncodeIntsWith(CodecId::kRle, v.data(), v.size(), &enc).ok());
  EXPECT_EQ(DescribeChunk(enc, v.size(), ChunkType::kInts).rfind("rle(", 0), 0u);
  EXPECT_EQ(DescribeChunk("", 0, ChunkType::kInts), "?");
  EXPECT_EQ(DescribeChunk(std::string(1, static_cast<char>(CodecId::kGcd)), 3, ChunkType::kInts), "gcd(?)");
  EXPECT_EQ(DescribeChunk(kHandMade, 5, ChunkType::kInts), "int_ans");
}

}  // namespace
}  // namespace agentperf::store::codec
