#include "store/codec/bitpack.h"

#include <gtest/gtest.h>

#include <random>

#include "store/codec/bitmap.h"

namespace agentperf::store::codec {
namespace {

TEST(BitpackTest, FixedWidthRoundTripsEveryWidthAndLength) {
  std::mt19937_64 rng(1);
  for (int w = 0; w <= 64; ++w) {
    for (size_t n : {0, 1, 7, 8, 9, 127, 128, 129, 300}) {
      std::vector<uint64_t> v(n);
      for (auto& x : v) x = w == 64 ? rng() : rng() & ((uint64_t{1} << w) - 1);
      std::string enc;
      bitpack::PackBits(v.data(), n, w, &enc);
      ASSERT_EQ(enc.size(), (n * w + 7) / 8);
      std::string_view in = enc;
      std::vector<uint64_t> out(n);
      ASSERT_TRUE(bitpack::UnpackBits(&in, n, w, out.data()));
      EXPECT_TRUE(in.empty());
      EXPECT_EQ(out, v) << "w=" << w << " n=" << n;
      if (!enc.empty()) {  // one byte short
        std::string_view short_in(enc.data(), enc.size() - 1);
        EXPECT_FALSE(bitpack::UnpackBits(&short_in, n, w, out.data()));
      }
    }
  }
}

TEST(BitpackTest, PackedStreamRoundTripsAndSizeIsExact) {
  std::mt19937_64 rng(2);
  for (int trial = 0; trial < 200; ++trial) {
    size_t n = rng() % 1000;
    int w = static_cast<int>(rng() % 65);
    std::vector<uint64_t> v(n);
    for (auto& x : v) {
      x = w == 64 ? rng() : rng() & ((uint64_t{1} << w) - 1);
      if (rng() % 50 == 0) x = rng();  // outliers: exceptions
    }
    std::string enc;
    bitpack::PutPacked(v.data(), n, &enc);
    EXPECT_EQ(enc.size(), bitpack::PackedSize(v.data(), n));
    std::string_view in = enc;
    std::vector<uint64_t> out(n);
    ASSERT_TRUE(bitpack::GetPacked(&in, n, out.data(), [](uint64_t*, size_t) {}));
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(out, v);
  }
}

TEST(BitpackTest, GetBlockRejectsBadHeaders) {
  uint64_t out[128];
  const uint8_t wide[] = {65};
  const uint8_t* p = wide;
  EXPECT_FALSE(bitpack::GetBlock(&p, wide + 1, 1, out));
  const uint8_t no_exc[] = {0x80 | 3, 0, 5};  // k = 0
  p = no_exc;
  EXPECT_FALSE(bitpack::GetBlock(&p, no_exc + 3, 4, out));
  const uint8_t too_wide[] = {0x80 | 60, 1, 5, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};  // w + hw > 64
  p = too_wide;
  EXPECT_FALSE(bitpack::GetBlock(&p, too_wide + sizeof(too_wide), 1, out));
  const uint8_t bad_pos[] = {0x80 | 1, 1, 1, 9, 0x01, 0x00};  // position 9 >= len 4
  p = bad_pos;
  EXPECT_FALSE(bitpack::GetBlock(&p, bad_pos + sizeof(bad_pos), 4, out));
}

TEST(BitmapTest, RoundTripsRawAndRuns) {
  std::mt19937_64 rng(3);
  for (size_t n : {0, 1, 63, 64, 65, 1000, 4096}) {
    for (int density : {0, 1, 50, 99, 100}) {
      std::vector<uint64_t> words(bitmap::Words(n), 0);
      size_t pop = 0;
      for (size_t i = 0; i < n; ++i) {
        bool bit = density == 1 ? (i / 300) % 2 == 1 : static_cast<int>(rng() % 100) < density;
        if (bit) {
          words[i / 64] |= uint64_t{1} << (i % 64);
          ++pop;
        }
      }
      std::string enc;
      bitmap::PutBitmap(words.data(), n, &enc);
      EXPECT_EQ(enc.size(), bitmap::BitmapSize(words.data(), n));
      std::string_view in = enc;
      std::vector<uint64_t> back(bitmap::Words(n));
      size_t got_pop;
      ASSERT_TRUE(bitmap::GetBitmap(&in, n, back.data(), &got_pop));
      EXPECT_EQ(back, words);
      EXPECT_EQ(got_pop, pop);
      EXPECT_TRUE(in.empty());
    }
  }
}

}  // namespace
}  // namespace agentperf::store::codec
