#include "sim/distribution.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace agentperf::sim {
namespace {

std::vector<double> Draw(const Distribution& d, int n, uint64_t seed = 1) {
  SplitMix64 r(seed);
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(d.Sample(r));
  std::sort(v.begin(), v.end());
  return v;
}

double Quantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<size_t>(q * static_cast<double>(sorted.size() - 1))];
}

TEST(DistributionTest, FixedAlwaysGivesItsValue) {
  for (double x : Draw(Distribution::Fixed(80), 100)) EXPECT_EQ(x, 80);
}

TEST(DistributionTest, UniformStaysWithinBounds) {
  Distribution d;
  d.kind = Distribution::Kind::kUniform;
  d.a = 10;
  d.b = 20;
  auto v = Draw(d, 20000);
  EXPECT_GE(v.front(), 10);
  EXPECT_LT(v.back(), 20);
  EXPECT_NEAR(Quantile(v, 0.5), 15, 0.3);
}

TEST(DistributionTest, NormalHasItsMeanAndSd) {
  Distribution d;
  d.kind = Distribution::Kind::kNormal;
  d.a = 60;
  d.b = 8;
  auto v = Draw(d, 40000);
  double mean = 0, var = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double x : v) var += (x - mean) * (x - mean);
  EXPECT_NEAR(mean, 60, 0.3);
  EXPECT_NEAR(std::sqrt(var / static_cast<double>(v.size())), 8, 0.3);
}

TEST(DistributionTest, LognormalHasItsMedianAndP95) {
  Distribution d;
  d.kind = Distribution::Kind::kLognormal;
  d.a = 400;
  d.b = 1200;
  auto v = Draw(d, 40000);
  EXPECT_NEAR(Quantile(v, 0.5), 400, 400 * 0.04);
  EXPECT_NEAR(Quantile(v, 0.95), 1200, 1200 * 0.05);
}

TEST(DistributionTest, ExponentialHasItsMean) {
  Distribution d;
  d.kind = Distribution::Kind::kExponential;
  d.a = 50;
  auto v = Draw(d, 40000);
  double mean = 0;
  for (double x : v) mean += x;
  EXPECT_NEAR(mean / static_cast<double>(v.size()), 50, 1.5);
}

TEST(DistributionTest, MinAndMaxClamp) {
  Distribution d;
  d.kind = Distribution::Kind::kNormal;
  d.a = 10;
  d.b = 50;
  d.min = 5;
  d.max = 30;
  auto v = Draw(d, 5000);
  EXPECT_EQ(v.front(), 5);
  EXPECT_EQ(v.back(), 30);
  // Never negative even without a min.
  d.min = 0;
  d.max = std::numeric_limits<double>::infinity();
  EXPECT_GE(Draw(d, 5000).front(), 0);
}

TEST(DistributionTest, EveryKindDrawsTheSameNumberOfValues) {
  std::vector<Distribution> kinds(5);
  kinds[0] = Distribution::Fixed(1);
  kinds[1].kind = Distribution::Kind::kUniform, kinds[1].a = 0, kinds[1].b = 1;
  kinds[2].kind = Distribution::Kind::kNormal, kinds[2].a = 1, kinds[2].b = 1;
  kinds[3].kind = Distribution::Kind::kLognormal, kinds[3].a = 1, kinds[3].b = 2;
  kinds[4].kind = Distribution::Kind::kExponential, kinds[4].a = 1;
  std::vector<uint64_t> after;
  for (const auto& d : kinds) {
    ASSERT_TRUE(d.Validate().ok()) << d.ToString();
    SplitMix64 r(99);
    d.Sample(r);
    after.push_back(r.Next());
  }
  for (uint64_t x : after) EXPECT_EQ(x, after[0]);
}

TEST(DistributionTest, ValidateRejectsNonsense) {
  Distribution d;
  d.kind = Distribution::Kind::kLognormal;
  d.a = 400;
  d.b = 100;  // p95 below the median
  EXPECT_FALSE(d.Validate().ok());
  d.kind = Distribution::Kind::kNormal;
  d.b = -1;
  EXPECT_FALSE(d.Validate().ok());
  Distribution f = Distribution::Fixed(-5);
  EXPECT_FALSE(f.Validate().ok());
  Distribution m = Distribution::Fixed(5);
  m.min = 10;
  m.max = 1;
  EXPECT_FALSE(m.Validate().ok());
}

}  // namespace
}  // namespace agentperf::sim
