#include "core/hash.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

namespace agentperf {
namespace {

std::string HundredBytes() {
  std::string s;
  for (int i = 0; i < 100; ++i) s.push_back(static_cast<char>('a' + i % 26));
  return s;
}

// FORMAT FREEZE. Murmur3_128 outputs are part of the on-disk format: event ids
// (event/event_id.cc) are stored in the WAL and in the store, and a client's
// retry must hash to the same id as the original. These values must NEVER
// change; if this test fails, the hash (not the test) is wrong.
TEST(Murmur3, PinnedOutputsAreFrozen) {
  struct Case {
    std::string input;
    uint64_t lo, hi;
  };
  const Case cases[] = {
      {"", 0x0000000000000000ull, 0x0000000000000000ull},
      {"a", 0x85555565f6597889ull, 0xe6b53a48510e895aull},
      {"hello world", 0x533f6046eb7f610eull, 0xab97467d60eb63b1ull},
      {HundredBytes(), 0x7e8b0e91e76f8fdcull, 0x12bd65016c505087ull},
  };
  for (const auto& c : cases) {
    Hash128 h = Murmur3_128(c.input);
    EXPECT_EQ(h.lo, c.lo) << "input '" << c.input << "'";
    EXPECT_EQ(h.hi, c.hi) << "input '" << c.input << "'";
  }
}

// Published MurmurHash3_x64_128 vectors (h1 = lo, h2 = hi), independent of
// this implementation: inputs cover the tail-only path, exactly one and two
// 16-byte blocks, blocks plus a 15-byte tail, and a non-zero seed.
TEST(Murmur3, MatchesReferenceVectors) {
  struct Case {
    std::string input;
    uint64_t seed, h1, h2;
  };
  const Case cases[] = {
      {"The quick brown fox jumps over the lazy dog", 0, 0xe34bbc7bbc071b6cull, 0x7a433ca9c49a9347ull},
      {"abc", 0, 0xb4963f3f3fad7867ull, 0x3ba2744126ca2d52ull},
      {"123456789", 0, 0x3c84645edb66cca4ull, 0x99f8fac73a1ea105ull},
      {"1234567890123456789012345678901", 0, 0x834b6c169e6c76d0ull, 0x9fb1ab235cc38195ull},
      {"12345678901234567890123456789012", 0, 0xfb942466dfc9d856ull, 0x383859a6263746cfull},
      {"abcdefghijklmnopqrstuvwxyz", 0, 0x749c9d7e516f4aa9ull, 0xe9ad9c89b6a7d529ull},
      {"", 5381, 0xef2b598707a4bc70ull, 0x702e1ccf5cc2c6d8ull},
      {"abc", 5381, 0x5ff46b62f90afefaull, 0xa5d8a2001713a02eull},
  };
  for (const auto& c : cases) {
    Hash128 h = Murmur3_128(c.input, c.seed);
    EXPECT_EQ(h.lo, c.h1) << c.input << " seed " << c.seed;
    EXPECT_EQ(h.hi, c.h2) << c.input << " seed " << c.seed;
  }
}

TEST(Murmur3, DeterministicAndPointerOverloadAgrees) {
  std::mt19937 rng(3);
  for (int len = 0; len < 80; ++len) {
    std::string s(len, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    Hash128 a = Murmur3_128(s);
    Hash128 b = Murmur3_128(s.data(), s.size());
    std::string copy = s;
    EXPECT_EQ(a, b) << len;
    EXPECT_EQ(a, Murmur3_128(copy)) << len;
  }
}

TEST(Murmur3, EveryLengthAndSeedChangesTheHash) {
  // Inputs that differ only in length (trailing NULs) or seed must not collide.
  std::string zeros(64, '\0');
  std::set<std::pair<uint64_t, uint64_t>> seen;
  for (size_t len = 0; len <= zeros.size(); ++len) {
    Hash128 h = Murmur3_128(zeros.data(), len);
    EXPECT_TRUE(seen.insert({h.lo, h.hi}).second) << len;
  }
  EXPECT_NE(Murmur3_128("x", 0), Murmur3_128("x", 1));
  // Single bit flips in any position change both halves.
  std::string base = HundredBytes();
  Hash128 hb = Murmur3_128(base);
  for (size_t i = 0; i < base.size(); ++i) {
    std::string s = base;
    s[i] ^= 1;
    Hash128 h = Murmur3_128(s);
    EXPECT_NE(h.lo, hb.lo) << i;
    EXPECT_NE(h.hi, hb.hi) << i;
  }
}

TEST(Hash128, HexIsHiThenLoLowercase) {
  Hash128 h{0x0123456789abcdefull, 0xfedcba9876543210ull};
  EXPECT_EQ(h.ToHex(), "fedcba98765432100123456789abcdef");
  EXPECT_EQ(Hash128{}.ToHex(), std::string(32, '0'));
  Hash128 max{~0ull, ~0ull};
  EXPECT_EQ(max.ToHex(), std::string(32, 'f'));
}

TEST(Hash128, HexRoundTrip) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200; ++i) {
    Hash128 h{rng(), rng()};
    Hash128 back;
    ASSERT_TRUE(Hash128::FromHex(h.ToHex(), &back));
    EXPECT_EQ(back, h);
  }
  Hash128 back;
  ASSERT_TRUE(Hash128::FromHex("FEDCBA98765432100123456789ABCDEF", &back));  // uppercase accepted
  EXPECT_EQ(back, (Hash128{0x0123456789abcdefull, 0xfedcba9876543210ull}));
}

TEST(Hash128, BadHexRejectedAndOutputUntouched) {
  const Hash128 sentinel{7, 9};
  const std::string bad[] = {
      "",
      std::string(31, 'a'),
      std::string(33, 'a'),
      std::string(31, 'a') + "g",
      "g" + std::string(31, 'a'),
      std::string(15, '0') + " " + std::string(16, '0'),
      std::string(16, '0') + "-" + std::string(15, '0'),
      "0x" + std::string(30, '0'),
      std::string(31, '0') + std::string("\0", 1),
      std::string(31, '0') + "\xc3",
  };
  for (const auto& s : bad) {
    Hash128 out = sentinel;
    EXPECT_FALSE(Hash128::FromHex(s, &out)) << s;
    EXPECT_EQ(out, sentinel) << s;
  }
}

TEST(Hash128, OrderingAndZero) {
  EXPECT_TRUE(Hash128{}.IsZero());
  EXPECT_FALSE((Hash128{1, 0}).IsZero());
  EXPECT_FALSE((Hash128{0, 1}).IsZero());
  // hi is the major key.
  EXPECT_LT((Hash128{~0ull, 0}), (Hash128{0, 1}));
  EXPECT_LT((Hash128{1, 5}), (Hash128{2, 5}));
  EXPECT_FALSE((Hash128{2, 5}) < (Hash128{2, 5}));
  EXPECT_NE((Hash128{1, 2}), (Hash128{2, 1}));
}

TEST(Hash64, DeterministicAndDiffersFromMurmurSeedZero) {
  EXPECT_EQ(Hash64("abc"), Hash64(std::string("abc")));
  EXPECT_NE(Hash64("abc"), Hash64("abd"));
  EXPECT_NE(Hash64("abc"), Murmur3_128("abc").lo);
}

TEST(Mix64, IsABijectionOnSamples) {
  EXPECT_EQ(Mix64(0), 0u);
  std::set<uint64_t> out;
  for (uint64_t i = 0; i < 10000; ++i) out.insert(Mix64(i));
  EXPECT_EQ(out.size(), 10000u);
}

}  // namespace
}  // namespace agentperf
