// Distribution: a latency or throughput distribution of the simulated model
// (time to first chunk in ms, tokens per second), sampled from a SplitMix64.
//   fixed       value
//   uniform     min .. max
//   normal      mean, sd
//   lognormal   median, p95  (sigma = ln(p95/median) / 1.6449)
//   exponential mean
// Every sample is clamped to [min, max] when those are given ("min"/"max"
// also bound normal and lognormal), and never below 0.
// Thread-safety: a value.
#pragma once

#include <limits>
#include <string>

#include "core/status.h"
#include "sim/splitmix.h"

namespace agentperf::sim {

struct Distribution {
  enum class Kind { kFixed, kUniform, kNormal, kLognormal, kExponential };
  Kind kind = Kind::kFixed;
  double a = 0;  // value | min | mean | median | mean
  double b = 0;  // -     | max | sd   | p95    | -
  double min = 0;
  double max = std::numeric_limits<double>::infinity();

  static Distribution Fixed(double v);
  // InvalidArgument for parameters that make no sense (negative sd, p95 below
  // the median, min above max, non-finite values).
  Status Validate() const;
  // Draws exactly two values from rng whatever the kind, so that the draws
  // that follow do not depend on the kind.
  double Sample(SplitMix64& rng) const;
  // "lognormal(median=400, p95=1200)"
  std::string ToString() const;
};

}  // namespace agentperf::sim
