#include "analysis/sketch/ddsketch.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "core/coding.h"

namespace agentperf::sketch {

namespace {

constexpr int64_t kInitialWindow = 64;  // buckets allocated for the first value
constexpr int64_t kMinSlack = 32;       // growth slack when the window grows

bool ValidAccuracy(double a) {
  return a >= DDSketch::kMinRelativeAccuracy && a <= DDSketch::kMaxRelativeAccuracy;
}
bool ValidMaxBuckets(int64_t n) {
  return n >= DDSketch::kMinMaxBuckets && n <= DDSketch::kMaxMaxBuckets;
}

}  // namespace

DDSketch::DDSketch(double relative_accuracy, int max_buckets) {
  assert(ValidAccuracy(relative_accuracy) && "DDSketch: relative accuracy out of range");
  assert(ValidMaxBuckets(max_buckets) && "DDSketch: max_buckets out of range");
  if (!(relative_accuracy >= kMinRelativeAccuracy)) relative_accuracy = kMinRelativeAccuracy;
  if (!(relative_accuracy <= kMaxRelativeAccuracy)) relative_accuracy = kMaxRelativeAccuracy;
  relative_accuracy_ = relative_accuracy;
  max_buckets_ = std::clamp(max_buckets, kMinMaxBuckets, kMaxMaxBuckets);
  const double gamma = (1 + relative_accuracy_) / (1 - relative_accuracy_);
  log_gamma_ = std::log(gamma);
  multiplier_ = 1 / log_gamma_;
  log_rep_ = std::log(2 / (gamma + 1));
}

Result<DDSketch> DDSketch::Create(double relative_accuracy, int max_buckets) {
  if (!ValidAccuracy(relative_accuracy)) {
    return Status::InvalidArgument("DDSketch relative accuracy must be in [1e-5, 0.5]");
  }
  if (!ValidMaxBuckets(max_buckets)) {
    return Status::InvalidArgument("DDSketch max_buckets must be in [1, 65536]");
  }
  return DDSketch(relative_accuracy, max_buckets);
}

double DDSketch::ValueOf(int64_t index) const {
  // exp(i*log(gamma) + log(2/(gamma+1))) == 2*gamma^i/(gamma+1) without overflow
  // in the intermediate gamma^i for the highest indexes.
  return std::exp(static_cast<double>(index) * log_gamma_ + log_rep_);
}

void DDSketch::AddSlow(double x, uint64_t count) {
  const bool valid = x >= 0 && x <= std::numeric_limits<double>::max();
  assert(valid && "DDSketch::Add: value must be finite and >= 0");
  if (!valid || count == 0) return;
  if (x < kMinIndexableValue) {
    zero_count_ += count;
  } else {
    const int64_t index = IndexOf(x);
    EnsureRange(index, index);
    counts_[std::max(index, offset_) - offset_] += count;
  }
  UpdateStats(x, count);
}

bool DDSketch::NonEmptyRange(int64_t* lo, int64_t* hi) const {
  const auto n = static_cast<int64_t>(counts_.size());
  int64_t first = 0;
  while (first < n && counts_[first] == 0) ++first;
  if (first == n) return false;
  int64_t last = n - 1;
  while (counts_[last] == 0) --last;
  *lo = offset_ + first;
  *hi = offset_ + last;
  return true;
}

void DDSketch::EnsureRange(int64_t lo, int64_t hi) {
  const int64_t cap = max_buckets_;
  int64_t old_lo = 0, old_hi = 0;
  const bool had_buckets = NonEmptyRange(&old_lo, &old_hi);
  if (had_buckets) {
    lo = std::min(lo, old_lo);
    hi = std::max(hi, old_hi);
  }
  if (hi - lo + 1 > cap) lo = hi - cap + 1;  // collapse the lowest buckets
  const int64_t top = offset_ + static_cast<int64_t>(counts_.size()) - 1;
  if (!counts_.empty() && lo >= offset_ && hi <= top) return;  // already covered

  // New window [new_lo, new_hi] covers [lo, hi] plus growth slack on the side(s)
  // that grew, never spanning more than cap buckets.
  int64_t new_lo = lo, new_hi = hi;
  if (counts_.empty()) {
    const int64_t extra = std::max<int64_t>(0, kInitialWindow - (hi - lo + 1));
    new_lo -= extra / 2;
    new_hi += extra - extra / 2;
  } else {
    const int64_t slack = std::max(kMinSlack, (hi - lo + 1) / 2);
    if (lo < offset_) new_lo -= slack;
    if (hi > top) new_hi += slack;
  }
  int64_t excess = (new_hi - new_lo + 1) - cap;
  if (excess > 0) {  // trim slack, from the top first (hi - lo + 1 <= cap)
    const int64_t cut_hi = std::min(excess, new_hi - hi);
    new_hi -= cut_hi;
    new_lo += excess - cut_hi;
  }

  std::vector<uint64_t> window(static_cast<size_t>(new_hi - new_lo + 1), 0);
  if (had_buckets) {
    for (int64_t j = old_lo; j <= old_hi; ++j) {
      const uint64_t c = counts_[j - offset_];
      if (c != 0) window[std::max(j, new_lo) - new_lo] += c;
    }
  }
  counts_ = std::move(window);
  offset_ = new_lo;
}

Status DDSketch::Merge(const DDSketch& other) {
  if (other.relative_accuracy_ != relative_accuracy_) {
    return Status::InvalidArgument("DDSketch::Merge: relative accuracy mismatch");
  }
  if (other.count_ == 0) return Status::OK();
  int64_t lo = 0, hi = 0;
  if (other.NonEmptyRange(&lo, &hi)) {
    EnsureRange(lo, hi);
    for (int64_t j = lo; j <= hi; ++j) {
      const uint64_t c = other.counts_[j - other.offset_];
      counts_[std::max(j, offset_) - offset_] += c;
    }
  }
  zero_count_ += other.zero_count_;
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  return Status::OK();
}

void DDSketch::MergeBuckets(const std::pair<int32_t, uint32_t>* buckets, size_t n, uint64_t zero_count,
                            uint64_t count, double sum, double min, double max) {
  if (count == 0) return;
  if (n > 0) {
    int64_t lo = buckets[0].first, hi = buckets[0].first;
    for (size_t i = 1; i < n; ++i) {
      lo = std::min<int64_t>(lo, buckets[i].first);
      hi = std::max<int64_t>(hi, buckets[i].first);
    }
    // EnsureRange scans the window; most merges land inside it already.
    const int64_t top = offset_ + static_cast<int64_t>(counts_.size()) - 1;
    if (counts_.empty() || lo < offset_ || hi > top) EnsureRange(lo, hi);
    for (size_t i = 0; i < n; ++i) counts_[std::max<int64_t>(buckets[i].first, offset_) - offset_] += buckets[i].second;
  }
  zero_count_ += zero_count;
  count_ += count;
  sum_ += sum;
  min_ = std::min(min_, min);
  max_ = std::max(max_, max);
}

double DDSketch::Quantile(double q) const {
  if (count_ == 0 || std::isnan(q)) return kNaN;
  if (q <= 0) return min_;
  if (q >= 1) return max_;
  // The element at sorted position floor(rank) lies in the first bucket whose
  // cumulative count c satisfies c > floor(rank), i.e. c > rank (c is integral).
  const double rank = q * static_cast<double>(count_ - 1);
  uint64_t cumulative = zero_count_;
  if (static_cast<double>(cumulative) > rank) return std::clamp(0.0, min_, max_);
  for (size_t i = 0; i < counts_.size(); ++i) {
    cumulative += counts_[i];
    if (static_cast<double>(cumulative) > rank) {
      return std::clamp(ValueOf(offset_ + static_cast<int64_t>(i)), min_, max_);
    }
  }
  return max_;  // unreachable while counts are consistent
}

double DDSketch::MedianAbsoluteDeviation() const {
  if (count_ == 0) return kNaN;
  const double median = Quantile(0.5);
  std::vector<std::pair<double, uint64_t>> dev;  // (|representative - median|, count)
  dev.reserve(counts_.size() + 1);
  if (zero_count_ > 0) dev.emplace_back(std::abs(std::clamp(0.0, min_, max_) - median), zero_count_);
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const double v = std::clamp(ValueOf(offset_ + static_cast<int64_t>(i)), min_, max_);
    dev.emplace_back(std::abs(v - median), counts_[i]);
  }
  std::sort(dev.begin(), dev.end());
  const uint64_t position = (count_ - 1) / 2;
  uint64_t cumulative = 0;
  for (const auto& [d, c] : dev) {
    cumulative += c;
    if (cumulative > position) return d;
  }
  return dev.empty() ? kNaN : dev.back().first;
}

size_t DDSketch::MemoryBytes() const {
  return sizeof(*this) + counts_.capacity() * sizeof(uint64_t);
}

void DDSketch::Clear() {
  count_ = 0;
  zero_count_ = 0;
  sum_ = 0;
  min_ = std::numeric_limits<double>::infinity();
  max_ = -std::numeric_limits<double>::infinity();
  offset_ = 0;
  std::vector<uint64_t>().swap(counts_);
}

bool DDSketch::Equals(const DDSketch& other) const {
  if (relative_accuracy_ != other.relative_accuracy_ || max_buckets_ != other.max_buckets_ ||
      count_ != other.count_ || zero_count_ != other.zero_count_ || sum_ != other.sum_ ||
      min_ != other.min_ || max_ != other.max_) {
    return false;
  }
  int64_t lo = 0, hi = 0, olo = 0, ohi = 0;
  const bool has = NonEmptyRange(&lo, &hi);
  if (has != other.NonEmptyRange(&olo, &ohi)) return false;
  if (!has) return true;
  if (lo != olo || hi != ohi) return false;
  for (int64_t j = lo; j <= hi; ++j) {
    if (counts_[j - offset_] != other.counts_[j - other.offset_]) return false;
  }
  return true;
}

void DDSketch::EncodeTo(std::string* dst) const {
  dst->push_back(static_cast<char>(kFormatVersion));
  coding::PutDouble(dst, relative_accuracy_);
  coding::PutVarint64(dst, static_cast<uint64_t>(max_buckets_));
  coding::PutVarint64(dst, count_);
  coding::PutDouble(dst, sum_);
  coding::PutDouble(dst, min());
  coding::PutDouble(dst, max());
  coding::PutVarint64(dst, zero_count_);
  int64_t lo = 0, hi = 0;
  if (!NonEmptyRange(&lo, &hi)) {
    coding::PutVarsint64(dst, 0);
    coding::PutVarint64(dst, 0);
    return;
  }
  coding::PutVarsint64(dst, lo);
  coding::PutVarint64(dst, static_cast<uint64_t>(hi - lo + 1));
  for (int64_t j = lo; j <= hi;) {
    const uint64_t c = counts_[j - offset_];
    if (c != 0) {
      coding::PutVarint64(dst, c);
      ++j;
      continue;
    }
    int64_t run = 0;
    while (counts_[j - offset_] == 0) ++j, ++run;  // stops at hi, which is non-empty
    coding::PutVarint64(dst, 0);
    coding::PutVarint64(dst, static_cast<uint64_t>(run));
  }
}

Result<DDSketch> DDSketch::Decode(std::string_view* in) {
  std::string_view p = *in;
  auto corrupt = [](const char* what) {
    return Status::Corruption(std::string("DDSketch: ") + what);
  };
  uint8_t version = 0;
  if (!coding::GetByte(&p, &version)) return corrupt("truncated");
  if (version != kFormatVersion) return corrupt("unknown version");
  double accuracy = 0, sum = 0, min = 0, max = 0;
  uint64_t max_buckets = 0, count = 0, zero_count = 0, n = 0;
  int64_t offset = 0;
  if (!coding::GetDouble(&p, &accuracy) || !coding::GetVarint64(&p, &max_buckets) ||
      !coding::GetVarint64(&p, &count) || !coding::GetDouble(&p, &sum) ||
      !coding::GetDouble(&p, &min) || !coding::GetDouble(&p, &max) ||
      !coding::GetVarint64(&p, &zero_count) || !coding::GetVarsint64(&p, &offset) ||
      !coding::GetVarint64(&p, &n)) {
    return corrupt("truncated header");
  }
  if (!ValidAccuracy(accuracy)) return corrupt("relative accuracy out of range");
  if (max_buckets > static_cast<uint64_t>(kMaxMaxBuckets) ||
      !ValidMaxBuckets(static_cast<int64_t>(max_buckets))) {
    return corrupt("max_buckets out of range");
  }
  if (n > max_buckets) return corrupt("bucket range exceeds max_buckets");
  if (count == 0) {
    if (!std::isnan(min) || !std::isnan(max) || sum != 0 || zero_count != 0 || n != 0 ||
        offset != 0) {
      return corrupt("inconsistent empty sketch");
    }
    *in = p;
    return DDSketch(accuracy, static_cast<int>(max_buckets));
  }
  if (!std::isfinite(min) || !std::isfinite(max) || !(min >= 0) || !(min <= max)) {
    return corrupt("bad min/max");
  }
  if (std::isnan(sum) || !(sum >= 0)) return corrupt("bad sum");
  if ((zero_count > 0) != (min < kMinIndexableValue)) return corrupt("zero count vs min");
  if ((n > 0) != (max >= kMinIndexableValue)) return corrupt("bucket range vs max");
  if (zero_count > count) return corrupt("zero count exceeds count");

  DDSketch sketch(accuracy, static_cast<int>(max_buckets));
  if (n > 0) {
    // Indexes must lie in the range reachable by finite values (one bucket of
    // slack for log() rounding differences between platforms).
    const int64_t min_index = sketch.IndexOf(kMinIndexableValue) - 1;
    const int64_t max_index = sketch.IndexOf(std::numeric_limits<double>::max()) + 1;
    if (offset < min_index || offset > max_index - static_cast<int64_t>(n) + 1) {
      return corrupt("bucket offset out of range");
    }
    if (p.empty()) return corrupt("truncated buckets");
    std::vector<uint64_t> counts(static_cast<size_t>(n), 0);
    uint64_t total = zero_count;
    uint64_t pos = 0;
    while (pos < n) {
      uint64_t c = 0;
      if (!coding::GetVarint64(&p, &c)) return corrupt("truncated buckets");
      if (c == 0) {
        uint64_t run = 0;
        if (!coding::GetVarint64(&p, &run)) return corrupt("truncated buckets");
        if (run == 0 || run > n - pos) return corrupt("bad empty-bucket run");
        pos += run;
        continue;
      }
      if (c > count - total) return corrupt("bucket counts exceed count");
      total += c;
      counts[pos++] = c;
    }
    if (counts.front() == 0 || counts.back() == 0) return corrupt("non-canonical bucket range");
    if (total != count) return corrupt("bucket counts do not add up to count");
    sketch.counts_ = std::move(counts);
    sketch.offset_ = offset;
  } else if (offset != 0 || zero_count != count) {
    return corrupt("inconsistent zero-only sketch");
  }
  sketch.count_ = count;
  sketch.zero_count_ = zero_count;
  sketch.sum_ = sum;
  sketch.min_ = min;
  sketch.max_ = max;
  *in = p;
  return sketch;
}

}  // namespace agentperf::sketch
