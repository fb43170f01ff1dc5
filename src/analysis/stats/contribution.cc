#include "analysis/stats/contribution.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace agentperf::analysis::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Slices sorted by value with duplicates merged.
std::vector<Slice> Merged(std::span<const Slice> slices) {
  std::vector<Slice> out(slices.begin(), slices.end());
  std::sort(out.begin(), out.end(), [](const Slice& l, const Slice& r) { return l.value < r.value; });
  size_t w = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (w > 0 && out[w - 1].value == out[i].value) {
      Slice& m = out[w - 1];
      m.count_a += out[i].count_a;
      m.sum_a += out[i].sum_a;
      m.count_b += out[i].count_b;
      m.sum_b += out[i].sum_b;
    } else {
      if (w != i) out[w] = std::move(out[i]);
      ++w;
    }
  }
  out.resize(w);
  return out;
}

// A NaN contribution sorts after every number.
double SortKey(double contribution) {
  return std::isnan(contribution) ? -1.0 : std::fabs(contribution);
}

}  // namespace

ContributionResult ComputeContributions(std::span<const Slice> input) {
  const std::vector<Slice> slices = Merged(input);
  double count_a = 0;
  double sum_a = 0;
  double count_b = 0;
  double sum_b = 0;
  for (const Slice& s : slices) {
    count_a += s.count_a;
    count_b += s.count_b;
    if (s.count_a > 0) sum_a += s.sum_a;
    if (s.count_b > 0) sum_b += s.sum_b;
  }
  ContributionResult r;
  r.m_a = count_a > 0 ? sum_a / count_a : kNaN;
  r.m_b = count_b > 0 ? sum_b / count_b : kNaN;
  r.delta = r.m_b - r.m_a;
  const bool shareable = r.delta != 0 && !std::isnan(r.delta);
  r.by_value.reserve(slices.size());
  for (const Slice& s : slices) {
    Contribution c;
    c.value = s.value;
    const bool has_a = s.count_a > 0;
    const bool has_b = s.count_b > 0;
    const double own_a = has_a ? s.sum_a / s.count_a : kNaN;
    const double own_b = has_b ? s.sum_b / s.count_b : kNaN;
    c.mean_a = has_a ? own_a : own_b;  // borrowed when empty in A
    c.mean_b = has_b ? own_b : own_a;  // borrowed when empty in B
    c.weight_a = count_a > 0 ? s.count_a / count_a : kNaN;
    c.weight_b = count_b > 0 ? s.count_b / count_b : kNaN;
    if (count_a > 0 && count_b > 0) {
      c.contribution = (has_b ? s.sum_b : 0) / count_b - (has_a ? s.sum_a : 0) / count_a;
      if (has_a || has_b) {
        c.mix = (c.weight_b - c.weight_a) * c.mean_a;
        c.rate = c.weight_b * (c.mean_b - c.mean_a);
      } else {
        c.mix = 0;
        c.rate = 0;
      }
    } else {
      c.contribution = c.mix = c.rate = kNaN;
    }
    c.share = shareable ? c.contribution / r.delta : kNaN;
    r.by_value.push_back(std::move(c));
  }
  std::stable_sort(r.by_value.begin(), r.by_value.end(), [](const Contribution& x, const Contribution& y) {
    return SortKey(x.contribution) > SortKey(y.contribution);
  });  // stable: equal keys keep the merged (value-ascending) order
  return r;
}

ContributionResult ComputeRateContributions(std::span<const RateSlice> slices) {
  std::vector<Slice> converted;
  converted.reserve(slices.size());
  for (const RateSlice& s : slices) converted.push_back({s.value, s.total_a, s.hits_a, s.total_b, s.hits_b});
  return ComputeContributions(converted);
}

}  // namespace agentperf::analysis::stats
