// IdFilter: an approximate set of event ids (Hash128), kept in every segment
// so ingest can tell cheaply that a new event is not already stored there
// (no false negatives; a hit is confirmed against the segment's ids). Layout
// and probing are part of the segment format (docs/format/segment.md, "Id
// filter"). Two kinds:
//   - binary fuse filter (3-wise, 7-bit fingerprints): what writers produce;
//     about 7.9 bits per id, false positives ~0.8 %;
//   - blocked Bloom filter (10 bits per id, k = 6, ~1 %): segments written
//     before, and the fallback when a fuse filter cannot be built.
// A filter is built by adding every id to a builder (IdFilter(expected)) and
// encoding it; a decoded filter answers MayContain.
//
// Thread-safety: Add is single-writer; MayContain may run concurrently with
// other MayContain calls once building is finished.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"
#include "core/status.h"

namespace agentperf::store {

class IdFilter {
 public:
  IdFilter() = default;  // empty: contains nothing
  // A builder for about `expected_ids` ids.
  explicit IdFilter(uint64_t expected_ids);

  // Builder: remembers the id (8 bytes per id until encoded).
  void Add(const Hash128& id);
  // False: the id was certainly not added. A builder answers true (it cannot tell).
  bool MayContain(const Hash128& id) const;

  // Builds and serialises the filter of the added ids: a binary fuse filter,
  // or the Bloom filter if that cannot be built (format in docs/format/segment.md).
  void EncodeTo(std::string* out) const;
  // The Bloom form of the added ids (the fallback; tests use it for the old format).
  void EncodeBloomTo(std::string* out) const;
  static Result<IdFilter> Decode(std::string_view in);
  size_t MemoryBytes() const { return words_.size() * sizeof(uint64_t) + fingerprints_.size() + keys_.size() * 8; }

  // Fingerprint bits of the fuse filters writers produce.
  static constexpr int kFingerprintBits = 7;

 private:
  enum class Kind : uint8_t { kEmpty, kBuilder, kBloom, kFuse };
  bool BloomMayContain(const Hash128& id) const;
  bool FuseMayContain(const Hash128& id) const;

  Kind kind_ = Kind::kEmpty;
  // Builder: the ids' 64-bit keys.
  std::vector<uint64_t> keys_;
  // Bloom.
  static constexpr int kProbes = 6;
  static constexpr size_t kWordsPerBlock = 8;  // 512 bits = one cache line
  uint64_t blocks_ = 0;
  int probes_ = kProbes;
  std::vector<uint64_t> words_;
  // Binary fuse: fingerprints bit-packed (plus padding), segment geometry, seed.
  std::string fingerprints_;
  uint64_t seed_ = 0;
  uint32_t segment_length_ = 0;  // a power of two
  uint32_t segment_count_length_ = 0;  // segment_count * segment_length
  int fp_bits_ = 0;
};

}  // namespace agentperf::store
