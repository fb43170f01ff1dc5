#include "analysis/sketch/sparse_sketch.h"

#include <algorithm>
#include <cmath>

#include "core/coding.h"

namespace agentperf::sketch {
using namespace coding;  // NOLINT
namespace {

const DDSketch& Mapping() {
  static const DDSketch m;
  return m;
}

}  // namespace

void SparseSketch::Add(double x) {
  if (!(x >= 0) || !std::isfinite(x)) return;
  ++count_;
  sum_ += x;
  min_ = std::min(min_, x);
  max_ = std::max(max_, x);
  if (x < DDSketch::kMinIndexableValue) {
    ++zero_count_;
    return;
  }
  const auto idx = static_cast<int32_t>(Mapping().BucketIndex(x));
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), idx,
                             [](const std::pair<int32_t, uint32_t>& b, int32_t i) { return b.first < i; });
  if (it != buckets_.end() && it->first == idx) {
    ++it->second;
  } else {
    buckets_.insert(it, {idx, 1u});
  }
}

void SparseSketch::Merge(const SparseSketch& o) {
  if (o.count_ == 0) return;
  std::vector<std::pair<int32_t, uint32_t>> out;
  out.reserve(buckets_.size() + o.buckets_.size());
  size_t i = 0, j = 0;
  while (i < buckets_.size() || j < o.buckets_.size()) {
    if (j == o.buckets_.size() || (i < buckets_.size() && buckets_[i].first < o.buckets_[j].first)) {
      out.push_back(buckets_[i++]);
    } else if (i == buckets_.size() || o.buckets_[j].first < buckets_[i].first) {
      out.push_back(o.buckets_[j++]);
    } else {
      out.emplace_back(buckets_[i].first, buckets_[i].second + o.buckets_[j].second);
      ++i;
      ++j;
    }
  }
  buckets_ = std::move(out);
  zero_count_ += o.zero_count_;
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

void SparseSketch::MergeInto(DDSketch* dst) const {
  dst->MergeBuckets(buckets_.data(), buckets_.size(), zero_count_, count_, sum_, min_, max_);
}

namespace {

void PutValue(std::string* dst, double v, double scale) {
  if (scale == 0) {
    PutDouble(dst, v);
  } else {
    PutVarint64(dst, static_cast<uint64_t>(std::llround(v * scale)));
  }
}
bool GetValue(std::string_view* in, double* v, double scale) {
  if (scale == 0) return GetDouble(in, v);
  uint64_t u = 0;
  if (!GetVarint64(in, &u) || u > (uint64_t{1} << 62)) return false;
  *v = static_cast<double>(u) / scale;
  return true;
}

}  // namespace

void SparseSketch::EncodeTo(std::string* dst) const { EncodeWith(dst, 0); }
void SparseSketch::EncodeScaledTo(std::string* dst, double scale) const { EncodeWith(dst, scale); }
Result<SparseSketch> SparseSketch::Decode(std::string_view* in) { return DecodeWith(in, 0); }
Result<SparseSketch> SparseSketch::DecodeScaled(std::string_view* in, double scale) { return DecodeWith(in, scale); }

void SparseSketch::EncodeWith(std::string* dst, double scale) const {
  PutVarint64(dst, count_);
  if (count_ == 0) return;
  PutVarint64(dst, zero_count_);
  PutValue(dst, sum_, scale);
  PutValue(dst, min_, scale);
  PutValue(dst, max_, scale);
  PutVarint64(dst, buckets_.size());
  int64_t prev = 0;
  for (const auto& [idx, c] : buckets_) {
    PutVarsint64(dst, idx - prev);
    PutVarint64(dst, c);
    prev = idx;
  }
}

Result<SparseSketch> SparseSketch::DecodeWith(std::string_view* in, double scale) {
  std::string_view p = *in;
  SparseSketch s;
  auto bad = [](const char* what) { return Status::Corruption(std::string("sparse sketch: ") + what); };
  if (!GetVarint64(&p, &s.count_)) return bad("truncated count");
  if (s.count_ > 0) {
    uint64_t n = 0;
    if (!GetVarint64(&p, &s.zero_count_) || !GetValue(&p, &s.sum_, scale) || !GetValue(&p, &s.min_, scale) ||
        !GetValue(&p, &s.max_, scale) || !GetVarint64(&p, &n)) {
      return bad("truncated header");
    }
    if (!(s.min_ >= 0) || !(s.max_ >= s.min_) || !std::isfinite(s.max_) || !(s.sum_ >= 0)) return bad("bad min/max/sum");
    if (n > p.size() / 2 || n > s.count_) return bad("bucket count out of range");
    s.buckets_.reserve(n);
    int64_t prev = 0;
    uint64_t total = s.zero_count_;
    for (uint64_t k = 0; k < n; ++k) {
      int64_t d = 0;
      uint64_t c = 0;
      if (!GetVarsint64(&p, &d) || !GetVarint64(&p, &c)) return bad("truncated bucket");
      int64_t idx = prev + d;
      if ((k > 0 && d <= 0) || c == 0 || c > UINT32_MAX || idx < INT32_MIN || idx > INT32_MAX) {
        return bad("bucket out of order or empty");
      }
      s.buckets_.emplace_back(static_cast<int32_t>(idx), static_cast<uint32_t>(c));
      total += c;
      prev = idx;
    }
    if (total != s.count_) return bad("counts do not add up");
  }
  *in = p;
  return s;
}

bool SparseSketch::operator==(const SparseSketch& o) const {
  return count_ == o.count_ && zero_count_ == o.zero_count_ && buckets_ == o.buckets_ &&
         (count_ == 0 || (sum_ == o.sum_ && min_ == o.min_ && max_ == o.max_));
}

}  // namespace agentperf::sketch
