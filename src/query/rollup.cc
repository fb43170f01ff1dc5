#include "query/rollup.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/coding.h"
#include "core/hash.h"

namespace agentperf::query {
using namespace coding;  // NOLINT
namespace {

struct CellKey {
  int64_t bucket;
  std::array<uint32_t, 4> dims;
  uint8_t kind;
  bool operator==(const CellKey& o) const { return bucket == o.bucket && dims == o.dims && kind == o.kind; }
};
struct CellKeyHash {
  size_t operator()(const CellKey& k) const {
    uint64_t h = Mix64(static_cast<uint64_t>(k.bucket) * 0x9e3779b97f4a7c15ull + k.kind);
    for (uint32_t d : k.dims) h = Mix64(h ^ d);
    return h;
  }
};
CellKey KeyOf(const RollupCell& c) { return CellKey{c.bucket, c.dims, c.kind}; }

constexpr int kTtfc = static_cast<int>(event::FloatField::kTtfcMs);

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b < 0) ? q - 1 : q;
}

}  // namespace

struct Rollup::Index {
  std::unordered_map<CellKey, uint32_t, CellKeyHash> cells;
  std::unordered_map<std::string, uint32_t> strings;
  // Per dimension: dictionary -> (code -> string id + 1; 0 = not yet known).
  std::array<std::unordered_map<const Dictionary*, std::vector<uint32_t>>, 4> codes;
};

Rollup::Rollup(int64_t resolution_us) : resolution_us_(resolution_us) {}
Rollup::Rollup(Rollup&&) noexcept = default;
Rollup& Rollup::operator=(Rollup&&) noexcept = default;
Rollup::~Rollup() = default;

void Rollup::BuildIndex() {
  if (index_) return;
  index_ = std::make_unique<Index>();
  index_->cells.reserve(cells_.size());
  for (uint32_t i = 0; i < cells_.size(); ++i) index_->cells.emplace(KeyOf(cells_[i]), i);
  for (uint32_t i = 0; i < strings_.size(); ++i) index_->strings.emplace(strings_[i], i + 1);
}

void Rollup::ForgetDictionaries() {
  if (index_) {
    for (auto& m : index_->codes) m.clear();
  }
}

uint32_t Rollup::StringId(std::string_view s) {
  if (s.empty()) return 0;
  auto [it, inserted] = index_->strings.try_emplace(std::string(s), static_cast<uint32_t>(strings_.size() + 1));
  if (inserted) strings_.emplace_back(s);
  return it->second;
}

bool CellLess(const RollupCell& x, const RollupCell& y) {
  if (x.bucket != y.bucket) return x.bucket < y.bucket;
  if (x.dims != y.dims) return x.dims < y.dims;
  return x.kind < y.kind;
}

void Rollup::Freeze() {
  if (!sorted_) std::sort(cells_.begin(), cells_.end(), CellLess);
  sorted_ = true;
  index_.reset();
  cells_.shrink_to_fit();
  strings_.shrink_to_fit();
}

size_t Rollup::LowerBound(int64_t from_us) const {
  // First bucket b with b * resolution >= from_us.
  const int64_t b = FloorDiv(from_us, resolution_us_) + (from_us % resolution_us_ != 0 ? 1 : 0);
  return static_cast<size_t>(
      std::partition_point(cells_.begin(), cells_.end(), [&](const RollupCell& c) { return c.bucket < b; }) -
      cells_.begin());
}

RollupCell& Rollup::CellFor(const RollupCell& key) {
  auto [it, inserted] = index_->cells.try_emplace(KeyOf(key), static_cast<uint32_t>(cells_.size()));
  if (inserted) {
    if (!cells_.empty() && sorted_ && !CellLess(cells_.back(), key)) sorted_ = false;
    RollupCell c;
    c.bucket = key.bucket;
    c.dims = key.dims;
    c.kind = key.kind;
    cells_.push_back(std::move(c));
  }
  return cells_[it->second];
}

void Rollup::AddRows(const ColumnBlock& b, size_t begin, size_t end) {
  BuildIndex();
  std::array<std::vector<uint32_t>*, 4> maps{};
  for (size_t d = 0; d < kRollupDims.size(); ++d) {
    const Dictionary* dict = b.dicts[static_cast<int>(kRollupDims[d])];
    auto& m = index_->codes[d][dict];
    if (m.size() < dict->Size()) m.resize(dict->Size(), 0);
    maps[d] = &m;
  }
  RollupCell key;
  RollupCell* last = nullptr;  // consecutive rows often share a cell
  for (size_t r = begin; r < end; ++r) {
    const int64_t start = b.start_us[r];
    key.bucket = FloorDiv(start, resolution_us_);
    key.kind = b.kind[r];
    for (size_t d = 0; d < kRollupDims.size(); ++d) {
      const int f = static_cast<int>(kRollupDims[d]);
      const uint32_t code = b.str[f][r];
      uint32_t& id = (*maps[d])[code];
      if (id == 0) id = StringId(b.dicts[f]->Lookup(code)) + 1;
      key.dims[d] = id - 1;
    }
    RollupCell& c = last != nullptr && last->bucket == key.bucket && last->dims == key.dims && last->kind == key.kind
                        ? *last
                        : CellFor(key);
    ++c.count;
    c.errors += b.status[r] == static_cast<uint8_t>(event::SpanStatus::kError) ? 1 : 0;
    c.min_start_us = std::min(c.min_start_us, start);
    c.dur_ms.Add(static_cast<double>(b.dur_us[r]) / 1000.0);
    for (int f = 0; f < event::kNumIntFields; ++f) {
      const int64_t v = b.ints[f][r];
      if (v == event::kAbsentInt) continue;
      c.int_sum[f] += v;
      ++c.int_n[f];
    }
    for (int f = 0; f < event::kNumFloatFields; ++f) {
      const double v = b.floats[f][r];
      if (std::isnan(v)) continue;
      c.float_sum[f] += v;
      ++c.float_n[f];
      if (f == kTtfc) c.ttfc_ms.Add(std::max(0.0, v));
    }
    last = &c;
  }
  events_ += end - begin;
}

Status Rollup::Merge(const Rollup& other) {
  if (other.resolution_us_ <= 0 || resolution_us_ % other.resolution_us_ != 0) {
    return Status::InvalidArgument("rollup merge: the other resolution must divide this one");
  }
  const int64_t factor = resolution_us_ / other.resolution_us_;
  BuildIndex();
  std::vector<uint32_t> ids(other.strings_.size() + 1, 0);
  for (uint32_t i = 1; i <= other.strings_.size(); ++i) ids[i] = StringId(other.strings_[i - 1]);
  for (const RollupCell& o : other.cells_) {
    RollupCell key;
    key.bucket = FloorDiv(o.bucket, factor);
    key.kind = o.kind;
    for (size_t d = 0; d < 4; ++d) key.dims[d] = ids[o.dims[d]];
    RollupCell& c = CellFor(key);
    c.count += o.count;
    c.errors += o.errors;
    c.min_start_us = std::min(c.min_start_us, o.min_start_us);
    c.dur_ms.Merge(o.dur_ms);
    c.ttfc_ms.Merge(o.ttfc_ms);
    for (int f = 0; f < event::kNumIntFields; ++f) {
      c.int_sum[f] += o.int_sum[f];
      c.int_n[f] += o.int_n[f];
    }
    for (int f = 0; f < event::kNumFloatFields; ++f) {
      c.float_sum[f] += o.float_sum[f];
      c.float_n[f] += o.float_n[f];
    }
  }
  events_ += other.events_;
  return Status::OK();
}

size_t Rollup::MemoryBytes() const {
  size_t n = sizeof *this + cells_.capacity() * sizeof(RollupCell);
  for (const auto& c : cells_) {
    n += c.dur_ms.MemoryBytes() - sizeof(c.dur_ms) + c.ttfc_ms.MemoryBytes() - sizeof(c.ttfc_ms);
  }
  for (const auto& s : strings_) n += sizeof s + s.capacity();
  if (index_) n += index_->cells.size() * 48 + index_->strings.size() * 64;
  return n;
}

// Cells in (bucket, dims, kind) order; docs/format/summary.md.
void Rollup::EncodeTo(std::string* dst) const {
  PutVarint64(dst, static_cast<uint64_t>(resolution_us_));
  PutVarint64(dst, events_);
  PutVarint64(dst, strings_.size());
  for (const auto& s : strings_) PutLengthPrefixed(dst, s);
  std::vector<uint32_t> order(cells_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  if (!sorted_) std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return CellLess(cells_[a], cells_[b]); });
  PutVarint64(dst, cells_.size());
  int64_t prev = 0;
  for (uint32_t i : order) {
    const RollupCell& c = cells_[i];
    PutVarsint64(dst, c.bucket - prev);
    prev = c.bucket;
    for (uint32_t d : c.dims) PutVarint64(dst, d);
    dst->push_back(static_cast<char>(c.kind));
    PutVarint64(dst, c.count);
    PutVarint64(dst, c.errors);
    PutVarsint64(dst, c.min_start_us - c.bucket * resolution_us_);
    c.dur_ms.EncodeScaledTo(dst, 1000.0);  // ms from integral us
    uint32_t mask = 0;
    for (int f = 0; f < event::kNumIntFields; ++f) mask |= (c.int_n[f] ? 1u : 0u) << f;
    for (int f = 0; f < event::kNumFloatFields; ++f) mask |= (c.float_n[f] ? 1u : 0u) << (16 + f);
    PutVarint64(dst, mask);
    for (int f = 0; f < event::kNumIntFields; ++f) {
      if (!c.int_n[f]) continue;
      PutVarint64(dst, c.int_n[f]);
      PutVarsint64(dst, c.int_sum[f]);
    }
    for (int f = 0; f < event::kNumFloatFields; ++f) {
      if (!c.float_n[f]) continue;
      PutVarint64(dst, c.float_n[f]);
      PutDouble(dst, c.float_sum[f]);
    }
    if (c.float_n[kTtfc]) c.ttfc_ms.EncodeTo(dst);
  }
}

Result<Rollup> Rollup::Decode(std::string_view* in) {
  std::string_view p = *in;
  auto bad = [](const std::string& what) { return Status::Corruption("rollup: " + what); };
  uint64_t res = 0, events = 0, nstr = 0, ncells = 0;
  if (!GetVarint64(&p, &res) || res == 0 || res > (uint64_t{1} << 50) || !GetVarint64(&p, &events) ||
      !GetVarint64(&p, &nstr) || nstr > p.size()) {
    return bad("bad header");
  }
  Rollup r(static_cast<int64_t>(res));
  r.events_ = events;
  r.strings_.reserve(nstr);
  for (uint64_t i = 0; i < nstr; ++i) {
    std::string_view s;
    if (!GetLengthPrefixed(&p, &s) || s.empty()) return bad("bad string");
    r.strings_.emplace_back(s);
  }
  if (!GetVarint64(&p, &ncells) || ncells > p.size()) return bad("bad cell count");
  r.cells_.reserve(ncells);
  int64_t prev = 0;
  uint64_t total = 0;
  for (uint64_t i = 0; i < ncells; ++i) {
    RollupCell c;
    int64_t delta = 0, min_off = 0;
    uint64_t mask = 0;
    uint8_t kind = 0;
    if (!GetVarsint64(&p, &delta)) return bad("truncated cell");
    c.bucket = prev + delta;
    prev = c.bucket;
    for (auto& d : c.dims) {
      uint64_t v = 0;
      if (!GetVarint64(&p, &v) || v > nstr) return bad("dimension out of range");
      d = static_cast<uint32_t>(v);
    }
    if (!GetByte(&p, &kind) || kind >= event::kNumKinds || !GetVarint64(&p, &c.count) || c.count == 0 ||
        !GetVarint64(&p, &c.errors) || c.errors > c.count || !GetVarsint64(&p, &min_off) || min_off < 0 ||
        min_off >= r.resolution_us_) {
      return bad("bad cell");
    }
    c.kind = kind;
    c.min_start_us = c.bucket * r.resolution_us_ + min_off;
    auto sk = sketch::SparseSketch::DecodeScaled(&p, 1000.0);
    if (!sk.ok()) return sk.status();
    c.dur_ms = std::move(*sk);
    if (c.dur_ms.count() != c.count) return bad("sketch count differs from cell count");
    if (!GetVarint64(&p, &mask) || (mask & ~((1ull << event::kNumIntFields) - 1) &
                                            ~(((1ull << event::kNumFloatFields) - 1) << 16)) != 0) {
      return bad("bad field mask");
    }
    for (int f = 0; f < event::kNumIntFields; ++f) {
      if (!((mask >> f) & 1)) continue;
      uint64_t n = 0;
      if (!GetVarint64(&p, &n) || n == 0 || n > c.count || !GetVarsint64(&p, &c.int_sum[f])) return bad("bad sum");
      c.int_n[f] = static_cast<uint32_t>(n);
    }
    for (int f = 0; f < event::kNumFloatFields; ++f) {
      if (!((mask >> (16 + f)) & 1)) continue;
      uint64_t n = 0;
      if (!GetVarint64(&p, &n) || n == 0 || n > c.count || !GetDouble(&p, &c.float_sum[f])) return bad("bad sum");
      c.float_n[f] = static_cast<uint32_t>(n);
    }
    if (c.float_n[kTtfc]) {
      auto tk = sketch::SparseSketch::Decode(&p);
      if (!tk.ok()) return tk.status();
      c.ttfc_ms = std::move(*tk);
      if (c.ttfc_ms.count() != c.float_n[kTtfc]) return bad("ttfc sketch count differs from its field count");
    }
    total += c.count;
    if (!r.cells_.empty() && !CellLess(r.cells_.back(), c)) r.sorted_ = false;  // writers sort; trust nothing
    r.cells_.push_back(std::move(c));
  }
  if (total != events) return bad("cell counts do not add up to the event count");
  *in = p;
  return r;
}

bool Rollup::Equivalent(const Rollup& other) const {
  if (resolution_us_ != other.resolution_us_ || events_ != other.events_ || cells_.size() != other.cells_.size()) {
    return false;
  }
  auto key = [](const Rollup& r, const RollupCell& c) {
    std::string k = std::to_string(c.bucket) + "/" + std::to_string(c.kind);
    for (uint32_t d : c.dims) k.append("/").append(r.String(d));
    return k;
  };
  std::unordered_map<std::string, const RollupCell*> mine;
  for (const auto& c : cells_) mine.emplace(key(*this, c), &c);
  for (const auto& o : other.cells_) {
    auto it = mine.find(key(other, o));
    if (it == mine.end()) return false;
    const RollupCell& c = *it->second;
    if (c.count != o.count || c.errors != o.errors || c.min_start_us != o.min_start_us || c.int_sum != o.int_sum ||
        c.int_n != o.int_n || c.float_n != o.float_n || !(c.dur_ms.count() == o.dur_ms.count()) ||
        c.dur_ms.buckets() != o.dur_ms.buckets() || c.dur_ms.min() != o.dur_ms.min() || c.dur_ms.max() != o.dur_ms.max() ||
        c.ttfc_ms.count() != o.ttfc_ms.count() || c.ttfc_ms.buckets() != o.ttfc_ms.buckets()) {
      return false;
    }
    for (int f = 0; f < event::kNumFloatFields; ++f) {
      if (std::fabs(c.float_sum[f] - o.float_sum[f]) > 1e-9 * std::max(1.0, std::fabs(c.float_sum[f]))) return false;
    }
  }
  return true;
}

bool RollupAnswers(const QuerySpec& spec, int64_t resolution_us) {
  if (spec.step_us != 0 && spec.step_us % resolution_us != 0) return false;
  auto label_ok = [](const Label& l) {
    if (l.type == Label::kKind) return true;
    if (l.type != Label::kStr) return false;
    return std::find(kRollupDims.begin(), kRollupDims.end(), l.str) != kRollupDims.end();
  };
  for (const auto& m : spec.matchers) {
    if (!label_ok(m.label)) return false;
  }
  for (const auto& g : spec.group_by) {
    if (!label_ok(g)) return false;
  }
  for (const auto& a : spec.aggregates) {
    if (!a.has_field || a.field.type == Field::kDurationMs) continue;
    if (a.op == Aggregate::kCount || a.op == Aggregate::kSum || a.op == Aggregate::kAvg) continue;
    // Time to first chunk has its own sketch in the cells.
    const bool ttfc = a.field.type == Field::kFloat && a.field.index == kTtfc;
    if (!ttfc || (a.op != Aggregate::kQuantile && a.op != Aggregate::kMad && a.op != Aggregate::kMin &&
                  a.op != Aggregate::kMax)) {
      return false;
    }
  }
  return true;
}

}  // namespace agentperf::query
