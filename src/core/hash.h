// Non-cryptographic hashing: a 128-bit hash for stable event ids and a 64-bit
// hash for in-memory tables. The 128-bit function is MurmurHash3_x64_128
// (public-domain algorithm), written from its specification; its output is part
// of the on-disk format (event ids), so it must never change.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace agentperf {

struct Hash128 {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool operator==(const Hash128& o) const { return lo == o.lo && hi == o.hi; }
  bool operator!=(const Hash128& o) const { return !(*this == o); }
  bool operator<(const Hash128& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
  bool IsZero() const { return lo == 0 && hi == 0; }
  // 32 lowercase hex digits, hi first.
  std::string ToHex() const;
  static bool FromHex(std::string_view hex, Hash128* out);
};

Hash128 Murmur3_128(const void* data, size_t len, uint64_t seed = 0);
inline Hash128 Murmur3_128(std::string_view s, uint64_t seed = 0) { return Murmur3_128(s.data(), s.size(), seed); }

// A fast 64-bit hash for hash tables (not persisted; may change).
inline uint64_t Hash64(std::string_view s) { return Murmur3_128(s.data(), s.size(), 0x9e3779b97f4a7c15ull).lo; }

inline uint64_t Mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

}  // namespace agentperf
