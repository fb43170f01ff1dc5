#include "analysis/stats/bootstrap.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "analysis/stats/robust.h"

namespace agentperf::analysis::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool SameBits(const Interval& x, const Interval& y) {
  auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
  return same(x.estimate, y.estimate) && same(x.lo, y.lo) && same(x.hi, y.hi);
}

TEST(BootstrapQuantileTest, SingleValueAndConstant) {
  Interval i = BootstrapQuantile(std::vector<double>{5}, 0.5, 100, 0.95, 1);
  EXPECT_EQ(i.estimate, 5);
  EXPECT_EQ(i.lo, 5);
  EXPECT_EQ(i.hi, 5);
  i = BootstrapQuantile(std::vector<double>{2, 2, 2, 2}, 0.9, 100, 0.95, 1);
  EXPECT_EQ(i.estimate, 2);
  EXPECT_EQ(i.lo, 2);
  EXPECT_EQ(i.hi, 2);
}

TEST(BootstrapQuantileTest, TwoPointsHasKnownResampleDistribution) {
  // Resampled medians of {0, 10}: 0 (p 1/4), 5 (p 1/2), 10 (p 1/4).
  const std::vector<double> a = {0, 10};
  Interval i = BootstrapQuantile(a, 0.5, 2000, 0.4, 7);  // 30th..70th percentile
  EXPECT_EQ(i.estimate, 5);
  EXPECT_EQ(i.lo, 5);
  EXPECT_EQ(i.hi, 5);
  i = BootstrapQuantile(a, 0.5, 2000, 0.9, 7);  // 5th..95th percentile
  EXPECT_EQ(i.lo, 0);
  EXPECT_EQ(i.hi, 10);
}

TEST(BootstrapQuantileTest, InvalidInput) {
  const std::vector<double> a = {1, 2, 3};
  Interval i = BootstrapQuantile(std::vector<double>{}, 0.5, 100, 0.95, 1);
  EXPECT_TRUE(std::isnan(i.estimate) && std::isnan(i.lo) && std::isnan(i.hi));
  i = BootstrapQuantile(std::vector<double>{kNaN, kInf}, 0.5, 100, 0.95, 1);
  EXPECT_TRUE(std::isnan(i.estimate) && std::isnan(i.lo) && std::isnan(i.hi));
  i = BootstrapQuantile(a, 1.5, 100, 0.95, 1);
  EXPECT_TRUE(std::isnan(i.estimate) && std::isnan(i.lo) && std::isnan(i.hi));
  i = BootstrapQuantile(a, kNaN, 100, 0.95, 1);
  EXPECT_TRUE(std::isnan(i.estimate));
  for (auto [resamples, confidence] : {std::pair{0, 0.95}, {-3, 0.95}, {100, 1.0}, {100, 0.0}, {100, kNaN}}) {
    i = BootstrapQuantile(a, 0.5, resamples, confidence, 1);
    EXPECT_EQ(i.estimate, 2);
    EXPECT_TRUE(std::isnan(i.lo) && std::isnan(i.hi));
  }
  // Non-finite values are dropped.
  i = BootstrapQuantile(std::vector<double>{kNaN, 4, kInf}, 0.5, 10, 0.9, 1);
  EXPECT_EQ(i.estimate, 4);
  EXPECT_EQ(i.lo, 4);
  EXPECT_EQ(i.hi, 4);
}

TEST(BootstrapQuantileTest, MedianIntervalCoversTheTrueMedian) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> a(400);
  for (double& x : a) x = normal(rng);
  const Interval i = BootstrapQuantile(a, 0.5, 2000, 0.95, 11);
  EXPECT_LT(i.lo, 0);
  EXPECT_GT(i.hi, 0);
  EXPECT_LT(i.hi - i.lo, 0.5);  // ~ 2 * 1.96 * 1.2533 / sqrt(400) = 0.25
}

TEST(BootstrapQuantileDiffTest, ShiftAndInvalid) {
  const std::vector<double> a = {1, 2, 3, 4, 5, 6, 7};
  std::vector<double> b = a;
  for (double& x : b) x += 10;
  const Interval i = BootstrapQuantileDiff(a, b, 0.5, 500, 0.95, 5);
  EXPECT_EQ(i.estimate, 10);  // b - a
  EXPECT_LE(i.lo, 10);
  EXPECT_GE(i.hi, 10);
  EXPECT_GT(i.lo, 5);  // the samples do not overlap at all
  EXPECT_EQ(BootstrapQuantileDiff(b, a, 0.5, 10, 0.9, 5).estimate, -10);

  Interval e = BootstrapQuantileDiff(std::vector<double>{}, b, 0.5, 10, 0.9, 5);
  EXPECT_TRUE(std::isnan(e.estimate) && std::isnan(e.lo) && std::isnan(e.hi));
  e = BootstrapQuantileDiff(a, std::vector<double>{kNaN}, 0.5, 10, 0.9, 5);
  EXPECT_TRUE(std::isnan(e.estimate));
  e = BootstrapQuantileDiff(a, b, 0.5, 0, 0.9, 5);
  EXPECT_EQ(e.estimate, 10);
  EXPECT_TRUE(std::isnan(e.lo) && std::isnan(e.hi));
}

// The documented algorithm, written plainly (sorting instead of selection).
Interval Reference(const std::vector<double>& a, const std::vector<double>* b, double q, int resamples,
                   double confidence, uint64_t seed) {
  auto quantile = [q](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return QuantileSorted(v, q);
  };
  std::mt19937_64 rng(seed);
  auto resample = [&rng](const std::vector<double>& src) {
    std::vector<double> out(src.size());
    for (double& x : out) {
      x = src[static_cast<size_t>((static_cast<unsigned __int128>(rng()) * src.size()) >> 64)];
    }
    return out;
  };
  std::vector<double> stats;
  for (int r = 0; r < resamples; ++r) {
    const double qa = quantile(resample(a));
    stats.push_back(b == nullptr ? qa : quantile(resample(*b)) - qa);
  }
  std::sort(stats.begin(), stats.end());
  const double estimate = b == nullptr ? quantile(a) : quantile(*b) - quantile(a);
  return {estimate, QuantileSorted(stats, (1 - confidence) / 2), QuantileSorted(stats, (1 + confidence) / 2)};
}

rc::Gen<std::vector<double>> Sample() {
  return rc::gen::map(rc::gen::nonEmpty(rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 1000))),
                      [](const std::vector<int>& v) {
                        std::vector<double> out;
                        for (int x : v) out.push_back(x * 0.37);
                        return out;
                      });
}

RC_GTEST_PROP(BootstrapProperty, DeterministicMatchesReferenceAndContainsEstimate, ()) {
  const auto a = *Sample();
  const double q = *rc::gen::element(0.5, 0.9, 0.95, 0.99, 0.0, 1.0, 0.25);
  const double confidence = *rc::gen::inRange(50, 100) / 100.0;
  const int resamples = *rc::gen::inRange(200, 400);
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  const Interval i = BootstrapQuantile(a, q, resamples, confidence, seed);
  RC_ASSERT(SameBits(i, BootstrapQuantile(a, q, resamples, confidence, seed)));
  RC_ASSERT(SameBits(i, Reference(a, nullptr, q, resamples, confidence, seed)));
  RC_ASSERT(i.lo <= i.estimate);
  RC_ASSERT(i.estimate <= i.hi);
}

RC_GTEST_PROP(BootstrapProperty, DiffDeterministicMatchesReferenceAndContainsEstimate, ()) {
  const auto a = *Sample();
  const auto b = *Sample();
  const double q = *rc::gen::element(0.5, 0.9, 0.95, 0.99);
  const double confidence = *rc::gen::inRange(50, 100) / 100.0;
  const int resamples = *rc::gen::inRange(200, 400);
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  const Interval i = BootstrapQuantileDiff(a, b, q, resamples, confidence, seed);
  RC_ASSERT(SameBits(i, BootstrapQuantileDiff(a, b, q, resamples, confidence, seed)));
  RC_ASSERT(SameBits(i, Reference(a, &b, q, resamples, confidence, seed)));
  RC_ASSERT(i.lo <= i.estimate);
  RC_ASSERT(i.estimate <= i.hi);
}

}  // namespace
}  // namespace agentperf::analysis::stats
