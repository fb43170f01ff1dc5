// Root-cause contribution analysis: splits the change of a mean-type metric
// between window A (before) and window B (after) exactly into per-value
// contributions of one dimension (design: docs/design/analysis-engine.md §6).
//
// Contract. For one dimension with values v (the slices):
//   C_X = sum_v count_X(v), S_X = sum_v sum_X(v)            (X = A, B)
//   M_X = S_X / C_X                                         overall mean
//   w_X(v) = count_X(v) / C_X                               weight
//   m_X(v) = sum_X(v) / count_X(v)                          slice mean
//   contribution(v) = w_B(v) m_B(v) - w_A(v) m_A(v)
//                   = sum_B(v) / C_B - sum_A(v) / C_A       (computed so)
//   mix(v)  = (w_B(v) - w_A(v)) * m_A(v)    the slice's share of events moved
//   rate(v) = w_B(v) * (m_B(v) - m_A(v))    the slice's own mean moved
//   share(v) = contribution(v) / (M_B - M_A)
// so mix + rate == contribution and sum_v contribution == delta = M_B - M_A
// exactly in real arithmetic (in doubles: up to rounding, ~1e-15 relative to
// the terms' magnitude).
// - A slice empty in one window (count 0 there, > 0 in the other) borrows the
//   other window's mean: m_A(v) := m_B(v) when count_A(v) == 0, and
//   m_B(v) := m_A(v) when count_B(v) == 0. Its weight there is 0, so a slice
//   that appeared has mix = w_B m_B, rate = 0, and one that disappeared has
//   mix = -w_A m_A, rate = 0: all of a (dis)appearance is mix. mean_a/mean_b
//   in the output are these borrowed values (weight 0 tells them apart).
// - A slice empty in both windows: mean_a = mean_b = NaN, contribution = mix =
//   rate = 0 (share 0, or NaN when delta is 0 or NaN).
// - A sum whose count is 0 is ignored (an empty slice has no metric).
// - A window with no events at all (C_X == 0): M_X = NaN, so delta, every
//   weight of that window, contribution, mix, rate and share are NaN; the
//   other window's means and weights are still filled.
// - share is NaN when delta == 0 (no change to share out) or delta is NaN.
// - Slices with the same value are merged (counts and sums added) first.
// - by_value is sorted by |contribution| descending, ties (and NaN
//   contributions, which come last) by value ascending.
// - REQUIRES counts >= 0 and finite sums (not checked: other input yields
//   NaN or meaningless numbers, never a crash). Counts are doubles so that
//   weighted or sampled counts work.
// - Rates (error rate = errors / events, cache hit ratio = hits / lookups)
//   are the same maths with sum = the numerator: ComputeRateContributions.
//
// Thread-safety: pure functions; safe to call concurrently.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace agentperf::analysis::stats {

struct Slice {
  std::string value;  // the dimension's value, e.g. a model name
  double count_a;     // events in window A
  double sum_a;       // sum of the metric over those events
  double count_b;
  double sum_b;
};

struct Contribution {
  std::string value;
  double mean_a, mean_b;      // m_A(v), m_B(v) (borrowed when empty, see above)
  double weight_a, weight_b;  // w_A(v), w_B(v)
  double contribution;        // w_B m_B - w_A m_A
  double mix;                 // (w_B - w_A) m_A
  double rate;                // w_B (m_B - m_A)
  double share;               // contribution / delta
};

struct ContributionResult {
  double m_a;    // overall mean in A
  double m_b;    // overall mean in B
  double delta;  // m_b - m_a
  std::vector<Contribution> by_value;
};

ContributionResult ComputeContributions(std::span<const Slice> slices);

// A rate per slice: `hits` out of `total` events (e.g. errors out of calls).
struct RateSlice {
  std::string value;
  double total_a;
  double hits_a;
  double total_b;
  double hits_b;
};

// ComputeContributions with count = total and sum = hits: the means are rates.
ContributionResult ComputeRateContributions(std::span<const RateSlice> slices);

}  // namespace agentperf::analysis::stats
