// IdFilter: a cache-line-blocked Bloom filter over event ids (Hash128), kept
// in every segment so ingest can tell cheaply that a new event is not already
// stored there. Layout and probing are part of the segment format
// (docs/format/segment.md, "Id filter"). About 10 bits per id, k = 6.
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
  IdFilter() = default;
  // A filter sized for `expected_ids`.
  explicit IdFilter(uint64_t expected_ids);

  void Add(const Hash128& id);
  bool MayContain(const Hash128& id) const;

  // Serialised form (varint blocks, varint k, blocks).
  void EncodeTo(std::string* out) const;
  static Result<IdFilter> Decode(std::string_view in);
  size_t MemoryBytes() const { return words_.size() * sizeof(uint64_t); }

 private:
  static constexpr int kProbes = 6;
  static constexpr size_t kWordsPerBlock = 8;  // 512 bits = one cache line
  uint64_t blocks_ = 0;
  int probes_ = kProbes;
  std::vector<uint64_t> words_;
};

}  // namespace agentperf::store
