// Rank-based statistics: average ranks, Spearman's rho, the Mann-Whitney U
// test, Benjamini-Hochberg adjustment, and the Theil-Sen slope.
//
// Contract (all functions).
// - NaN handling: NaN values are dropped (for paired inputs, the PAIR is
//   dropped when either side is NaN); the n fields count what remained.
//   +/-inf are ordinary (extreme) values for ranks.
// - Invalid or insufficient input never throws: the statistics are NaN and the
//   n fields tell why (see each function).
// - p-values are two-sided and in [0, 1].
//
// AverageRanks: 1-based ranks; tied values get the mean of the ranks they span
// ({10, 20, 20, 30} -> {1, 2.5, 2.5, 4}). A NaN element gets rank NaN and is
// not ranked with the others.
//
// Spearman: Pearson's correlation of the average ranks (exact with ties).
// p-value from t = rho * sqrt((n - 2) / (1 - rho^2)) with n - 2 degrees of
// freedom (StudentTTwoSidedP). rho and p are NaN when n < 3 (after dropping
// NaN pairs), when either side is constant, or when x and y differ in size
// (then n = 0). |rho| == 1 gives p = 0.
//
// MannWhitneyU: u_a = #{(i, j): a_i > b_j} + 0.5 #{(i, j): a_i == b_j}
// (computed from ranks, O((n_a + n_b) log)), so u_a + u_b = n_a n_b.
// z = (u_a - n_a n_b / 2 -/+ 0.5) / sigma: normal approximation with the tie
// correction sigma^2 = n_a n_b / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1)))
// and a continuity correction of 0.5 towards the mean (z = 0 when
// |u_a - mean| <= 0.5). p = two-sided normal p-value of z. When every value is
// tied (sigma == 0): z = 0, p = 1. effect = rank-biserial correlation
// 2 u_a / (n_a n_b) - 1 in [-1, 1]: POSITIVE when a tends to be LARGER than b
// (+1: every a above every b); z has the same sign. Either side empty (after
// dropping NaN): u_a, z, p_value, effect are NaN (n_a, n_b still set).
//
// BenjaminiHochberg: q_(i) = min over j >= i of min(1, p_(j) * m / j) for the
// p-values sorted ascending, returned in the input's order; monotone
// (p_i <= p_j implies q_i <= q_j), q >= p, q <= 1, tied p get equal q. NaN
// inputs stay NaN and are not counted in m. Inputs outside [0, 1] are first
// clamped into it.
//
// TheilSenSlope: median (type 7) of (y_j - y_i) / (x_j - x_i) over pairs
// i < j with x_i != x_j. Points with a non-finite x or y (NaN or inf) are
// dropped first. NaN when there is no such pair (n < 2, all x equal, sizes
// differ). For n > kTheilSenExactMaxN (2000) points the median is over
// kTheilSenSampledPairs (1,000,000) pairs (i, j) drawn uniformly with
// replacement by a std::mt19937_64 seeded with kTheilSenSeed (index mapping
// by 128-bit multiply, not std::uniform_int_distribution, so it is the same
// on every platform): the same input always gives the same slope. Pairs drawn
// with x_i == x_j are skipped (not replaced).
//
// Thread-safety: pure functions; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace agentperf::analysis::stats {

std::vector<double> AverageRanks(std::span<const double> v);

struct Correlation {
  size_t n;        // pairs used
  double rho;      // in [-1, 1], or NaN
  double p_value;  // two-sided, or NaN
};

Correlation Spearman(std::span<const double> x, std::span<const double> y);

struct MannWhitney {
  size_t n_a, n_b;  // values used from each side
  double u_a;       // U statistic of a (pairs a > b, ties 0.5)
  double z;         // > 0 when a tends to be larger
  double p_value;   // two-sided
  double effect;    // rank-biserial r = 2 u_a / (n_a n_b) - 1; > 0: a larger
};

MannWhitney MannWhitneyU(std::span<const double> a, std::span<const double> b);

std::vector<double> BenjaminiHochberg(std::span<const double> p);

inline constexpr size_t kTheilSenExactMaxN = 2000;
inline constexpr size_t kTheilSenSampledPairs = 1'000'000;
inline constexpr uint64_t kTheilSenSeed = 0x7e11'5e45'10be'5eedULL;

double TheilSenSlope(std::span<const double> x, std::span<const double> y);

}  // namespace agentperf::analysis::stats
