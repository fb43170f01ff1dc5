#include "analysis/stats/robust.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace agentperf::analysis::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(QuantileSortedTest, Type7HandComputed) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_EQ(QuantileSorted(v, 0.5), 2.5);
  EXPECT_EQ(QuantileSorted(v, 0.25), 1.75);       // h = 0.75
  EXPECT_DOUBLE_EQ(QuantileSorted(v, 0.9), 3.7);  // h = 2.7
  EXPECT_EQ(QuantileSorted(v, 0), 1);
  EXPECT_EQ(QuantileSorted(v, 1), 4);
  EXPECT_EQ(QuantileSorted(v, -3), 1);  // clamped
  EXPECT_EQ(QuantileSorted(v, 7), 4);
  const std::vector<double> w = {10, 20, 30, 40, 50};
  EXPECT_EQ(QuantileSorted(w, 0.5), 30);
  EXPECT_EQ(QuantileSorted(w, 0.75), 40);         // h = 3 exactly
  EXPECT_DOUBLE_EQ(QuantileSorted(w, 0.95), 48);  // h = 3.8
}

TEST(QuantileSortedTest, EdgeCases) {
  EXPECT_TRUE(std::isnan(QuantileSorted({}, 0.5)));
  const std::vector<double> one = {7};
  EXPECT_EQ(QuantileSorted(one, 0), 7);
  EXPECT_EQ(QuantileSorted(one, 0.3), 7);
  EXPECT_EQ(QuantileSorted(one, 1), 7);
  EXPECT_TRUE(std::isnan(QuantileSorted(one, kNaN)));
  const std::vector<double> ties = {2, 2, 2};
  EXPECT_EQ(QuantileSorted(ties, 0.37), 2);
  const std::vector<double> infs = {1, kInf, kInf};
  EXPECT_EQ(QuantileSorted(infs, 0.9), kInf);   // inf..inf: no inf - inf
  EXPECT_EQ(QuantileSorted(infs, 0.25), kInf);  // 1 + 0.5 * inf
}

TEST(QuantileSelectTest, ReordersAndMatches) {
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_EQ(QuantileSelect(v, 0.25), 1.75);
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v, (std::vector<double>{1, 2, 3, 4}));  // a permutation of the input
  std::vector<double> empty;
  EXPECT_TRUE(std::isnan(QuantileSelect(empty, 0.5)));
}

TEST(MedianTest, HandComputed) {
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(Median({5, 5, 5, 5}), 5);
  EXPECT_EQ(Median({-1}), -1);
  EXPECT_TRUE(std::isnan(Median({})));
  EXPECT_EQ(Median({kNaN, 1, 3}), 2);  // NaN dropped
  EXPECT_TRUE(std::isnan(Median({kNaN, kNaN})));
}

TEST(MadTest, HandComputed) {
  // The classic example: median 2, |deviations| {1,1,0,0,2,4,7} -> median 1.
  const std::vector<double> v = {1, 1, 2, 2, 4, 6, 9};
  EXPECT_EQ(Mad(v), 1);
  const std::vector<double> even = {1, 2, 3, 4};  // median 2.5, devs {1.5,.5,.5,1.5}
  EXPECT_EQ(Mad(even), 1);
  const std::vector<double> constant = {3, 3, 3};
  EXPECT_EQ(Mad(constant), 0);
  EXPECT_TRUE(std::isnan(Mad(std::vector<double>{})));
  const std::vector<double> with_nan = {1, kNaN, 1, 2, 2, 4, 6, 9};
  EXPECT_EQ(Mad(with_nan), 1);
}

TEST(SpreadTest, HandComputed) {
  const Spread s = ComputeSpread({8, 1, 7, 2, 6, 3, 5, 4, kNaN});
  EXPECT_EQ(s.n, 8u);
  EXPECT_EQ(s.median, 4.5);
  EXPECT_EQ(s.q1, 2.75);  // h = 1.75
  EXPECT_EQ(s.q3, 6.25);  // h = 5.25
  EXPECT_EQ(s.iqr, 3.5);
  EXPECT_EQ(s.mad, 2);  // devs 0.5,0.5,1.5,1.5,2.5,2.5,3.5,3.5
}

TEST(SpreadTest, EmptyAndConstant) {
  const Spread e = ComputeSpread({});
  EXPECT_EQ(e.n, 0u);
  EXPECT_TRUE(std::isnan(e.median) && std::isnan(e.mad) && std::isnan(e.q1) && std::isnan(e.q3) && std::isnan(e.iqr));
  const Spread c = ComputeSpread({2, 2, 2});
  EXPECT_EQ(c.n, 3u);
  EXPECT_EQ(c.median, 2);
  EXPECT_EQ(c.mad, 0);
  EXPECT_EQ(c.iqr, 0);
}

TEST(RobustZTest, Values) {
  EXPECT_DOUBLE_EQ(RobustZ(10, 5, 2), 0.6745 * 5 / 2);
  EXPECT_DOUBLE_EQ(RobustZ(0, 5, 2), -0.6745 * 5 / 2);
  EXPECT_EQ(RobustZ(5, 5, 2), 0);
  EXPECT_EQ(RobustZ(5, 5, 0), 0);
  EXPECT_EQ(RobustZ(6, 5, 0), kInf);
  EXPECT_EQ(RobustZ(4, 5, 0), -kInf);
  EXPECT_TRUE(std::isnan(RobustZ(kNaN, 5, 1)));
  EXPECT_TRUE(std::isnan(RobustZ(1, kNaN, 1)));
  EXPECT_TRUE(std::isnan(RobustZ(1, 5, kNaN)));
}

RC_GTEST_PROP(RobustProperty, SelectEqualsSortedBitForBit, (const std::vector<int>& ints)) {
  RC_PRE(!ints.empty());
  const double q = *rc::gen::inRange(0, 1001) / 1000.0;
  std::vector<double> v;
  for (int i : ints) v.push_back(i / 7.0);
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  const double expected = QuantileSorted(sorted, q);
  RC_ASSERT(QuantileSelect(v, q) == expected);
  RC_ASSERT(expected >= sorted.front());
  RC_ASSERT(expected <= sorted.back());
}

RC_GTEST_PROP(RobustProperty, SpreadConsistent, (const std::vector<int>& ints)) {
  RC_PRE(!ints.empty());
  std::vector<double> v(ints.begin(), ints.end());
  const Spread s = ComputeSpread(v);
  RC_ASSERT(s.n == v.size());
  RC_ASSERT(s.median == Median(v));
  RC_ASSERT(s.mad == Mad(v));
  RC_ASSERT(s.q1 <= s.median);
  RC_ASSERT(s.median <= s.q3);
  RC_ASSERT(s.mad >= 0);
  // Shifting every value moves the location, not the spread (exact for ints).
  for (double& x : v) x += 1000;
  const Spread t = ComputeSpread(v);
  RC_ASSERT(t.median == s.median + 1000);
  RC_ASSERT(t.mad == s.mad);
  RC_ASSERT(t.iqr == s.iqr);
}

}  // namespace
}  // namespace agentperf::analysis::stats
