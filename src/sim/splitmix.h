// SplitMix64: the simulated model's pseudo-random stream. Each request gets
// its own stream, seeded from (config seed, session, step, attempt), so what a
// request sees never depends on the order in which concurrent requests arrive.
// Thread-safety: a SplitMix64 is a value; use one per request.
#pragma once

#include <cstdint>
#include <string_view>

namespace agentperf::sim {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform in (0, 1): never 0, for logarithms.
  double UniformOpen();

 private:
  uint64_t state_;
};

// The seed of one request's stream: a hash of the four values (the session
// id's bytes included), stable across runs and platforms.
uint64_t StreamSeed(uint64_t seed, std::string_view session, int64_t step, int64_t attempt);

}  // namespace agentperf::sim
