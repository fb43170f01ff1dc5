// Distribution functions for the tests of significance in this layer: the
// standard normal CDF, the regularized incomplete beta function, and two-sided
// p-values of the normal and Student-t distributions.
//
// Contract.
// - NormalCdf(z) = P(Z <= z) for Z ~ N(0, 1), via erfc (full relative
//   accuracy in both tails). NormalTwoSidedP(z) = P(|Z| >= |z|), in [0, 1].
// - RegularizedIncompleteBeta(a, b, x) = I_x(a, b), a > 0, b > 0, x in [0, 1]:
//   continued fraction (Numerical Recipes' betacf, modified Lentz), used
//   where it converges fast (x < (a+1)/(a+b+2)), else I_x(a, b) =
//   1 - I_{1-x}(b, a). The prefactor x^a (1-x)^b / B(a, b) is computed in
//   logarithms; log B uses Stirling's series when an argument is >= 10, so it
//   does not lose the absolute precision lgamma does. Accuracy: about
//   1e-14 absolute for moderate a, b; the continued fraction's relative error
//   grows like max(a, b) * 1e-16 when x is close to 1. Meant for
//   max(a, b) <= ~1e9: the iteration count is capped (at 1e6).
// - StudentTTwoSidedP(t, df) = P(|T| >= |t|) for T ~ t(df), any real df > 0
//   (not only integers).
//     df < 1e7:  I_x(df/2, 1/2) with x = df/(df+t^2), 1 - x given to the
//                function as t^2/(df+t^2) (no cancellation). Error below
//                ~1e-10 absolute (1e-14 for df <= 1000) (tests: against
//                40-digit values and the closed forms for df = 1, 2, 3).
//     df >= 1e7: P(|Z| >= |t|) + phi(t) (|t|^3 + |t|) / (2 df) (Fisher's
//                expansion to first order; the rest is O(1/df^2): absolute
//                error < 1e-14).
//     df == +inf: the normal p-value. |t| == inf: 0. t == 0: 1.
// - Invalid input (NaN anywhere, a <= 0, b <= 0, df <= 0, x outside [0, 1])
//   returns NaN. Nothing throws.
//
// Thread-safety: pure functions; safe to call concurrently.
#pragma once

namespace agentperf::analysis::stats {

double NormalCdf(double z);
double NormalTwoSidedP(double z);

double RegularizedIncompleteBeta(double a, double b, double x);

double StudentTTwoSidedP(double t, double df);

}  // namespace agentperf::analysis::stats
