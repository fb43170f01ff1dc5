// DDSketch: a mergeable quantile sketch with bounded relative error.
//
// Contract. Values x >= 0 are mapped to logarithmic buckets:
//   gamma = (1 + a) / (1 - a)                 for relative accuracy a
//   index(x) = ceil(log(x) / log(gamma))      for x >= kMinIndexableValue
//   value(i) = 2 * gamma^i / (gamma + 1)      representative of bucket i
// Bucket i holds (gamma^(i-1), gamma^i], so value(i) is within relative error a
// of every value in it (plus a few ulps of floating-point rounding). Values
// below kMinIndexableValue (including 0) go to a separate zero bucket whose
// representative is 0.
//
// Quantile(q), 0 < q < 1, returns the representative of the bucket holding the
// element at 0-based sorted position floor(q * (count - 1)), clamped to
// [min(), max()]. So the result is within relative error a of that exact element
// (or both are < kMinIndexableValue). q <= 0 returns min(), q >= 1 returns max()
// (both exact). Empty sketch or NaN q: NaN.
//
// Buckets are stored densely (one uint64_t count per bucket between the lowest
// and highest index, plus some growth slack). The number of buckets is capped
// at max_buckets; when the index range would exceed it, the LOWEST buckets are
// collapsed into the lowest remaining one, so high quantiles stay accurate.
// The final placement of every value depends only on the set of values added,
// not on their order, so Merge(sketch(A), sketch(B)) has exactly the buckets of
// sketch(A u B) (with equal max_buckets on both sides).
//
// Thread-safety: not thread-safe; a value type (copyable and movable). Concurrent
// const access is fine.
//
// Serialized format, version 1 (all integers LEB128 varints unless stated;
// "double" is 8 bytes little-endian IEEE-754; "svarint" is a zigzag varint):
//   byte     version              = 1
//   double   relative_accuracy    in [kMinRelativeAccuracy, kMaxRelativeAccuracy]
//   varint   max_buckets          in [kMinMaxBuckets, kMaxMaxBuckets]
//   varint   count                total number of values
//   double   sum                  >= 0 (may be +inf), 0 when count == 0
//   double   min                  NaN iff count == 0, else finite, 0 <= min <= max
//   double   max                  NaN iff count == 0, else finite
//   varint   zero_count           values < kMinIndexableValue; > 0 iff min < it
//   svarint  offset               index of the lowest non-empty bucket (0 if n == 0)
//   varint   n                    buckets from offset to the highest non-empty one
//                                 inclusive; n <= max_buckets; n > 0 iff
//                                 max >= kMinIndexableValue
//   tokens, covering exactly n buckets in index order:
//     varint c > 0                one bucket with count c
//     varint 0, varint r >= 1     r consecutive empty buckets
//   The first and last bucket are non-empty; zero_count + sum of bucket counts
//   == count. Decode rejects anything else with Status::Corruption.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace agentperf::sketch {

class DDSketch {
 public:
  static constexpr double kDefaultRelativeAccuracy = 0.005;
  static constexpr int kDefaultMaxBuckets = 4096;
  static constexpr double kMinRelativeAccuracy = 1e-5;
  static constexpr double kMaxRelativeAccuracy = 0.5;
  static constexpr int kMinMaxBuckets = 1;
  static constexpr int kMaxMaxBuckets = 1 << 16;
  // Values below this (and zero) are counted in the zero bucket. With the
  // default accuracy and cap, [kMinIndexableValue, 1e9] needs 3914 buckets, so
  // that whole range is covered without collapsing (up to ~6e9 in fact).
  static constexpr double kMinIndexableValue = 1e-8;
  static constexpr uint8_t kFormatVersion = 1;

  // REQUIRES: relative_accuracy in [kMinRelativeAccuracy, kMaxRelativeAccuracy],
  // max_buckets in [kMinMaxBuckets, kMaxMaxBuckets] (asserted in debug; clamped
  // into range in release). Use Create() for untrusted parameters.
  explicit DDSketch(double relative_accuracy = kDefaultRelativeAccuracy,
                    int max_buckets = kDefaultMaxBuckets);
  // As the constructor, but InvalidArgument for out-of-range parameters.
  static Result<DDSketch> Create(double relative_accuracy = kDefaultRelativeAccuracy,
                                 int max_buckets = kDefaultMaxBuckets);

  DDSketch(const DDSketch&) = default;
  DDSketch& operator=(const DDSketch&) = default;
  DDSketch(DDSketch&&) noexcept = default;
  DDSketch& operator=(DDSketch&&) noexcept = default;

  // REQUIRES: x finite and >= 0 (asserted in debug; NaN, negative and infinite
  // values are ignored in release). Add(x, 0) is a no-op. Does not allocate
  // once the bucket range covering x exists.
  void Add(double x) { Add(x, 1); }
  inline void Add(double x, uint64_t count);

  // Adds every value of `other`. InvalidArgument (and *this unchanged) unless
  // other.relative_accuracy() == relative_accuracy(). The result uses this
  // sketch's max_buckets.
  Status Merge(const DDSketch& other);

  // Adds values known only by their buckets (from a SparseSketch with this
  // sketch's relative accuracy): `n` (bucket index, count) pairs in any
  // order, `zero_count` values in the zero bucket, and the exact count, sum,
  // min and max of all of them. The result equals adding the values one by
  // one (collapsing included). REQUIRES count == zero_count + sum of counts.
  void MergeBuckets(const std::pair<int32_t, uint32_t>* buckets, size_t n, uint64_t zero_count, uint64_t count,
                    double sum, double min, double max);
  // The bucket index of x. REQUIRES kMinIndexableValue <= x <= DBL_MAX.
  int64_t BucketIndex(double x) const { return IndexOf(x); }

  // See the header comment. q outside [0, 1] is treated as 0 or 1.
  double Quantile(double q) const;

  // The median absolute deviation, median(|x - median|), computed from the
  // buckets: each bucket's representative (clamped to [min, max]) stands for
  // its values, the median is Quantile(0.5), and the result is the deviation
  // at 0-based sorted position floor((count - 1) / 2), as Quantile does. Its
  // error is absolute, not relative: every deviation is off by at most
  // a * (x + median) for its value x, so the result is within
  // a * (2 * median + MAD) of the exact MAD (a = relative accuracy). NaN when
  // empty. Cost: O(buckets * log(buckets)).
  double MedianAbsoluteDeviation() const;

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Exact sum of the added values (floating-point accumulation order applies).
  double sum() const { return sum_; }
  // Exact smallest / largest added value; NaN when empty.
  double min() const { return count_ == 0 ? kNaN : min_; }
  double max() const { return count_ == 0 ? kNaN : max_; }
  // sum() / count(); NaN when empty.
  double Mean() const { return count_ == 0 ? kNaN : sum_ / static_cast<double>(count_); }
  uint64_t zero_count() const { return zero_count_; }
  double relative_accuracy() const { return relative_accuracy_; }
  int max_buckets() const { return max_buckets_; }

  // Approximate heap + inline footprint in bytes.
  size_t MemoryBytes() const;
  // Removes all values and releases the bucket array; keeps the parameters.
  void Clear();

  // Same parameters, count, sum, min, max, zero count and non-empty buckets
  // (ignores growth slack). A decoded sketch Equals the one that was encoded.
  bool Equals(const DDSketch& other) const;

  // Appends the serialized form (see the header comment) to *dst.
  void EncodeTo(std::string* dst) const;
  // Decodes one sketch from the front of *in and consumes its bytes; on error
  // returns Corruption and leaves *in unchanged. Never allocates more than
  // kMaxMaxBuckets counts.
  static Result<DDSketch> Decode(std::string_view* in);

 private:
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

  void AddSlow(double x, uint64_t count);
  void UpdateStats(double x, uint64_t count) {
    count_ += count;
    sum_ += x * static_cast<double>(count);
    min_ = x < min_ ? x : min_;
    max_ = x > max_ ? x : max_;
  }
  // REQUIRES: kMinIndexableValue <= x <= DBL_MAX.
  int64_t IndexOf(double x) const {
    const double t = std::log(x) * multiplier_;
    auto i = static_cast<int64_t>(t);  // truncation; |t| < 2^31 by construction
    return i < t ? i + 1 : i;          // ceil
  }
  double ValueOf(int64_t index) const;
  // Finds the lowest and highest non-empty bucket; false if there is none.
  bool NonEmptyRange(int64_t* lo, int64_t* hi) const;
  // Makes the window cover the non-empty range united with [lo, hi], collapsing
  // the lowest buckets if that exceeds max_buckets_. Afterwards an index j in
  // [lo, hi] belongs in bucket max(j, offset_).
  void EnsureRange(int64_t lo, int64_t hi);

  double relative_accuracy_;
  int max_buckets_;
  double log_gamma_;     // log(gamma)
  double multiplier_;    // 1 / log(gamma)
  double log_rep_;       // log(2 / (gamma + 1))
  uint64_t count_ = 0;
  uint64_t zero_count_ = 0;
  double sum_ = 0;
  double min_ = std::numeric_limits<double>::infinity();    // valid if count_ > 0
  double max_ = -std::numeric_limits<double>::infinity();   // valid if count_ > 0
  int64_t offset_ = 0;          // bucket index of counts_[0]
  std::vector<uint64_t> counts_;  // window; size() <= max_buckets_
};

inline void DDSketch::Add(double x, uint64_t count) {
  // The range check is false for NaN, negatives, +inf and the zero bucket.
  if (x >= kMinIndexableValue && x <= std::numeric_limits<double>::max() && count != 0) {
    const auto pos = static_cast<uint64_t>(IndexOf(x) - offset_);
    if (pos < counts_.size()) {
      counts_[pos] += count;
      UpdateStats(x, count);
      return;
    }
  }
  AddSlow(x, count);
}

}  // namespace agentperf::sketch
