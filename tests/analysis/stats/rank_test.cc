#include "analysis/stats/rank.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "analysis/stats/distributions.h"

namespace agentperf::analysis::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------- AverageRanks

TEST(AverageRanksTest, HandComputed) {
  EXPECT_EQ(AverageRanks(std::vector<double>{10, 20, 20, 30}), (std::vector<double>{1, 2.5, 2.5, 4}));
  EXPECT_EQ(AverageRanks(std::vector<double>{3, 1, 2}), (std::vector<double>{3, 1, 2}));
  EXPECT_EQ(AverageRanks(std::vector<double>{5, 5, 5}), (std::vector<double>{2, 2, 2}));
  EXPECT_EQ(AverageRanks(std::vector<double>{2, 1, 2, 1, 2}), (std::vector<double>{4, 1.5, 4, 1.5, 4}));
  EXPECT_TRUE(AverageRanks(std::vector<double>{}).empty());
  const auto r = AverageRanks(std::vector<double>{kNaN, 2, 1});
  EXPECT_TRUE(std::isnan(r[0]));
  EXPECT_EQ(r[1], 2);
  EXPECT_EQ(r[2], 1);
}

// -------------------------------------------------------------------- Spearman

TEST(SpearmanTest, HandComputedWithTies) {
  // y ranks {1, 2, 3.5, 5, 3.5}: sxy = 8, sxx = 10, syy = 9.5.
  const std::vector<double> x = {1, 2, 3, 4, 5};
  const std::vector<double> y = {5, 6, 7, 8, 7};
  const Correlation c = Spearman(x, y);
  EXPECT_EQ(c.n, 5u);
  EXPECT_NEAR(c.rho, 0.82078268166812327637, 1e-15);
  EXPECT_NEAR(c.p_value, 0.08858700531354387981, 1e-13);  // t approximation, df 3
}

TEST(SpearmanTest, PerfectAndDegenerate) {
  const std::vector<double> x = {1, 2, 3, 4};
  const std::vector<double> up = {10, 100, 1000, 10000};
  const std::vector<double> down = {4, 3, 2, 1};
  EXPECT_EQ(Spearman(x, up).rho, 1);
  EXPECT_EQ(Spearman(x, up).p_value, 0);
  EXPECT_EQ(Spearman(x, down).rho, -1);
  EXPECT_EQ(Spearman(x, down).p_value, 0);

  const std::vector<double> constant = {7, 7, 7, 7};
  Correlation c = Spearman(x, constant);
  EXPECT_EQ(c.n, 4u);
  EXPECT_TRUE(std::isnan(c.rho) && std::isnan(c.p_value));

  c = Spearman(std::vector<double>{1, 2}, std::vector<double>{2, 1});
  EXPECT_EQ(c.n, 2u);
  EXPECT_TRUE(std::isnan(c.rho) && std::isnan(c.p_value));

  c = Spearman(std::vector<double>{1, 2, 3}, std::vector<double>{1, 2});
  EXPECT_EQ(c.n, 0u);
  EXPECT_TRUE(std::isnan(c.rho));

  c = Spearman(std::vector<double>{}, std::vector<double>{});
  EXPECT_EQ(c.n, 0u);
  EXPECT_TRUE(std::isnan(c.rho));

  // NaN pairs are dropped: what is left is perfectly monotone.
  c = Spearman(std::vector<double>{1, kNaN, 3, 4, 5}, std::vector<double>{1, 2, kNaN, 4, 5});
  EXPECT_EQ(c.n, 3u);
  EXPECT_EQ(c.rho, 1);
}

// Brute force: ranks by counting (O(n^2)), then Pearson's formula.
double BruteSpearman(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  auto ranks = [n](const std::vector<double>& v) {
    std::vector<double> r(n);
    for (size_t i = 0; i < n; ++i) {
      double less = 0;
      double equal = 0;
      for (size_t j = 0; j < n; ++j) {
        less += v[j] < v[i];
        equal += v[j] == v[i];
      }
      r[i] = less + (equal + 1) / 2;
    }
    return r;
  };
  const auto rx = ranks(x);
  const auto ry = ranks(y);
  double mx = 0;
  double my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += rx[i];
    my += ry[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0;
  double sxx = 0;
  double syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  if (sxx == 0 || syy == 0) return kNaN;  // a constant side
  return sxy / std::sqrt(sxx * syy);
}

// Pairs of small integers: plenty of ties.
rc::Gen<std::vector<std::pair<int, int>>> SmallPairs() {
  return rc::gen::container<std::vector<std::pair<int, int>>>(
      rc::gen::pair(rc::gen::inRange(-20, 21), rc::gen::inRange(-20, 21)));
}

RC_GTEST_PROP(SpearmanProperty, EqualsBruteForce, ()) {
  const auto pairs = *SmallPairs();
  std::vector<double> x;
  std::vector<double> y;
  for (auto [a, b] : pairs) {
    x.push_back(a);
    y.push_back(b);
  }
  const Correlation c = Spearman(x, y);
  RC_ASSERT(c.n == x.size());
  const double expected = x.size() < 3 ? kNaN : BruteSpearman(x, y);
  if (std::isnan(expected)) {  // n < 3 or a constant side
    RC_ASSERT(std::isnan(c.rho));
    RC_ASSERT(std::isnan(c.p_value));
    return;
  }
  RC_ASSERT(std::fabs(c.rho - expected) <= 1e-12);
  if (std::fabs(c.rho) == 1) {
    RC_ASSERT(c.p_value == 0.0);
  } else {
    const double df = static_cast<double>(x.size() - 2);
    const double t = expected * std::sqrt(df / (1 - expected * expected));
    RC_ASSERT(std::fabs(c.p_value - StudentTTwoSidedP(t, df)) <= 1e-9);
    RC_ASSERT(c.p_value >= 0.0);
    RC_ASSERT(c.p_value <= 1.0);
  }
}

RC_GTEST_PROP(SpearmanProperty, InvariantUnderMonotoneTransforms, ()) {
  const auto pairs = *SmallPairs();
  std::vector<double> x, y, fx, gy, hx;
  for (auto [a, b] : pairs) {
    x.push_back(a);
    y.push_back(b);
    fx.push_back(std::exp(a / 8.0));          // strictly increasing
    gy.push_back(1.0 * b * b * b + 3.0 * b);  // strictly increasing
    hx.push_back(-5.0 * a);                   // strictly decreasing
  }
  const Correlation c = Spearman(x, y);
  const Correlation t = Spearman(fx, gy);
  const Correlation r = Spearman(hx, y);
  if (std::isnan(c.rho)) {
    RC_ASSERT(std::isnan(t.rho));
    RC_ASSERT(std::isnan(r.rho));
    return;
  }
  RC_ASSERT(t.rho == c.rho);
  RC_ASSERT(t.p_value == c.p_value);
  RC_ASSERT(r.rho == -c.rho);
  RC_ASSERT(r.p_value == c.p_value);
}

// ---------------------------------------------------------------- Mann-Whitney

TEST(MannWhitneyTest, NoTies) {
  const MannWhitney m = MannWhitneyU(std::vector<double>{1, 2, 3}, std::vector<double>{4, 5, 6});
  EXPECT_EQ(m.n_a, 3u);
  EXPECT_EQ(m.n_b, 3u);
  EXPECT_EQ(m.u_a, 0);
  EXPECT_EQ(m.effect, -1);  // a entirely below b
  // mean 4.5, var 9/12 * 7 = 5.25, continuity: (0 - 4.5 + 0.5) / sqrt(5.25).
  EXPECT_NEAR(m.z, -1.7457431218879390501, 1e-15);
  EXPECT_NEAR(m.p_value, 0.080855598370052291233, 1e-15);
  const MannWhitney r = MannWhitneyU(std::vector<double>{4, 5, 6}, std::vector<double>{1, 2, 3});
  EXPECT_EQ(r.u_a, 9);
  EXPECT_EQ(r.effect, 1);
  EXPECT_EQ(r.z, -m.z);
  EXPECT_EQ(r.p_value, m.p_value);
}

TEST(MannWhitneyTest, TiesHandComputed) {
  // a=1: 0; a=2 (x2): 0.5 each; a=3: 1 + 0.5 -> u_a = 2.5 of 12 pairs.
  // Tie groups {2,2,2} and {3,3}: sum(t^3 - t) = 24 + 6 = 30, N = 7.
  const MannWhitney m = MannWhitneyU(std::vector<double>{1, 2, 2, 3}, std::vector<double>{2, 3, 4});
  EXPECT_EQ(m.u_a, 2.5);
  EXPECT_NEAR(m.effect, 2 * 2.5 / 12 - 1, 1e-15);
  // var = 12/12 * (8 - 30/42); z = -(6 - 2.5 - 0.5) / sqrt(var).
  EXPECT_NEAR(m.z, -1.1114378604524226048, 1e-15);
  EXPECT_NEAR(m.p_value, 0.26637992334248259363, 1e-15);
}

TEST(MannWhitneyTest, Degenerate) {
  MannWhitney m = MannWhitneyU(std::vector<double>{5, 5}, std::vector<double>{5});
  EXPECT_EQ(m.u_a, 1);  // all tied: no spread at all
  EXPECT_EQ(m.z, 0);
  EXPECT_EQ(m.p_value, 1);
  EXPECT_EQ(m.effect, 0);

  m = MannWhitneyU(std::vector<double>{1, 3}, std::vector<double>{2});
  EXPECT_EQ(m.u_a, 1);  // exactly the mean: continuity leaves z = 0
  EXPECT_EQ(m.z, 0);
  EXPECT_FALSE(std::signbit(m.z));
  EXPECT_EQ(m.p_value, 1);

  m = MannWhitneyU(std::vector<double>{}, std::vector<double>{1, 2});
  EXPECT_EQ(m.n_a, 0u);
  EXPECT_EQ(m.n_b, 2u);
  EXPECT_TRUE(std::isnan(m.u_a) && std::isnan(m.z) && std::isnan(m.p_value) && std::isnan(m.effect));

  m = MannWhitneyU(std::vector<double>{1, kNaN}, std::vector<double>{kNaN});
  EXPECT_EQ(m.n_a, 1u);
  EXPECT_EQ(m.n_b, 0u);
  EXPECT_TRUE(std::isnan(m.p_value));
}

RC_GTEST_PROP(MannWhitneyProperty, UEqualsPairCountAndComplements, ()) {
  const auto a = *rc::gen::nonEmpty(rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 15)));
  const auto b = *rc::gen::nonEmpty(rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 15)));
  const std::vector<double> da(a.begin(), a.end());
  const std::vector<double> db(b.begin(), b.end());
  double pairs = 0;
  for (int x : a) {
    for (int y : b) pairs += x > y ? 1.0 : x == y ? 0.5 : 0.0;
  }
  const MannWhitney ab = MannWhitneyU(da, db);
  const MannWhitney ba = MannWhitneyU(db, da);
  const double nab = static_cast<double>(a.size() * b.size());
  RC_ASSERT(ab.u_a == pairs);
  RC_ASSERT(ab.u_a + ba.u_a == nab);
  RC_ASSERT(ab.effect == -ba.effect);
  RC_ASSERT(ab.z == -ba.z);
  RC_ASSERT(ab.p_value == ba.p_value);
  RC_ASSERT(ab.p_value >= 0.0);
  RC_ASSERT(ab.p_value <= 1.0);
  RC_ASSERT(ab.effect >= -1.0);
  RC_ASSERT(ab.effect <= 1.0);
  if (ab.z != 0) RC_ASSERT((ab.z > 0) == (ab.effect > 0));
}

// ---------------------------------------------------------- Benjamini-Hochberg

TEST(BenjaminiHochbergTest, HandComputed) {
  // Sorted 0.005, 0.01, 0.03, 0.04 -> *4/1, *4/2, *4/3, *4/4 = .02 .02 .04 .04.
  const auto q = BenjaminiHochberg(std::vector<double>{0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(q.size(), 4u);
  EXPECT_DOUBLE_EQ(q[0], 0.02);
  EXPECT_DOUBLE_EQ(q[1], 0.04);
  EXPECT_DOUBLE_EQ(q[2], 0.04);
  EXPECT_DOUBLE_EQ(q[3], 0.02);
}

TEST(BenjaminiHochbergTest, NaNTiesAndBounds) {
  auto q = BenjaminiHochberg(std::vector<double>{0.01, kNaN, 0.04});  // m = 2
  EXPECT_DOUBLE_EQ(q[0], 0.02);
  EXPECT_TRUE(std::isnan(q[1]));
  EXPECT_DOUBLE_EQ(q[2], 0.04);

  q = BenjaminiHochberg(std::vector<double>{0.02, 0.02, 0.02});
  EXPECT_EQ(q, (std::vector<double>{0.02, 0.02, 0.02}));

  q = BenjaminiHochberg(std::vector<double>{0.9, 0.8});  // 0.8*2 = 1.6 -> 0.9
  EXPECT_EQ(q, (std::vector<double>{0.9, 0.9}));

  q = BenjaminiHochberg(std::vector<double>{1.5, -0.1});  // clamped first
  EXPECT_EQ(q, (std::vector<double>{1, 0}));

  EXPECT_TRUE(BenjaminiHochberg(std::vector<double>{}).empty());
  q = BenjaminiHochberg(std::vector<double>{kNaN});
  EXPECT_TRUE(std::isnan(q[0]));
}

RC_GTEST_PROP(BenjaminiHochbergProperty, MonotoneAtLeastPAtMostOne, ()) {
  const auto raw = *rc::gen::container<std::vector<int>>(rc::gen::inRange(-1, 1001));
  std::vector<double> p;
  for (int r : raw) p.push_back(r < 0 ? kNaN : r / 1000.0);  // -1: NaN
  const auto q = BenjaminiHochberg(p);
  RC_ASSERT(q.size() == p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    RC_ASSERT(std::isnan(q[i]) == std::isnan(p[i]));
    if (std::isnan(p[i])) continue;
    RC_ASSERT(q[i] >= p[i]);
    RC_ASSERT(q[i] <= 1.0);
    for (size_t j = 0; j < p.size(); ++j) {
      if (!std::isnan(p[j]) && p[i] <= p[j]) RC_ASSERT(q[i] <= q[j]);
    }
  }
}

// ------------------------------------------------------------------ Theil-Sen

TEST(TheilSenTest, HandComputed) {
  EXPECT_EQ(TheilSenSlope(std::vector<double>{1, 2, 3, 4}, std::vector<double>{2, 4, 6, 8}), 2);
  // One wild point: 6 slopes of 1, 4 large ones; the median stays 1.
  EXPECT_EQ(TheilSenSlope(std::vector<double>{1, 2, 3, 4, 5}, std::vector<double>{1, 2, 3, 4, 100}), 1);
  // Pair (0, 1) has equal x and is skipped: slopes {4, 2} -> 3.
  EXPECT_EQ(TheilSenSlope(std::vector<double>{1, 1, 2}, std::vector<double>{0, 2, 4}), 3);
  EXPECT_EQ(TheilSenSlope(std::vector<double>{1, 2, kNaN, 3}, std::vector<double>{3, 2, 0, 1}), -1);
}

TEST(TheilSenTest, Degenerate) {
  EXPECT_TRUE(std::isnan(TheilSenSlope(std::vector<double>{3, 3, 3}, std::vector<double>{1, 2, 3})));
  EXPECT_TRUE(std::isnan(TheilSenSlope(std::vector<double>{3}, std::vector<double>{1})));
  EXPECT_TRUE(std::isnan(TheilSenSlope(std::vector<double>{}, std::vector<double>{})));
  EXPECT_TRUE(std::isnan(TheilSenSlope(std::vector<double>{1, 2}, std::vector<double>{1})));
}

TEST(TheilSenTest, LargeInputIsSampledDeterministically) {
  const size_t n = kTheilSenExactMaxN + 500;
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0, 5);
  std::vector<double> x(n);
  std::vector<double> y(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = static_cast<double>(i % 997);
    y[i] = 3 * x[i] + noise(rng);
  }
  y[7] = 1e9;  // outliers do not move a median of slopes
  y[8] = -1e9;
  const double s = TheilSenSlope(x, y);
  EXPECT_NEAR(s, 3, 0.01);
  EXPECT_EQ(TheilSenSlope(x, y), s);  // same input, same sample, same slope
}

}  // namespace
}  // namespace agentperf::analysis::stats
