#include "sim/splitmix.h"

#include <string>

#include "core/coding.h"
#include "core/hash.h"

namespace agentperf::sim {

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double SplitMix64::Uniform() {
  return static_cast<double>(Next() >> 11) * 0x1.0p-53;
}

double SplitMix64::UniformOpen() {
  return (static_cast<double>(Next() >> 12) + 0.5) * 0x1.0p-52;
}

uint64_t StreamSeed(uint64_t seed, std::string_view session, int64_t step, int64_t attempt) {
  // Fixed-width little-endian fields, then the session bytes: no ambiguity
  // between (session, step) pairs.
  std::string key;
  key.reserve(24 + session.size());
  coding::PutFixed64(&key, seed);
  coding::PutFixed64(&key, static_cast<uint64_t>(step));
  coding::PutFixed64(&key, static_cast<uint64_t>(attempt));
  key.append(session);
  return Murmur3_128(key, 0x51a7u).lo;
}

}  // namespace agentperf::sim
