#include "analysis/stats/distributions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace agentperf::analysis::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kLog2Pi = 1.8378770664093454836;  // log(2 * pi)
constexpr double kInvSqrt2 = 0.70710678118654752440;
// From this size on, an argument of log B(a, b) goes through Stirling's series
// instead of lgamma (whose absolute error grows with the size of its result:
// ~6e-14 at lgamma(100)).
constexpr double kLarge = 10;
// From this many degrees of freedom on, the t tail comes from its expansion in
// 1/df (see the header); below it, from the incomplete beta function.
constexpr double kAsymptoticDf = 1e7;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)

// log Gamma(z) - [(z - 1/2) log z - z + log(2 pi) / 2] for z >= kLarge: the
// Stirling series to z^-13; the first omitted term is below 4e-17 at z = 10.
double StirlingCorrection(double z) {
  const double r = 1 / z;
  const double r2 = r * r;
  return r *
         (1.0 / 12 -
          r2 * (1.0 / 360 -
                r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 * (1.0 / 1188 - r2 * (691.0 / 360360 - r2 * (1.0 / 156)))))));
}

// log(x^a * y^b / B(a, b)) where y = 1 - x (both given, so neither is
// computed by a subtraction that cancels). REQUIRES a, b > 0, 0 < x, y < 1.
double LogPrefix(double a, double b, double x, double y) {
  // log x and log y each from whichever of x, y is computed more precisely.
  const double log_x = x < 0.5 ? std::log(x) : std::log1p(-y);
  const double log_y = y < 0.5 ? std::log(y) : std::log1p(-x);
  const double big = std::max(a, b);
  const double small = std::min(a, b);
  if (big < kLarge) {
    return a * log_x + b * log_y - (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
  }
  const double c = a + b;
  if (small < kLarge) {
    // log B = lgamma(small) - [lgamma(big + small) - lgamma(big)], the
    // difference by Stirling: (big - 1/2) log(1 + small/big) + small log(c)
    // - small + correction(c) - correction(big).
    const double diff = (big - 0.5) * std::log1p(small / big) + small * std::log(c) - small + StirlingCorrection(c) -
                        StirlingCorrection(big);
    return a * log_x + b * log_y - (std::lgamma(small) - diff);
  }
  // Both large: a log(x c / a) + b log(y c / b) + log(a b / c) / 2 - log(2 pi) / 2
  // - correction(a) - correction(b) + correction(c), where x c - a = x b - y a.
  const double e = x * b - y * a;
  return a * std::log1p(e / a) + b * std::log1p(-e / b) + 0.5 * std::log(a * b / c) - 0.5 * kLog2Pi -
         StirlingCorrection(a) - StirlingCorrection(b) + StirlingCorrection(c);
}

// Continued fraction for I_x(a, b) (Numerical Recipes' betacf, modified
// Lentz). Converges fast for x < (a + 1) / (a + b + 2); worst case about
// sqrt(max(a, b)) iterations.
double BetaContinuedFraction(double a, double b, double x) {
  constexpr double kEps = 1e-16;
  constexpr double kTiny = 1e-300;
  const double qab = a + b;
  const double qap = a + 1;
  const double qam = a - 1;
  // Capped so that absurd arguments cannot loop for long (~2e7 flops at most).
  const auto max_iterations = static_cast<int64_t>(std::min(1e6, 1000 + 20 * std::sqrt(std::max(a, b))));
  double c = 1;
  double d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int64_t i = 1; i <= max_iterations; ++i) {
    const auto m = static_cast<double>(i);
    const double m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) <= kEps) break;
  }
  return h;
}

// I_x(a, b) with y = 1 - x given separately. REQUIRES valid arguments.
double IncompleteBeta(double a, double b, double x, double y) {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const double prefix = std::exp(LogPrefix(a, b, x, y));
  double r;
  if (x * (a + b + 2) < a + 1) {
    r = prefix * BetaContinuedFraction(a, b, x) / a;
  } else {
    r = 1 - prefix * BetaContinuedFraction(b, a, y) / b;
  }
  return std::clamp(r, 0.0, 1.0);
}

}  // namespace

double NormalCdf(double z) {
  if (std::isnan(z)) return kNaN;
  return 0.5 * std::erfc(-z * kInvSqrt2);
}

double NormalTwoSidedP(double z) {
  if (std::isnan(z)) return kNaN;
  return std::min(1.0, std::erfc(std::fabs(z) * kInvSqrt2));
}

double RegularizedIncompleteBeta(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return kNaN;  // NaN too
  if (std::isinf(a) || std::isinf(b)) return kNaN;
  return IncompleteBeta(a, b, x, 1 - x);
}

double StudentTTwoSidedP(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return kNaN;  // df NaN too
  if (std::isinf(df)) return NormalTwoSidedP(t);
  if (std::isinf(t)) return 0;
  if (df >= kAsymptoticDf) {
    // P(|T| >= t) = P(|Z| >= t) + phi(t) (t^3 + t) / (2 df) + O(1 / df^2).
    const double a = std::fabs(t);
    if (a > 40) return 0;  // below 1e-300 either way; avoids a^3 overflow
    const double phi = kInvSqrt2Pi * std::exp(-0.5 * a * a);
    return std::min(1.0, NormalTwoSidedP(a) + phi * (a * a * a + a) / (2 * df));
  }
  const double r = t * t / df;  // x = df / (df + t^2) = 1 / (1 + r)
  if (std::isinf(r)) return 0;
  const double x = 1 / (1 + r);
  const double y = r / (1 + r);
  return IncompleteBeta(0.5 * df, 0.5, x, y);
}

}  // namespace agentperf::analysis::stats
