// Every truncation and random byte flips of encoded chunks must give
// Corruption or a valid decode, never a crash (run under ASan/UBSan too).
#include <gtest/gtest.h>

#include <random>

#include "store/codec/codec_test_util.h"

namespace agentperf::store::codec {
namespace {

struct Chunk {
  int type;  // 0 ints, 1 doubles, 2 strings
  size_t n;
  std::string enc;
};

std::vector<Chunk> Chunks() {
  std::vector<Chunk> chunks;
  auto add_ints = [&](const std::vector<int64_t>& v) {
    std::string enc;
    EncodeInts(v.data(), v.size(), &enc);
    chunks.push_back({0, v.size(), enc});
    for (uint8_t id = 1; id <= 10; ++id) {
      std::string forced;
      if (EncodeIntsWith(static_cast<CodecId>(id), v.data(), v.size(), &forced).ok()) chunks.push_back({0, v.size(), forced});
    }
  };
  add_ints(testing::SortedTimestampsUs(300, 259, 1));
  add_ints(testing::TokenCounts(300, 0.43, 2));
  add_ints({5, 5, 5, 9, 9, 1, 1, 1, 1});
  auto add_doubles = [&](const std::vector<double>& v) {
    std::string enc;
    EncodeDoubles(v.data(), v.size(), &enc);
    chunks.push_back({1, v.size(), enc});
    for (uint8_t id = 32; id <= 37; ++id) {
      std::string forced;
      if (EncodeDoublesWith(static_cast<CodecId>(id), v.data(), v.size(), &forced).ok()) chunks.push_back({1, v.size(), forced});
    }
  };
  add_doubles(testing::Costs(300, 0.5, 3));
  add_doubles({1.5, -0.0, 2.25, 1e300, 3.0});
  auto add_strings = [&](const std::vector<std::string>& v) {
    auto views = testing::Views(v);
    std::string enc;
    EncodeStrings(views.data(), views.size(), &enc);
    chunks.push_back({2, v.size(), enc});
    for (uint8_t id = 64; id <= 67; ++id) {
      std::string forced;
      if (EncodeStringsWith(static_cast<CodecId>(id), views.data(), views.size(), &forced).ok())
        chunks.push_back({2, v.size(), forced});
    }
  };
  auto ids = testing::OpenCodeIds(200, "prt", false, 4);
  ids[5] = "odd one";
  add_strings(ids);
  add_strings({"alpha", "alphabet", "beta", "", "gamma ray", "gamma"});
  return chunks;
}

// Decodes; returns whether it succeeded (the status must be Corruption otherwise).
bool TryDecode(const Chunk& c, std::string_view in) {
  Status s;
  if (c.type == 0) {
    std::vector<int64_t> out(c.n);
    s = DecodeInts(in, c.n, out.data());
  } else if (c.type == 1) {
    std::vector<double> out(c.n);
    s = DecodeDoubles(in, c.n, out.data());
  } else {
    std::string bytes;
    std::vector<uint32_t> offsets;
    s = DecodeStrings(in, c.n, &bytes, &offsets);
    if (s.ok()) {
      EXPECT_EQ(offsets.size(), c.n + 1);
      EXPECT_EQ(offsets.back(), bytes.size());
    }
  }
  if (!s.ok()) {
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  }
  return s.ok();
}

TEST(CodecCorruptionTest, EveryTruncationIsCorruption) {
  // Every codec ends exactly where its layout says, so no strict prefix of a
  // chunk decodes.
  size_t rejected = 0, total = 0;
  for (const Chunk& c : Chunks()) {
    ASSERT_TRUE(TryDecode(c, c.enc)) << CodecName(ChunkCodec(c.enc));
    for (size_t len = 0; len < c.enc.size(); ++len) {
      ++total;
      rejected += !TryDecode(c, std::string_view(c.enc).substr(0, len));
    }
  }
  EXPECT_EQ(rejected, total);
}

TEST(CodecCorruptionTest, RandomByteFlipsNeverCrash) {
  std::mt19937_64 rng(42);
  for (const Chunk& c : Chunks()) {
    for (int trial = 0; trial < 300; ++trial) {
      std::string bad = c.enc;
      int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        size_t pos = rng() % bad.size();
        if (rng() % 2) bad[pos] = static_cast<char>(rng());
        else bad[pos] = static_cast<char>(bad[pos] ^ (1 << (rng() % 8)));
      }
      TryDecode(c, bad);
    }
  }
}

TEST(CodecCorruptionTest, HugeCountsDoNotAllocate) {
  // A tiny chunk claiming a huge n fails fast (no allocation of n-sized buffers
  // before the input is checked); constant chunks are the exception by design
  // (the caller owns the output buffer).
  const std::string plain(1, static_cast<char>(CodecId::kStringPlain));
  std::string bytes;
  std::vector<uint32_t> offsets;
  EXPECT_EQ(DecodeStrings(plain, size_t{1} << 40, &bytes, &offsets).code(), StatusCode::kCorruption);
  std::string rle = {static_cast<char>(CodecId::kRle), '\x05'};
  std::vector<int64_t> out(1);
  EXPECT_EQ(DecodeInts(rle, 1, out.data()).code(), StatusCode::kCorruption);
}

TEST(CodecCorruptionTest, NestingIsBounded) {
  // gcd(offset 0, factor 1) around gcd around ... around int_plain of 1 value.
  auto nested = [](int levels) {
    std::string chunk;
    for (int i = 0; i < levels; ++i) chunk += {static_cast<char>(CodecId::kGcd), '\x00', '\x01'};
    chunk.push_back(static_cast<char>(CodecId::kIntPlain));
    chunk.append(8, '\x07');
    return chunk;
  };
  std::vector<int64_t> out(1);
  EXPECT_TRUE(DecodeInts(nested(5), 1, out.data()).ok());
  EXPECT_EQ(out[0], 0x0707070707070707);
  EXPECT_EQ(DecodeInts(nested(13), 1, out.data()).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeInts(nested(100000), 1, out.data()).code(), StatusCode::kCorruption);
}

TEST(CodecCorruptionTest, ZstdSizeIsBounded) {
  std::vector<int64_t> v(1000, 0);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i % 7);
  std::string enc;
  ASSERT_TRUE(EncodeIntsWith(CodecId::kIntZstd, v.data(), v.size(), &enc).ok());
  std::vector<int64_t> out(v.size());
  ASSERT_TRUE(DecodeInts(enc, v.size(), out.data()).ok());
  EXPECT_EQ(out, v);
  // The same frame claimed for 2 values: its stated size exceeds 64 + 16 n.
  EXPECT_EQ(DecodeInts(enc, 2, out.data()).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace agentperf::store::codec
