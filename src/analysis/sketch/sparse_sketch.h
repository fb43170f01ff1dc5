// SparseSketch: the buckets of a DDSketch with the default parameters (0.5 %
// relative accuracy), kept as a sorted vector of (bucket index, count) pairs
// instead of a dense window. Rollups hold one duration sketch per minute or
// hour cell, and most cells hold a handful of values: a dense DDSketch costs
// ~0.5-5 KB each, a sparse one ~40 bytes plus 8 per non-empty bucket.
//
// Same bucket mapping as DDSketch, so MergeInto(&d) gives d exactly the
// buckets it would have had if every value had been added to it directly.
// Unlike DDSketch it never collapses buckets (a cell never holds enough
// distinct buckets for that to matter: at most one per 1 % of range).
//
// Serialized form (appended by EncodeTo; integers are LEB128 varints,
// "svarint" zigzag varints, "double" 8 bytes little-endian IEEE-754):
//   varint  count
//   if count > 0:
//     varint zero_count, double sum, double min, double max
//     varint n                       non-empty buckets
//     n x (svarint index delta from the previous bucket's index (the first:
//          from 0), varint count > 0)   indices strictly increasing
//   zero_count + sum of counts == count; Decode rejects anything else.
//
// Thread-safety: a value type; concurrent const access is fine.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/sketch/ddsketch.h"
#include "core/status.h"

namespace agentperf::sketch {

class SparseSketch {
 public:
  // Values must be finite and >= 0; others are ignored (as in DDSketch).
  void Add(double x);
  void Merge(const SparseSketch& other);
  // Adds every value to `dst`, which must have the default relative accuracy.
  void MergeInto(DDSketch* dst) const;

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  double sum() const { return sum_; }
  double min() const { return count_ ? min_ : std::numeric_limits<double>::quiet_NaN(); }
  double max() const { return count_ ? max_ : std::numeric_limits<double>::quiet_NaN(); }
  size_t buckets() const { return buckets_.size(); }
  size_t MemoryBytes() const { return sizeof *this + buckets_.capacity() * sizeof(buckets_[0]); }

  void EncodeTo(std::string* dst) const;
  // Decodes one sketch from the front of *in, consuming it; Corruption (and
  // *in unchanged) on malformed input.
  static Result<SparseSketch> Decode(std::string_view* in);
  // The same form, but sum, min and max as varints of llround(x * scale)
  // instead of doubles: smaller, and exact for values that are multiples of
  // 1 / scale (durations in ms from integral microseconds, scale 1000) while
  // the sum stays below 2^53 / scale.
  void EncodeScaledTo(std::string* dst, double scale) const;
  static Result<SparseSketch> DecodeScaled(std::string_view* in, double scale);
  bool operator==(const SparseSketch& o) const;

 private:
  void EncodeWith(std::string* dst, double scale) const;  // scale 0: doubles
  static Result<SparseSketch> DecodeWith(std::string_view* in, double scale);

  std::vector<std::pair<int32_t, uint32_t>> buckets_;  // sorted by index
  uint64_t zero_count_ = 0;
  uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

}  // namespace agentperf::sketch
