#include "sim/splitmix.h"

#include <gtest/gtest.h>

#include <set>

namespace agentperf::sim {
namespace {

TEST(SplitMix64Test, MatchesTheReferenceSequence) {
  // Reference outputs of Vigna's splitmix64.c for seed 0.
  SplitMix64 r(0);
  EXPECT_EQ(r.Next(), 0xe220a8397b1dcdafull);
  EXPECT_EQ(r.Next(), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(r.Next(), 0x06c45d188009454full);
}

TEST(SplitMix64Test, UniformsStayInRange) {
  SplitMix64 r(7);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    double u = r.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    double o = r.UniformOpen();
    ASSERT_GT(o, 0.0);
    ASSERT_LT(o, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.01);
}

TEST(SplitMix64Test, StreamSeedDependsOnEveryInput) {
  std::set<uint64_t> seeds;
  seeds.insert(StreamSeed(42, "ses_a", 0, 0));
  seeds.insert(StreamSeed(43, "ses_a", 0, 0));
  seeds.insert(StreamSeed(42, "ses_b", 0, 0));
  seeds.insert(StreamSeed(42, "ses_a", 1, 0));
  seeds.insert(StreamSeed(42, "ses_a", 0, 1));
  seeds.insert(StreamSeed(42, "ses_a1", 0, 0));
  EXPECT_EQ(seeds.size(), 6u);
  // Stable: the same inputs give the same seed.
  EXPECT_EQ(StreamSeed(42, "ses_a", 3, 2), StreamSeed(42, "ses_a", 3, 2));
}

}  // namespace
}  // namespace agentperf::sim
