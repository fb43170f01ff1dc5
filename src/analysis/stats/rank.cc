#include "analysis/stats/rank.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <utility>

#include "analysis/stats/distributions.h"
#include "analysis/stats/robust.h"

namespace agentperf::analysis::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Average ranks of `v` (no NaN) into *ranks (resized).
void RankInto(std::span<const double> v, std::vector<double>* ranks) {
  const size_t n = v.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return v[i] < v[j]; });
  ranks->resize(n);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && v[order[j]] == v[order[i]]) ++j;
    // Positions i..j-1 (0-based) hold ranks i+1..j: their mean.
    const double r = 0.5 * static_cast<double>(i + 1 + j);
    for (size_t k = i; k < j; ++k) (*ranks)[order[k]] = r;
    i = j;
  }
}

// Uniform index in [0, n) from 64 random bits (Lemire's multiply-shift; the
// bias is below n / 2^64). Identical on every platform.
size_t IndexFrom(uint64_t bits, size_t n) {
  return static_cast<size_t>((static_cast<unsigned __int128>(bits) * n) >> 64);
}

}  // namespace

std::vector<double> AverageRanks(std::span<const double> v) {
  std::vector<double> values;
  std::vector<size_t> where;
  values.reserve(v.size());
  where.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isnan(v[i])) {
      values.push_back(v[i]);
      where.push_back(i);
    }
  }
  std::vector<double> ranks;
  RankInto(values, &ranks);
  std::vector<double> out(v.size(), kNaN);
  for (size_t k = 0; k < where.size(); ++k) out[where[k]] = ranks[k];
  return out;
}

Correlation Spearman(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) return {0, kNaN, kNaN};
  std::vector<double> xs;
  std::vector<double> ys;
  xs.reserve(x.size());
  ys.reserve(y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) continue;
    xs.push_back(x[i]);
    ys.push_back(y[i]);
  }
  const size_t n = xs.size();
  if (n < 3) return {n, kNaN, kNaN};
  std::vector<double> rx;
  std::vector<double> ry;
  RankInto(xs, &rx);
  RankInto(ys, &ry);
  // The mean of average ranks is (n + 1) / 2 even with ties; centred ranks are
  // multiples of 0.5, so these sums are exact for n up to ~400k.
  const double mean = 0.5 * static_cast<double>(n + 1);
  double sxx = 0;
  double syy = 0;
  double sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dx = rx[i] - mean;
    const double dy = ry[i] - mean;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx == 0 || syy == 0) return {n, kNaN, kNaN};
  double rho;
  if (sxx == syy && std::fabs(sxy) == sxx) {
    rho = sxy > 0 ? 1.0 : -1.0;  // identical (or reversed) rankings, exactly
  } else {
    rho = std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
  }
  if (std::fabs(rho) == 1) return {n, rho, 0.0};
  const double df = static_cast<double>(n - 2);
  const double t = rho * std::sqrt(df / ((1 - rho) * (1 + rho)));
  return {n, rho, StudentTTwoSidedP(t, df)};
}

MannWhitney MannWhitneyU(std::span<const double> a, std::span<const double> b) {
  // (value, from a?) for every non-NaN value of both sides.
  std::vector<std::pair<double, bool>> all;
  all.reserve(a.size() + b.size());
  size_t n_a = 0;
  size_t n_b = 0;
  for (double v : a) {
    if (!std::isnan(v)) {
      all.emplace_back(v, true);
      ++n_a;
    }
  }
  for (double v : b) {
    if (!std::isnan(v)) {
      all.emplace_back(v, false);
      ++n_b;
    }
  }
  if (n_a == 0 || n_b == 0) return {n_a, n_b, kNaN, kNaN, kNaN, kNaN};
  std::sort(all.begin(), all.end(), [](const auto& l, const auto& r) { return l.first < r.first; });
  // Walk groups of equal values: each a in a group beats the b's below it and
  // ties with the group's b's. All terms are exact (integers and halves).
  double u_a = 0;
  double b_below = 0;
  double tie_term = 0;  // sum over tie groups of t^3 - t
  const size_t n_all = all.size();
  for (size_t i = 0; i < n_all;) {
    size_t j = i;
    double in_a = 0;
    double in_b = 0;
    while (j < n_all && all[j].first == all[i].first) {
      (all[j].second ? in_a : in_b) += 1;
      ++j;
    }
    u_a += in_a * (b_below + 0.5 * in_b);
    b_below += in_b;
    const double t = in_a + in_b;
    tie_term += t * t * t - t;
    i = j;
  }
  const double na = static_cast<double>(n_a);
  const double nb = static_cast<double>(n_b);
  const double big_n = na + nb;
  const double nab = na * nb;
  const double mean = 0.5 * nab;
  const double var = nab / 12 * ((big_n + 1) - tie_term / (big_n * (big_n - 1)));
  double z = 0;
  double p = 1;
  if (var > 0) {
    const double excess = std::max(0.0, std::fabs(u_a - mean) - 0.5);
    z = std::copysign(excess / std::sqrt(var), u_a - mean);
    if (excess == 0) z = 0;  // not -0
    p = NormalTwoSidedP(z);
  }
  // (2 u_a - n_a n_b) / (n_a n_b): the numerator is exact, so swapping a and b
  // negates the effect exactly.
  return {n_a, n_b, u_a, z, p, (2 * u_a - nab) / nab};
}

std::vector<double> BenjaminiHochberg(std::span<const double> p) {
  std::vector<double> q(p.size(), kNaN);
  std::vector<size_t> order;
  order.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    if (!std::isnan(p[i])) order.push_back(i);
  }
  const size_t m = order.size();
  if (m == 0) return q;
  auto clamped = [&](size_t i) { return std::clamp(p[i], 0.0, 1.0); };
  std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return clamped(i) < clamped(j); });
  const double md = static_cast<double>(m);
  double running = 1;
  for (size_t k = m; k-- > 0;) {
    // p * (m / j) rather than p * m / j: m / j >= 1 exactly, so the product is
    // >= p after rounding too.
    const double adjusted = clamped(order[k]) * (md / static_cast<double>(k + 1));
    running = std::min(running, adjusted);
    q[order[k]] = running;
  }
  return q;
}

double TheilSenSlope(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) return kNaN;
  std::vector<double> xs;
  std::vector<double> ys;
  xs.reserve(x.size());
  ys.reserve(y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    xs.push_back(x[i]);
    ys.push_back(y[i]);
  }
  const size_t n = xs.size();
  if (n < 2) return kNaN;
  std::vector<double> slopes;
  auto add = [&](size_t i, size_t j) {
    if (xs[i] == xs[j]) return;
    const double s = (ys[j] - ys[i]) / (xs[j] - xs[i]);
    if (!std::isnan(s)) slopes.push_back(s);  // NaN only after overflow
  };
  if (n <= kTheilSenExactMaxN) {
    slopes.reserve(n * (n - 1) / 2);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n; ++j) add(i, j);
    }
  } else {
    slopes.reserve(kTheilSenSampledPairs);
    std::mt19937_64 rng(kTheilSenSeed);
    for (size_t k = 0; k < kTheilSenSampledPairs; ++k) {
      const size_t i = IndexFrom(rng(), n);
      const size_t j = IndexFrom(rng(), n);
      add(i, j);
    }
  }
  return QuantileSelect(slopes, 0.5);  // NaN when empty
}

}  // namespace agentperf::analysis::stats
