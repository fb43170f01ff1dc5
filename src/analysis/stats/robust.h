// Robust location and spread: exact quantiles, median, MAD, IQR, robust z.
//
// Contract.
// - Quantiles are "type 7" (Hyndman & Fan; numpy's default, R's default):
//   for n sorted values x[0..n-1] and q in [0, 1], h = q * (n - 1),
//   Q(q) = x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
//   q below 0 is treated as 0 and above 1 as 1. NaN q gives NaN.
// - NaN elements: QuantileSorted and QuantileSelect require none (not
//   checked); Median, Mad and ComputeSpread DROP NaN elements before
//   computing, and Spread::n counts the values that remained.
// - Empty input (or only NaN): every result is NaN, Spread::n == 0.
// - Infinite values are ordered as usual; a quantile that interpolates between
//   -inf and +inf is NaN.
// - MAD is the raw median of |x - median| (NOT scaled by 1.4826).
// - RobustZ(x, median, mad) = 0.6745 * (x - median) / mad (Iglewicz-Hoaglin);
//   when mad == 0 it is 0 for x == median and +/-inf (the sign of x - median)
//   otherwise. Any NaN argument gives NaN. mad is expected >= 0.
//
// No function throws or keeps state. Thread-safety: pure functions; safe to
// call concurrently.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace agentperf::analysis::stats {

// Type-7 quantile of an ascending-sorted span. REQUIRES: sorted ascending, no
// NaN (not checked). Empty span: NaN.
double QuantileSorted(std::span<const double> sorted, double q);

// Type-7 quantile by selection (nth_element), O(n): REORDERS `v`. Same value as
// QuantileSorted on the sorted data, bit for bit. REQUIRES: no NaN in v
// (not checked). Empty span: NaN. Does not allocate.
double QuantileSelect(std::span<double> v, double q);

// Median (type 7, so the mean of the two middle values for even n). NaN
// elements are dropped. Empty: NaN.
double Median(std::vector<double> v);

// Median absolute deviation from the median, unscaled. NaN elements are
// dropped. Empty: NaN.
double Mad(std::span<const double> v);

struct Spread {
  double median;
  double mad;  // unscaled median absolute deviation
  double q1;   // type-7 quantile 0.25
  double q3;   // type-7 quantile 0.75
  double iqr;  // q3 - q1
  size_t n;    // values used (NaN dropped)
};

// All of the above in one pass over a sorted copy. NaN dropped; empty: NaNs
// and n == 0.
Spread ComputeSpread(std::vector<double> v);

// See the header comment.
double RobustZ(double x, double median, double mad);

}  // namespace agentperf::analysis::stats
