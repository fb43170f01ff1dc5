// CRC-32C (Castagnoli), the checksum of every on-disk record and block.
//
// Uses the SSE4.2 instruction when the CPU has it, a table otherwise; both give
// the same values. Mask/Unmask follow leveldb: a CRC stored next to the data it
// covers is masked so that CRCs of CRCs do not collide trivially.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace agentperf::crc32c {

// Returns the CRC of data[0,n) continuing from init_crc (0 for a fresh CRC).
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return ((rot >> 17) | (rot << 15));
}

// Exposed for tests: the portable path, whatever the CPU.
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);

}  // namespace agentperf::crc32c
