#include "analysis/stats/distributions.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

namespace agentperf::analysis::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(NormalTest, KnownValues) {
  EXPECT_EQ(NormalCdf(0), 0.5);
  EXPECT_NEAR(NormalCdf(1.96), 0.97500210485177956379, 1e-15);
  EXPECT_NEAR(NormalCdf(-1.5), 0.066807201268858066004, 1e-15);
  // The far tail keeps its relative precision (erfc, not 1 - erf).
  EXPECT_NEAR(NormalCdf(-8) / 6.2209605742717841235e-16, 1, 1e-12);
  EXPECT_NEAR(NormalTwoSidedP(1.96), 0.049995790296440872426, 1e-15);
  EXPECT_EQ(NormalTwoSidedP(-1.96), NormalTwoSidedP(1.96));
  EXPECT_EQ(NormalTwoSidedP(0), 1);
  EXPECT_EQ(NormalTwoSidedP(kInf), 0);
  EXPECT_TRUE(std::isnan(NormalCdf(kNaN)));
  EXPECT_TRUE(std::isnan(NormalTwoSidedP(kNaN)));
}

TEST(IncompleteBetaTest, KnownValues) {
  // References: mpmath.betainc(..., regularized=True) at 40 digits.
  EXPECT_NEAR(RegularizedIncompleteBeta(2.5, 3.5, 0.3), 0.29675298929566637832, 1e-14);
  EXPECT_NEAR(RegularizedIncompleteBeta(0.5, 0.5, 0.9), 0.79516723530086657191, 1e-14);
  EXPECT_NEAR(RegularizedIncompleteBeta(50, 70, 0.4), 0.35913460883449470381, 1e-13);
  EXPECT_NEAR(RegularizedIncompleteBeta(150, 170, 0.45), 0.25124756444593357263, 1e-13);
  EXPECT_EQ(RegularizedIncompleteBeta(2, 3, 0), 0);
  EXPECT_EQ(RegularizedIncompleteBeta(2, 3, 1), 1);
}

TEST(IncompleteBetaTest, InvalidIsNaN) {
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(0, 1, 0.5)));
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(1, -1, 0.5)));
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(1, 1, 1.5)));
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(1, 1, -0.1)));
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(kNaN, 1, 0.5)));
  EXPECT_TRUE(std::isnan(RegularizedIncompleteBeta(1, 1, kNaN)));
}

TEST(StudentTTest, TableValues) {
  EXPECT_NEAR(StudentTTwoSidedP(2.0, 10), 0.07339, 5e-6);  // printed tables
  EXPECT_NEAR(StudentTTwoSidedP(2.228, 10), 0.05, 2e-5);
  EXPECT_NEAR(StudentTTwoSidedP(1.96, 1e6), 0.05, 1e-4);
  // 40-digit references (mpmath).
  struct Case {
    double t, df, p;
  };
  // clang-format off
  const Case cases[] = {
      {2.0, 10, 0.073388034770740365618},
      {1.96, 1e6, 0.049996067585269790686},
      {2.228, 10, 0.050011771817111365362},
      {0.5, 3, 0.65144796484815099444},
      {3.0, 30, 0.0053899640656519466128},
      {10, 5, 0.00017094757574296359071},
      {0.1, 100, 0.92054453109585123216},
      {5, 1000, 6.7672563646486303819e-7},
      {1.5, 0.5, 0.50790179064810844745},  // non-integer df
      {0.7, 0.3, 0.74562308876649797451},
      {2.5, 2.5, 0.10456996307815538725},
      {40, 3, 0.000034380680789158528283},
      {6, 1e5, 1.9799294556017625584e-9},
      {2.0, 1e5, 0.045502963457506463249},
      {4.0, 2e6, 0.000063344758809110774861},
      {1.96, 9.99e6, 0.04999581805307082331},  // either side of the switch
      {1.96, 1e7, 0.049995818025314192295},   // to the 1/df expansion
      {3.0, 9.99e6, 0.0026998027176915970178},
      {3.0, 1e7, 0.0026998027110371612512},
      {1.0, 1e9, 0.31731050810488482729},
  };
  // clang-format on
  for (const Case& c : cases) {
    const double p = StudentTTwoSidedP(c.t, c.df);
    EXPECT_NEAR(p, c.p, 1e-11) << "t=" << c.t << " df=" << c.df;
    EXPECT_NEAR(p / c.p, 1, 1e-9) << "t=" << c.t << " df=" << c.df;
    EXPECT_EQ(StudentTTwoSidedP(-c.t, c.df), p);
  }
}

TEST(StudentTTest, EdgeCases) {
  EXPECT_EQ(StudentTTwoSidedP(0, 7), 1);
  EXPECT_EQ(StudentTTwoSidedP(kInf, 7), 0);
  EXPECT_EQ(StudentTTwoSidedP(-kInf, 7), 0);
  EXPECT_EQ(StudentTTwoSidedP(1e200, 1e-200), 0);
  EXPECT_EQ(StudentTTwoSidedP(1.5, kInf), NormalTwoSidedP(1.5));
  EXPECT_NEAR(StudentTTwoSidedP(1.0, 1.0), 0.5, 1e-15);
  EXPECT_TRUE(std::isnan(StudentTTwoSidedP(1, 0)));
  EXPECT_TRUE(std::isnan(StudentTTwoSidedP(1, -3)));
  EXPECT_TRUE(std::isnan(StudentTTwoSidedP(kNaN, 3)));
  EXPECT_TRUE(std::isnan(StudentTTwoSidedP(1, kNaN)));
}

// Closed forms for small integer df (written without cancellation).
double ClosedFormP(double t, int df) {
  const double a = std::fabs(t);
  constexpr double k2Pi = 2 / std::numbers::pi;
  switch (df) {
    case 1:
      return k2Pi * std::atan2(1, a);
    case 2: {
      const double s = std::sqrt(2 + a * a);
      return 2 / (s * (s + a));  // 1 - a / s
    }
    default: {  // 3
      const double s = a / std::sqrt(3.0);
      return k2Pi * (std::atan2(1, s) - s / (1 + s * s));
    }
  }
}

RC_GTEST_PROP(StudentTProperty, MatchesClosedFormsForDf123, ()) {
  const int df = *rc::gen::inRange(1, 4);
  const double t = *rc::gen::inRange(-50'000, 50'001) / 1000.0;
  const double p = StudentTTwoSidedP(t, df);
  const double expected = ClosedFormP(t, df);
  RC_ASSERT(std::fabs(p - expected) <= 1e-14);
  if (df < 3) RC_ASSERT(std::fabs(p - expected) <= 1e-12 * expected);
}

RC_GTEST_PROP(StudentTProperty, MonotoneInTAndInRange, ()) {
  const double df = std::exp(*rc::gen::inRange(-2000, 16000) / 1000.0);  // ~0.14 .. 9e6
  const double t1 = *rc::gen::inRange(0, 20'000) / 1000.0;
  const double t2 = t1 + *rc::gen::inRange(1, 5'000) / 1000.0;
  const double p1 = StudentTTwoSidedP(t1, df);
  const double p2 = StudentTTwoSidedP(t2, df);
  RC_ASSERT(p1 >= 0.0);
  RC_ASSERT(p1 <= 1.0);
  RC_ASSERT(p2 <= p1 + 1e-15);
  // Heavier tails than the normal.
  RC_ASSERT(p2 >= NormalTwoSidedP(t2) - 1e-15);
}

RC_GTEST_PROP(IncompleteBetaProperty, SymmetryAndSpecialCases, ()) {
  const double a = *rc::gen::inRange(1, 200'000) / 1000.0;
  const double b = *rc::gen::inRange(1, 200'000) / 1000.0;
  const double x = *rc::gen::inRange(1, 1'000'000) / 1e6;  // 1 - x exact enough
  const double i = RegularizedIncompleteBeta(a, b, x);
  const double j = RegularizedIncompleteBeta(b, a, 1 - x);
  RC_ASSERT(i >= 0.0);
  RC_ASSERT(i <= 1.0);
  RC_ASSERT(std::fabs(i + j - 1) <= 1e-12);
  RC_ASSERT(std::fabs(RegularizedIncompleteBeta(a, 1, x) - std::pow(x, a)) <= 1e-13);
  RC_ASSERT(std::fabs(RegularizedIncompleteBeta(1, b, x) - (1 - std::pow(1 - x, b))) <= 1e-13);
}

}  // namespace
}  // namespace agentperf::analysis::stats
