#include "analysis/stats/contribution.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace agentperf::analysis::stats {
namespace {

const Contribution* Find(const ContributionResult& r, const std::string& value) {
  for (const Contribution& c : r.by_value) {
    if (c.value == value) return &c;
  }
  return nullptr;
}

TEST(ContributionTest, MixAndRateHandComputed) {
  // x: 80 -> 50 events at 100 ms; y: 20 -> 50 events, 500 -> 600 ms.
  // M_A = 18000 / 100 = 180, M_B = 35000 / 100 = 350.
  const std::vector<Slice> slices = {{"x", 80, 8000, 50, 5000}, {"y", 20, 10000, 50, 30000}};
  const ContributionResult r = ComputeContributions(slices);
  EXPECT_EQ(r.m_a, 180);
  EXPECT_EQ(r.m_b, 350);
  EXPECT_EQ(r.delta, 170);
  ASSERT_EQ(r.by_value.size(), 2u);
  const Contribution& y = r.by_value[0];  // |200| > |-30|
  EXPECT_EQ(y.value, "y");
  EXPECT_EQ(y.mean_a, 500);
  EXPECT_EQ(y.mean_b, 600);
  EXPECT_DOUBLE_EQ(y.weight_a, 0.2);
  EXPECT_DOUBLE_EQ(y.weight_b, 0.5);
  EXPECT_DOUBLE_EQ(y.contribution, 200);  // 300 - 100
  EXPECT_DOUBLE_EQ(y.mix, 150);           // 0.3 * 500
  EXPECT_DOUBLE_EQ(y.rate, 50);           // 0.5 * 100
  EXPECT_DOUBLE_EQ(y.share, 200.0 / 170);
  const Contribution& x = r.by_value[1];
  EXPECT_EQ(x.value, "x");
  EXPECT_DOUBLE_EQ(x.contribution, -30);
  EXPECT_DOUBLE_EQ(x.mix, -30);  // fewer of the fast events...
  EXPECT_DOUBLE_EQ(x.rate, 0);   // ...which did not change themselves
  EXPECT_DOUBLE_EQ(x.share, -30.0 / 170);
}

TEST(ContributionTest, AppearingAndDisappearingSlicesAreMix) {
  // z only in B (mean 100), w only in A (mean 50), v unchanged.
  const std::vector<Slice> slices = {{"v", 10, 100, 10, 100}, {"w", 10, 500, 0, 0}, {"z", 0, 0, 10, 1000}};
  const ContributionResult r = ComputeContributions(slices);
  EXPECT_EQ(r.m_a, 30);
  EXPECT_EQ(r.m_b, 55);
  ASSERT_EQ(r.by_value.size(), 3u);
  EXPECT_EQ(r.by_value[0].value, "z");
  EXPECT_EQ(r.by_value[1].value, "w");
  EXPECT_EQ(r.by_value[2].value, "v");
  const Contribution* z = Find(r, "z");
  EXPECT_EQ(z->weight_a, 0);
  EXPECT_EQ(z->mean_a, 100);  // borrowed from B
  EXPECT_EQ(z->mean_b, 100);
  EXPECT_EQ(z->contribution, 50);
  EXPECT_EQ(z->mix, 50);
  EXPECT_EQ(z->rate, 0);
  EXPECT_EQ(z->share, 2);
  const Contribution* w = Find(r, "w");
  EXPECT_EQ(w->weight_b, 0);
  EXPECT_EQ(w->mean_b, 50);  // borrowed from A
  EXPECT_EQ(w->contribution, -25);
  EXPECT_EQ(w->mix, -25);
  EXPECT_EQ(w->rate, 0);
  const Contribution* v = Find(r, "v");
  EXPECT_EQ(v->contribution, 0);
  EXPECT_EQ(v->mix, 0);
  EXPECT_EQ(v->rate, 0);
}

TEST(ContributionTest, SliceEmptyInBothWindows) {
  const std::vector<Slice> slices = {{"a", 10, 100, 10, 200}, {"e", 0, 0, 0, 0}};
  const ContributionResult r = ComputeContributions(slices);
  const Contribution* e = Find(r, "e");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(std::isnan(e->mean_a) && std::isnan(e->mean_b));
  EXPECT_EQ(e->contribution, 0);
  EXPECT_EQ(e->mix, 0);
  EXPECT_EQ(e->rate, 0);
  EXPECT_EQ(e->share, 0);
  EXPECT_EQ(r.by_value[0].value, "a");
}

TEST(ContributionTest, EmptyWindowGivesNaN) {
  const std::vector<Slice> slices = {{"a", 0, 0, 10, 200}, {"b", 0, 0, 30, 300}};
  const ContributionResult r = ComputeContributions(slices);
  EXPECT_TRUE(std::isnan(r.m_a));
  EXPECT_EQ(r.m_b, 12.5);
  EXPECT_TRUE(std::isnan(r.delta));
  for (const Contribution& c : r.by_value) {
    EXPECT_TRUE(std::isnan(c.weight_a));
    EXPECT_FALSE(std::isnan(c.weight_b));
    EXPECT_FALSE(std::isnan(c.mean_b));
    EXPECT_TRUE(std::isnan(c.contribution) && std::isnan(c.mix) && std::isnan(c.rate) && std::isnan(c.share));
  }
  EXPECT_EQ(r.by_value[0].value, "a");  // all NaN: by value

  const ContributionResult none = ComputeContributions({});
  EXPECT_TRUE(std::isnan(none.m_a) && std::isnan(none.m_b) && std::isnan(none.delta));
  EXPECT_TRUE(none.by_value.empty());
}

TEST(ContributionTest, NoChangeMeansNoShare) {
  const std::vector<Slice> slices = {{"a", 10, 100, 10, 100}};
  const ContributionResult r = ComputeContributions(slices);
  EXPECT_EQ(r.delta, 0);
  EXPECT_EQ(r.by_value[0].contribution, 0);
  EXPECT_TRUE(std::isnan(r.by_value[0].share));
}

TEST(ContributionTest, DuplicatesMergedTiesByValueSumWithoutCountIgnored) {
  const std::vector<Slice> slices = {
      {"b", 5, 50, 5, 100}, {"a", 10, 100, 10, 0}, {"b", 5, 50, 5, 100}, {"c", 0, 99, 10, 100}};
  // Merged b: 10 events 100 -> 200; a: 10 events 100 -> 0; c: sum 99 with no
  // events in A is ignored. C_A = 20, S_A = 200; C_B = 30, S_B = 300.
  const ContributionResult r = ComputeContributions(slices);
  ASSERT_EQ(r.by_value.size(), 3u);
  EXPECT_EQ(r.m_a, 10);
  EXPECT_EQ(r.m_b, 10);
  // a: 0/30 - 100/20 = -5; b: 200/30 - 100/20 = 1.67; c: 100/30 = 3.33.
  EXPECT_EQ(r.by_value[0].value, "a");
  EXPECT_EQ(r.by_value[1].value, "c");
  EXPECT_EQ(r.by_value[2].value, "b");

  const std::vector<Slice> tie = {{"q", 10, 100, 10, 200}, {"p", 10, 200, 10, 100}};
  const ContributionResult t = ComputeContributions(tie);
  EXPECT_EQ(t.by_value[0].value, "p");  // |-5| == |5|: by value
  EXPECT_EQ(t.by_value[1].value, "q");
}

TEST(ContributionTest, ErrorRates) {
  // p1's error rate went 1% -> 5%; p2 unchanged: all of +2 points is p1's.
  const std::vector<RateSlice> slices = {{"p1", 1000, 10, 1000, 50}, {"p2", 1000, 10, 1000, 10}};
  const ContributionResult r = ComputeRateContributions(slices);
  EXPECT_DOUBLE_EQ(r.m_a, 0.01);
  EXPECT_DOUBLE_EQ(r.m_b, 0.03);
  EXPECT_EQ(r.by_value[0].value, "p1");
  EXPECT_DOUBLE_EQ(r.by_value[0].mean_a, 0.01);
  EXPECT_DOUBLE_EQ(r.by_value[0].mean_b, 0.05);
  EXPECT_DOUBLE_EQ(r.by_value[0].contribution, 0.02);
  EXPECT_DOUBLE_EQ(r.by_value[0].rate, 0.02);
  EXPECT_DOUBLE_EQ(r.by_value[0].mix, 0);
  EXPECT_DOUBLE_EQ(r.by_value[0].share, 1);
  EXPECT_DOUBLE_EQ(r.by_value[1].contribution, 0);
}

RC_GTEST_PROP(ContributionProperty, PartsAddUp, ()) {
  const int n = *rc::gen::inRange(1, 12);
  std::vector<Slice> slices;
  double total_a = 0;
  double total_b = 0;
  for (int i = 0; i < n; ++i) {
    const double count_a = *rc::gen::inRange(0, 1000);
    const double count_b = *rc::gen::inRange(0, 1000);
    const double mean_a = *rc::gen::inRange(0, 100'000) / 7.0;
    const double mean_b = *rc::gen::inRange(0, 100'000) / 7.0;
    // Values repeat sometimes: duplicates are merged.
    slices.push_back(
        {"v" + std::to_string(*rc::gen::inRange(0, 15)), count_a, count_a * mean_a, count_b, count_b * mean_b});
    total_a += count_a;
    total_b += count_b;
  }
  const ContributionResult r = ComputeContributions(slices);
  RC_PRE(total_a > 0 && total_b > 0);
  double sum = 0;
  double share_sum = 0;
  double scale = std::fabs(r.m_a) + std::fabs(r.m_b);
  for (const Contribution& c : r.by_value) {
    sum += c.contribution;
    share_sum += c.share;
    RC_ASSERT(c.weight_a >= 0.0);
    RC_ASSERT(c.weight_b >= 0.0);
    if (c.weight_a == 0 && c.weight_b == 0) {  // empty in both windows
      RC_ASSERT(std::isnan(c.mean_a));
      RC_ASSERT(c.contribution == 0.0);
      RC_ASSERT(c.mix == 0.0);
      RC_ASSERT(c.rate == 0.0);
      continue;
    }
    const double terms =
        std::fabs(c.weight_a * c.mean_a) + std::fabs(c.weight_b * c.mean_b) + std::fabs(c.weight_b * c.mean_a);
    RC_ASSERT(std::fabs(c.mix + c.rate - c.contribution) <= 1e-12 * terms);
  }
  RC_ASSERT(std::fabs(sum - r.delta) <= 1e-12 * scale);
  if (std::fabs(r.delta) > 1e-6 * scale) RC_ASSERT(std::fabs(share_sum - 1) <= 1e-6);
  for (size_t i = 1; i < r.by_value.size(); ++i) {
    const double prev = std::fabs(r.by_value[i - 1].contribution);
    const double cur = std::fabs(r.by_value[i].contribution);
    RC_ASSERT(prev >= cur);
    if (prev == cur) RC_ASSERT(r.by_value[i - 1].value < r.by_value[i].value);
  }
}

}  // namespace
}  // namespace agentperf::analysis::stats
