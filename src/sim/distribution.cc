#include "sim/distribution.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace agentperf::sim {

namespace {
constexpr double kZ95 = 1.6448536269514722;  // standard normal quantile at 0.95
constexpr double kTwoPi = 6.283185307179586;
}  // namespace

Distribution Distribution::Fixed(double v) {
  Distribution d;
  d.kind = Kind::kFixed;
  d.a = v;
  return d;
}

Status Distribution::Validate() const {
  if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(min) || std::isnan(max)) {
    return Status::InvalidArgument("distribution parameters must be finite numbers");
  }
  if (min < 0) return Status::InvalidArgument("distribution min must be >= 0");
  if (min > max) return Status::InvalidArgument(fmt::format("distribution min {} is above max {}", min, max));
  switch (kind) {
    case Kind::kFixed:
      if (a < 0) return Status::InvalidArgument("fixed value must be >= 0");
      break;
    case Kind::kUniform:
      if (a < 0 || b < a) return Status::InvalidArgument("uniform needs 0 <= min <= max");
      break;
    case Kind::kNormal:
      if (b < 0) return Status::InvalidArgument("normal sd must be >= 0");
      break;
    case Kind::kLognormal:
      if (a <= 0 || b < a) return Status::InvalidArgument("lognormal needs 0 < median <= p95");
      break;
    case Kind::kExponential:
      if (a <= 0) return Status::InvalidArgument("exponential mean must be > 0");
      break;
  }
  return Status::OK();
}

double Distribution::Sample(SplitMix64& rng) const {
  const double u1 = rng.UniformOpen();
  const double u2 = rng.Uniform();
  double v = 0;
  switch (kind) {
    case Kind::kFixed:
      v = a;
      break;
    case Kind::kUniform:
      v = a + (b - a) * u2;
      break;
    case Kind::kNormal:
    case Kind::kLognormal: {
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);  // Box-Muller
      if (kind == Kind::kNormal) {
        v = a + b * z;
      } else {
        const double sigma = std::log(b / a) / kZ95;
        v = a * std::exp(sigma * z);
      }
      break;
    }
    case Kind::kExponential:
      v = -a * std::log(u1);
      break;
  }
  return std::clamp(v, std::max(0.0, min), std::max(0.0, max));
}

std::string Distribution::ToString() const {
  switch (kind) {
    case Kind::kFixed:
      return fmt::format("fixed({})", a);
    case Kind::kUniform:
      return fmt::format("uniform(min={}, max={})", a, b);
    case Kind::kNormal:
      return fmt::format("normal(mean={}, sd={})", a, b);
    case Kind::kLognormal:
      return fmt::format("lognormal(median={}, p95={})", a, b);
    case Kind::kExponential:
      return fmt::format("exponential(mean={})", a);
  }
  return "?";
}

}  // namespace agentperf::sim
