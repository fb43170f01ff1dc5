#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "store/codec/codec_test_util.h"

namespace agentperf::store::codec {
namespace {

using testing::RoundTripDoubles;
using testing::SameBits;

constexpr CodecId kDoubleCodecs[] = {CodecId::kDoublePlain, CodecId::kGorilla, CodecId::kDecimal,
                                     CodecId::kDoubleSparse, CodecId::kDoubleZstd};

double FromBits(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}

std::vector<std::vector<double>> EdgeCases() {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> cases = {
      {},
      {0.0},
      {-0.0},
      {0.0, -0.0, 0.0, -0.0},
      {FromBits(0x7ff8000000000001ULL), FromBits(0xfff0000000000abcULL), FromBits(0x7ff4000000000000ULL)},
      {inf, -inf, std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
       std::numeric_limits<double>::lowest(), std::numeric_limits<double>::epsilon()},
      std::vector<double>(500, 523.5),
      std::vector<double>(500, std::nan("")),
      {1e300, 1e-300, 123456789012345678.0, 0.1, 0.2, 0.30000000000000004},
  };
  std::mt19937_64 rng(5);
  std::vector<double> random(1000), decimals(1000), mixed(1000);
  for (auto& x : random) x = FromBits(rng());
  for (auto& x : decimals) x = static_cast<double>(rng() % 100000) / 10.0;
  for (size_t i = 0; i < mixed.size(); ++i) mixed[i] = i % 3 == 0 ? FromBits(rng()) : static_cast<double>(rng() % 1000) / 100.0;
  cases.push_back(random);
  cases.push_back(decimals);
  cases.push_back(mixed);
  return cases;
}

TEST(DoubleCodecTest, ChooserRoundTripsBitExact) {
  for (const auto& v : EdgeCases()) {
    std::string enc;
    EncodeDoubles(v.data(), v.size(), &enc);
    EXPECT_TRUE(SameBits(RoundTripDoubles(enc, v.size()), v)) << "n=" << v.size() << " " << CodecName(ChunkCodec(enc));
  }
}

TEST(DoubleCodecTest, EveryForcedCodecRoundTripsBitExact) {
  for (CodecId id : kDoubleCodecs) {
    for (const auto& v : EdgeCases()) {
      std::string enc;
      ASSERT_TRUE(EncodeDoublesWith(id, v.data(), v.size(), &enc).ok()) << CodecName(uint8_t(id));
      EXPECT_EQ(ChunkCodec(enc), static_cast<uint8_t>(id));
      EXPECT_TRUE(SameBits(RoundTripDoubles(enc, v.size()), v)) << CodecName(uint8_t(id)) << " n=" << v.size();
    }
  }
  std::vector<double> diff = {1.0, 2.0};
  std::string enc;
  EXPECT_EQ(EncodeDoublesWith(CodecId::kDoubleConstant, diff.data(), 2, &enc).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeDoublesWith(CodecId::kDelta, diff.data(), 2, &enc).code(), StatusCode::kInvalidArgument);
}

TEST(DoubleCodecTest, ChooserPicksExpectedCodecs) {
  auto chosen = [](const std::vector<double>& v) {
    std::string enc;
    EncodeDoubles(v.data(), v.size(), &enc);
    EXPECT_TRUE(SameBits(RoundTripDoubles(enc, v.size()), v));
    return std::string(CodecName(ChunkCodec(enc)));
  };
  EXPECT_EQ(chosen(std::vector<double>(1000, 0.25)), "double_constant");
  EXPECT_EQ(chosen(testing::Costs(4096, 1.0, 1)), "decimal");
  EXPECT_EQ(chosen(testing::Costs(4096, 0.4, 2)), "double_sparse");
  std::mt19937_64 rng(3);
  std::vector<double> random(4096);
  for (auto& x : random) x = FromBits(rng());
  EXPECT_EQ(chosen(random), "double_plain");
  std::vector<double> slow(4096);  // a slowly drifting measurement with full precision: XOR
  double x = 1.0;
  for (auto& s : slow) s = (x *= 1.0000001);
  EXPECT_EQ(chosen(slow), "gorilla");
}

TEST(DoubleCodecTest, DecimalsCompressToFewBits) {
  const size_t n = 16384;
  std::vector<double> latencies(n);
  std::mt19937_64 rng(4);
  std::lognormal_distribution<double> ms(std::log(500.0), 0.5);
  for (auto& l : latencies) l = std::round(ms(rng) * 10) / 10;  // like 523.5
  std::string enc;
  EncodeDoubles(latencies.data(), n, &enc);
  EXPECT_TRUE(SameBits(RoundTripDoubles(enc, n), latencies));
  EXPECT_LE(enc.size(), n * 2);
  auto costs = testing::Costs(n, 1.0, 5);
  enc.clear();
  EncodeDoubles(costs.data(), n, &enc);
  EXPECT_TRUE(SameBits(RoundTripDoubles(enc, n), costs));
  EXPECT_LE(enc.size(), n * 2);
}

TEST(DoubleCodecTest, DecodeRejectsWrongCountAndTrailingBytes) {
  std::vector<double> v(300);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) / 8;
  for (CodecId id : kDoubleCodecs) {
    std::string enc;
    ASSERT_TRUE(EncodeDoublesWith(id, v.data(), v.size(), &enc).ok());
    std::vector<double> out(v.size() + 10);
    if (id == CodecId::kDoublePlain || id == CodecId::kGorilla || id == CodecId::kDoubleSparse) {  // layouts that imply n
      EXPECT_FALSE(DecodeDoubles(enc, v.size() + 1, out.data()).ok()) << CodecName(uint8_t(id));
    }
    EXPECT_EQ(DecodeDoubles(enc + "x", v.size(), out.data()).code(), StatusCode::kCorruption) << CodecName(uint8_t(id));
  }
}

}  // namespace
}  // namespace agentperf::store::codec
