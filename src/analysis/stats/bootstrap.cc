#include "analysis/stats/bootstrap.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "analysis/stats/robust.h"

namespace agentperf::analysis::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> FiniteOnly(std::span<const double> v) {
  std::vector<double> out;
  out.reserve(v.size());
  for (double x : v) {
    if (std::isfinite(x)) out.push_back(x);
  }
  return out;
}

// One resample's quantile: fills *buf (same size as src) by drawing from src.
double ResampledQuantile(const std::vector<double>& src, std::vector<double>* buf, double q, std::mt19937_64* rng) {
  const size_t n = src.size();
  for (double& x : *buf) {
    const auto i = static_cast<size_t>((static_cast<unsigned __int128>((*rng)()) * n) >> 64);
    x = src[i];
  }
  return QuantileSelect(*buf, q);
}

bool ValidInterval(int resamples, double confidence) {
  return resamples >= 1 && confidence > 0 && confidence < 1;  // false for NaN
}

Interval Percentiles(double estimate, std::vector<double>* stats, double confidence) {
  // Selection reorders *stats but keeps its multiset, so both are exact.
  const double lo = QuantileSelect(*stats, 0.5 * (1 - confidence));
  const double hi = QuantileSelect(*stats, 0.5 * (1 + confidence));
  return {estimate, lo, hi};
}

}  // namespace

Interval BootstrapQuantile(std::span<const double> a, double q, int resamples, double confidence, uint64_t seed) {
  std::vector<double> src = FiniteOnly(a);
  if (src.empty() || !(q >= 0 && q <= 1)) return {kNaN, kNaN, kNaN};
  std::vector<double> buf = src;
  const double estimate = QuantileSelect(buf, q);
  if (!ValidInterval(resamples, confidence)) return {estimate, kNaN, kNaN};
  std::mt19937_64 rng(seed);
  std::vector<double> stats(static_cast<size_t>(resamples));
  for (double& s : stats) s = ResampledQuantile(src, &buf, q, &rng);
  return Percentiles(estimate, &stats, confidence);
}

Interval BootstrapQuantileDiff(std::span<const double> a, std::span<const double> b, double q, int resamples,
                               double confidence, uint64_t seed) {
  std::vector<double> src_a = FiniteOnly(a);
  std::vector<double> src_b = FiniteOnly(b);
  if (src_a.empty() || src_b.empty() || !(q >= 0 && q <= 1)) return {kNaN, kNaN, kNaN};
  std::vector<double> buf_a = src_a;
  std::vector<double> buf_b = src_b;
  const double estimate = QuantileSelect(buf_b, q) - QuantileSelect(buf_a, q);
  if (!ValidInterval(resamples, confidence)) return {estimate, kNaN, kNaN};
  std::mt19937_64 rng(seed);
  std::vector<double> stats(static_cast<size_t>(resamples));
  for (double& s : stats) {
    const double qa = ResampledQuantile(src_a, &buf_a, q, &rng);
    const double qb = ResampledQuantile(src_b, &buf_b, q, &rng);
    s = qb - qa;
  }
  return Percentiles(estimate, &stats, confidence);
}

}  // namespace agentperf::analysis::stats
