// The segment id filter: a binary fuse filter (what writers produce) with no
// false negatives and fewer false positives than the Bloom filter it
// replaces, in fewer bits; the Bloom format still decodes; damage is refused.
#include "store/segment/id_filter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace agentperf::store {
namespace {

std::vector<Hash128> RandomIds(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Hash128> ids(n);
  for (auto& id : ids) id = Hash128{rng(), rng()};
  return ids;
}

IdFilter Build(const std::vector<Hash128>& ids, std::string* encoded, bool bloom = false) {
  IdFilter b(ids.size());
  for (const auto& id : ids) b.Add(id);
  encoded->clear();
  if (bloom) b.EncodeBloomTo(encoded);
  else b.EncodeTo(encoded);
  auto f = IdFilter::Decode(*encoded);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? std::move(f).value() : IdFilter();
}

double FalsePositiveRate(const IdFilter& f, uint64_t seed) {
  size_t hits = 0;
  const auto probes = RandomIds(200000, seed);
  for (const auto& id : probes) hits += f.MayContain(id);
  return static_cast<double>(hits) / static_cast<double>(probes.size());
}

TEST(IdFilterTest, FuseFilterHasNoFalseNegativesAndFewFalsePositives) {
  for (size_t n : {1, 2, 3, 10, 100, 1000, 262144}) {
    const auto ids = RandomIds(n, n);
    std::string enc;
    IdFilter f = Build(ids, &enc);
    for (const auto& id : ids) ASSERT_TRUE(f.MayContain(id)) << "n=" << n;
    EXPECT_EQ(enc.substr(0, 2), std::string("\0\0", 2)) << "n=" << n << ": not a fuse filter";
    if (n >= 1000) {
      EXPECT_LT(FalsePositiveRate(f, 99), 0.0095) << "n=" << n;  // 2^-7 = 0.78 % expected
    }
    // Bits per id (Bloom: 10): 7 per slot, 1.125 slots per id for large sets, more for small ones.
    if (n >= 100000) {
      EXPECT_LT(static_cast<double>(enc.size()) * 8 / n, 8.2) << "n=" << n;
    }
    if (n == 1000) {
      EXPECT_LT(static_cast<double>(enc.size()) * 8 / n, 11) << "n=" << n;
    }
  }
}

TEST(IdFilterTest, BloomFormatStillDecodes) {
  const auto ids = RandomIds(5000, 7);
  std::string enc;
  IdFilter f = Build(ids, &enc, /*bloom=*/true);
  for (const auto& id : ids) ASSERT_TRUE(f.MayContain(id));
  EXPECT_LT(FalsePositiveRate(f, 98), 0.02);
  EXPECT_EQ(enc.size(), 1 + 1 + 98 * 64u);  // varint blocks (98 = ceil(5000 * 10 / 512)), varint k, blocks
}

TEST(IdFilterTest, EmptyAndRepeatedIds) {
  std::string enc;
  IdFilter empty = Build({}, &enc);
  EXPECT_FALSE(empty.MayContain(Hash128{1, 2}));
  EXPECT_FALSE(IdFilter().MayContain(Hash128{1, 2}));
  auto ids = RandomIds(3000, 3);
  ids.insert(ids.end(), ids.begin(), ids.begin() + 500);  // the same ids twice: still built, still found
  IdFilter f = Build(ids, &enc);
  EXPECT_EQ(enc.substr(0, 2), std::string("\0\0", 2));
  for (const auto& id : ids) ASSERT_TRUE(f.MayContain(id));
  IdFilter builder(10);  // before encoding a builder cannot rule anything out
  EXPECT_TRUE(builder.MayContain(Hash128{5, 6}));
}

TEST(IdFilterTest, DamagedHeadersAreCorruption) {
  const auto ids = RandomIds(1000, 4);
  std::string enc;
  Build(ids, &enc);
  for (size_t len = 0; len < enc.size(); len += 1 + len / 7) {  // truncations
    EXPECT_EQ(IdFilter::Decode(std::string_view(enc).substr(0, len)).status().code(), StatusCode::kCorruption) << len;
  }
  EXPECT_EQ(IdFilter::Decode(enc + "x").status().code(), StatusCode::kCorruption);
  std::string bad_kind = enc;
  bad_kind[2] = 2;  // unknown filter kind
  EXPECT_EQ(IdFilter::Decode(bad_kind).status().code(), StatusCode::kCorruption);
  std::string bad_bits = enc;
  bad_bits[2 + 1 + 8 + 1 + 1] = 9;  // fingerprint bits (segment count < 128 here: one varint byte)
  EXPECT_EQ(IdFilter::Decode(bad_bits).status().code(), StatusCode::kCorruption);
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {  // random damage: a status, never a crash
    std::string bad = enc;
    bad[rng() % 16] = static_cast<char>(rng());
    auto f = IdFilter::Decode(bad);
    if (f.ok()) (void)f->MayContain(ids[0]);
  }
}

}  // namespace
}  // namespace agentperf::store
