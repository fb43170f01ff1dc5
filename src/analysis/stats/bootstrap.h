// Seeded percentile bootstrap of a quantile and of a difference of quantiles.
//
// Contract.
// - The statistic is the type-7 quantile q (robust.h) of a sample; q must be
//   in [0, 1].
// - BootstrapQuantile: estimate = quantile_q(a). Each of `resamples` rounds
//   draws |a| values from a uniformly with replacement and computes the same
//   quantile; [lo, hi] are the type-7 quantiles (1 - confidence) / 2 and
//   (1 + confidence) / 2 of those resampled statistics (percentile interval).
// - BootstrapQuantileDiff: estimate = quantile_q(b) - quantile_q(a) (positive
//   when b is larger, e.g. "after minus before"); each round resamples a and b
//   independently (|a| then |b| draws) and [lo, hi] is the percentile
//   interval of quantile_q(b*) - quantile_q(a*).
// - Randomness: one std::mt19937_64 seeded with `seed`; an index is
//   (draw * n) >> 64 with 128-bit arithmetic (not std::uniform_int_distribution,
//   whose output differs between standard libraries). So the same inputs and
//   seed give bit-identical results on every platform and run.
// - The interval is the plain percentile interval: it is not widened to
//   contain the estimate (for quantiles it does in practice; the tests check
//   it on random data), and lo <= hi always.
// - Non-finite values (NaN, +/-inf) in a or b are dropped first.
// - Invalid input, reported through NaN (nothing throws):
//     a (or b) empty after dropping them, q NaN or outside [0, 1]
//                                       -> estimate, lo, hi all NaN;
//     resamples < 1, confidence NaN or outside (0, 1)
//                                       -> the estimate, lo = hi = NaN.
// - Cost: O(resamples * n) time (selection, not sorting); memory: one copy
//   and one resample buffer per sample plus `resamples` doubles, allocated once.
//
// Thread-safety: pure functions; safe to call concurrently.
#pragma once

#include <cstdint>
#include <span>

namespace agentperf::analysis::stats {

struct Interval {
  double estimate;
  double lo;
  double hi;
};

Interval BootstrapQuantile(std::span<const double> a, double q, int resamples, double confidence, uint64_t seed);

Interval BootstrapQuantileDiff(std::span<const double> a, std::span<const double> b, double q, int resamples,
                               double confidence, uint64_t seed);

}  // namespace agentperf::analysis::stats
