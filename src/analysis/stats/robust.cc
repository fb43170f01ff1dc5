#include "analysis/stats/robust.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace agentperf::analysis::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Position of quantile q among n > 0 values: the lower index and the
// interpolation fraction. q NaN is handled by the callers.
struct Position {
  size_t lo;
  double frac;  // 0 when no interpolation is needed
};

Position PositionOf(size_t n, double q) {
  if (!(q > 0)) return {0, 0};
  if (q >= 1) return {n - 1, 0};
  const double h = q * static_cast<double>(n - 1);
  const double fl = std::floor(h);
  const auto lo = static_cast<size_t>(fl);
  if (lo >= n - 1) return {n - 1, 0};
  return {lo, h - fl};
}

double Interpolate(double lo, double hi, double frac) {
  if (frac == 0 || lo == hi) return lo;
  return lo + frac * (hi - lo);
}

void DropNaN(std::vector<double>* v) {
  std::erase_if(*v, [](double x) { return std::isnan(x); });
}

}  // namespace

double QuantileSorted(std::span<const double> sorted, double q) {
  if (sorted.empty() || std::isnan(q)) return kNaN;
  const Position p = PositionOf(sorted.size(), q);
  if (p.frac == 0) return sorted[p.lo];
  return Interpolate(sorted[p.lo], sorted[p.lo + 1], p.frac);
}

double QuantileSelect(std::span<double> v, double q) {
  if (v.empty() || std::isnan(q)) return kNaN;
  const Position p = PositionOf(v.size(), q);
  const auto lo_it = v.begin() + static_cast<std::ptrdiff_t>(p.lo);
  std::nth_element(v.begin(), lo_it, v.end());
  const double lo = *lo_it;
  if (p.frac == 0) return lo;
  // Everything after lo_it is >= *lo_it: the next order statistic is their min.
  const double hi = *std::min_element(lo_it + 1, v.end());
  return Interpolate(lo, hi, p.frac);
}

double Median(std::vector<double> v) {
  DropNaN(&v);
  return QuantileSelect(v, 0.5);
}

double Mad(std::span<const double> v) {
  std::vector<double> w(v.begin(), v.end());
  DropNaN(&w);
  if (w.empty()) return kNaN;
  const double med = QuantileSelect(w, 0.5);
  for (double& x : w) x = std::fabs(x - med);
  return QuantileSelect(w, 0.5);
}

Spread ComputeSpread(std::vector<double> v) {
  DropNaN(&v);
  if (v.empty()) return {kNaN, kNaN, kNaN, kNaN, kNaN, 0};
  std::sort(v.begin(), v.end());
  Spread s;
  s.n = v.size();
  s.median = QuantileSorted(v, 0.5);
  s.q1 = QuantileSorted(v, 0.25);
  s.q3 = QuantileSorted(v, 0.75);
  s.iqr = s.q3 - s.q1;
  for (double& x : v) x = std::fabs(x - s.median);
  s.mad = QuantileSelect(v, 0.5);
  return s;
}

double RobustZ(double x, double median, double mad) {
  if (std::isnan(x) || std::isnan(median) || std::isnan(mad)) return kNaN;
  const double d = x - median;
  if (mad == 0) {
    if (d == 0) return 0;
    return std::copysign(std::numeric_limits<double>::infinity(), d);
  }
  return 0.6745 * d / mad;
}

}  // namespace agentperf::analysis::stats
