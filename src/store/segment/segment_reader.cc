#include "store/segment/segment_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <list>
#include <unordered_map>

#include "core/coding.h"
#include "event/event_id.h"
#include "event/fields.h"
#include "store/codec/column_codec.h"

namespace agentperf::store::segment {
using namespace coding;  // NOLINT(google-build-using-namespace)
namespace {

Status ReadExact(const fs::RandomAccessFile& f, uint64_t offset, size_t n, std::string* out) {
  out->resize(n);
  std::string_view got;
  AP_RETURN_IF_ERROR(f.Read(offset, n, &got, out->data()));
  if (got.size() != n) return Status::Corruption(fmt::format("short read at {} ({} of {} bytes)", offset, got.size(), n));
  if (got.data() != out->data()) std::memmove(out->data(), got.data(), n);
  return Status::OK();
}

template <typename T>
Status Narrow(const std::vector<int64_t>& wide, size_t n, uint64_t limit, T* out, std::string_view what) {
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<uint64_t>(wide[i]) >= limit) {
      return Status::Corruption(fmt::format("{} value {} out of range", what, wide[i]));
    }
    out[i] = static_cast<T>(wide[i]);
  }
  return Status::OK();
}

}  // namespace

// The process-wide LRU of sorted id sets. Lock order: mu_, then a reader's mu_.
class SegmentReader::IdCache {
 public:
  static IdCache& Get() {
    static IdCache* cache = new IdCache();  // never destroyed: readers may outlive static destruction
    return *cache;
  }

  // `r` has just set its sorted_ids_ (of `bytes`): account for it, most
  // recently used, and drop the least recently used sets over the budget.
  void Insert(const SegmentReader* r, size_t bytes) {
    std::lock_guard<std::mutex> l(mu_);
    ++loads_;
    auto it = where_.find(r);
    if (it != where_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return;
    }
    lru_.emplace_front(r, bytes);
    where_[r] = lru_.begin();
    bytes_ += bytes;
    EvictLocked();
  }
  void Touch(const SegmentReader* r) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = where_.find(r);
    if (it != where_.end() && it->second != lru_.begin()) lru_.splice(lru_.begin(), lru_, it->second);
  }
  // From ~SegmentReader.
  void Remove(const SegmentReader* r) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = where_.find(r);
    if (it == where_.end()) return;
    bytes_ -= it->second->second;
    lru_.erase(it->second);
    where_.erase(it);
  }
  void SetBudget(size_t bytes) {
    std::lock_guard<std::mutex> l(mu_);
    budget_ = bytes;
    EvictLocked();
  }
  IdCacheStats Stats() {
    std::lock_guard<std::mutex> l(mu_);
    return IdCacheStats{bytes_, lru_.size(), loads_, evictions_};
  }

 private:
  void EvictLocked() {
    while (bytes_ > budget_ && lru_.size() > 1) {
      auto [victim, bytes] = lru_.back();
      {
        std::lock_guard<std::mutex> vl(victim->mu_);
        victim->sorted_ids_.reset();
      }
      where_.erase(victim);
      lru_.pop_back();
      bytes_ -= bytes;
      ++evictions_;
    }
  }

  std::mutex mu_;
  std::list<std::pair<const SegmentReader*, size_t>> lru_;  // most recently used first
  std::unordered_map<const SegmentReader*, std::list<std::pair<const SegmentReader*, size_t>>::iterator> where_;
  size_t bytes_ = 0;
  size_t budget_ = kDefaultIdCacheBytes;
  uint64_t loads_ = 0;
  uint64_t evictions_ = 0;
};

SegmentReader::~SegmentReader() { IdCache::Get().Remove(this); }

void SegmentReader::SetIdCacheBudget(size_t bytes) { IdCache::Get().SetBudget(bytes); }

SegmentReader::IdCacheStats SegmentReader::GetIdCacheStats() { return IdCache::Get().Stats(); }

Result<std::shared_ptr<SegmentReader>> SegmentReader::Open(fs::FileSystem* fs, const std::string& path, uint64_t no) {
  std::shared_ptr<SegmentReader> r(new SegmentReader());
  r->fs_ = fs;
  r->path_ = path;
  r->no_ = no;
  AP_ASSIGN_OR_RETURN(r->file_, fs->NewRandomAccessFile(path));
  const uint64_t size = r->file_->Size();
  r->file_bytes_ = size;
  if (size < kHeaderSize + kTrailerSize) return Status::Corruption(fmt::format("{}: too short ({} bytes)", path, size));
  std::string buf;
  AP_RETURN_IF_ERROR(ReadExact(*r->file_, 0, kHeaderSize, &buf));
  AP_RETURN_IF_ERROR(CheckHeader(buf).WithContext(path));
  AP_RETURN_IF_ERROR(ReadExact(*r->file_, size - kTrailerSize, kTrailerSize, &buf));
  uint32_t footer_len, footer_crc;
  AP_RETURN_IF_ERROR(DecodeTrailer(buf, &footer_len, &footer_crc).WithContext(path));
  if (footer_len > size - kHeaderSize - kTrailerSize) return Status::Corruption(fmt::format("{}: bad footer length", path));
  const uint64_t footer_off = size - kTrailerSize - footer_len;
  AP_RETURN_IF_ERROR(ReadExact(*r->file_, footer_off, footer_len, &buf));
  if (MaskedCrc(buf) != footer_crc) return Status::Corruption(fmt::format("{}: footer checksum mismatch", path));
  AP_RETURN_IF_ERROR(DecodeFooter(buf, &r->footer_).WithContext(path));
  Footer& f = r->footer_;

  // Every section must lie between the header and the footer.
  auto inside = [&](uint64_t off, uint64_t len) { return off >= kHeaderSize && len <= footer_off && off <= footer_off - len; };
  for (const BlockInfo& b : f.blocks) {
    if (!inside(b.offset, b.bytes())) return Status::Corruption(fmt::format("{}: block outside the file", path));
  }
  uint64_t off = f.dict_offset;
  for (int i = 0; i <= event::kNumStrFields; ++i) {
    const DictInfo& d = i < event::kNumStrFields ? f.dicts[i] : f.attr_dict;
    if (!inside(off, d.length) || d.count >= UINT32_MAX) return Status::Corruption(fmt::format("{}: dictionary outside the file", path));
    r->dict_offsets_[i] = off;
    off += d.length;
  }
  if (!inside(f.ids.offset, f.ids.length) || !inside(f.id_filter.offset, f.id_filter.length)) {
    return Status::Corruption(fmt::format("{}: section outside the file", path));
  }
  AP_RETURN_IF_ERROR(ReadExact(*r->file_, f.id_filter.offset, f.id_filter.length, &buf));
  if (MaskedCrc(buf) != f.id_filter.crc) return Status::Corruption(fmt::format("{}: id filter checksum mismatch", path));
  AP_ASSIGN_OR_RETURN(r->filter_, IdFilter::Decode(buf));
  // Label dictionaries are small and used by most queries: load them now.
  for (const auto& d : event::kStrFields) {
    if (d.is_label) AP_RETURN_IF_ERROR(r->Dict(d.field).status());
  }
  return r;
}

Status SegmentReader::LoadDict(const DictInfo& info, uint64_t offset, SegmentDict* d) const {
  std::string buf;
  AP_RETURN_IF_ERROR(ReadExact(*file_, offset, info.length, &buf));
  if (MaskedCrc(buf) != info.crc) return Status::Corruption(fmt::format("{}: dictionary checksum mismatch", path_));
  std::vector<uint32_t> offsets;
  AP_RETURN_IF_ERROR(codec::DecodeStrings(buf, info.count, &d->bytes_, &offsets).WithContext(path_));
  d->offsets_ = std::move(offsets);
  return Status::OK();
}

Result<const SegmentDict*> SegmentReader::Dict(event::StrField f) const {
  const int i = static_cast<int>(f);
  if (const SegmentDict* d = dict_ptrs_[i].load(std::memory_order_acquire)) return d;
  std::lock_guard<std::mutex> l(mu_);
  if (!dicts_[i]) {
    auto d = std::make_unique<SegmentDict>();
    AP_RETURN_IF_ERROR(LoadDict(footer_.dicts[i], dict_offsets_[i], d.get()));
    dicts_[i] = std::move(d);
    dict_ptrs_[i].store(dicts_[i].get(), std::memory_order_release);
  }
  return dicts_[i].get();
}

Result<const SegmentDict*> SegmentReader::AttrDict() const {
  constexpr int i = event::kNumStrFields;
  if (const SegmentDict* d = dict_ptrs_[i].load(std::memory_order_acquire)) return d;
  std::lock_guard<std::mutex> l(mu_);
  if (!dicts_[i]) {
    auto d = std::make_unique<SegmentDict>();
    AP_RETURN_IF_ERROR(LoadDict(footer_.attr_dict, dict_offsets_[i], d.get()));
    dicts_[i] = std::move(d);
    dict_ptrs_[i].store(dicts_[i].get(), std::memory_order_release);
  }
  return dicts_[i].get();
}

Status SegmentReader::ReadBlock(size_t bi, const ColumnSet& cols, BlockBuffer* buf, query::ColumnBlock* out) const {
  return ReadBlockWith(bi, cols, nullptr, buf, out);
}

Status SegmentReader::ReadBlockWith(size_t bi, const ColumnSet& cols, const SegmentDict* const* dicts,
                                    BlockBuffer* buf, query::ColumnBlock* out) const {
  const BlockInfo& b = footer_.blocks[bi];
  const size_t n = b.rows;
  AP_RETURN_IF_ERROR(ReadExact(*file_, b.offset, b.bytes(), &buf->raw));
  if (MaskedCrc(buf->raw) != b.crc) {
    return Status::Corruption(fmt::format("{}: block {} checksum mismatch", path_, bi));
  }
  buf->Resize(n);
  buf->wide.resize(n);
  *out = buf->View(n);
  out->first_row = bi * kBlockRows;
  out->min_start_us = b.min_start_us;
  out->max_start_us = b.max_start_us;
  std::string_view raw = buf->raw;
  size_t pos = 0;
  for (int c = 0; c < kNumColumns; ++c) {
    std::string_view chunk = raw.substr(pos, b.chunk_len[c]);
    pos += b.chunk_len[c];
    const bool need = cols.test(c) || c == kColStart;
    auto ctx = [&] { return fmt::format("{} block {} column {}", path_, bi, c); };
    if (c >= kColStr0 && c < kColInt0) {
      const int f = c - kColStr0;
      if (!need) {
        out->str[f] = AbsentCodes();
        out->dicts[f] = EmptyDictionary();
        continue;
      }
      const SegmentDict* d = dicts != nullptr ? dicts[f] : nullptr;
      if (d == nullptr) {
        AP_ASSIGN_OR_RETURN(d, Dict(static_cast<event::StrField>(f)));
      }
      out->dicts[f] = d;
      AP_RETURN_IF_ERROR(codec::DecodeInts(chunk, n, buf->wide.data()).WithContext(ctx()));
      AP_RETURN_IF_ERROR(Narrow(buf->wide, n, d->Size(), buf->str[f].data(), "dictionary code").WithContext(ctx()));
      continue;
    }
    if (!need) {
      if (c == kColDur || (c >= kColInt0 && c < kColFloat0)) {
        (c == kColDur ? out->dur_us : out->ints[c - kColInt0]) = AbsentInts();
      } else if (IsFloatColumn(c)) {
        out->floats[c - kColFloat0] = AbsentDoubles();
      } else if (c == kColKind) {
        out->kind = ZeroBytes();
      } else if (c == kColStatus) {
        out->status = ZeroBytes();
      }
      continue;
    }
    Status st;
    if (c == kColStart) st = codec::DecodeInts(chunk, n, buf->start_us.data());
    else if (c == kColDur) st = codec::DecodeInts(chunk, n, buf->dur_us.data());
    else if (c >= kColInt0 && c < kColFloat0) st = codec::DecodeInts(chunk, n, buf->ints[c - kColInt0].data());
    else if (IsFloatColumn(c)) st = codec::DecodeDoubles(chunk, n, buf->floats[c - kColFloat0].data());
    else {
      st = codec::DecodeInts(chunk, n, buf->wide.data());
      if (st.ok() && c == kColKind) st = Narrow(buf->wide, n, event::kNumKinds, buf->kind.data(), "kind");
      if (st.ok() && c == kColStatus) st = Narrow(buf->wide, n, event::kNumStatuses, buf->status.data(), "status");
      if (st.ok() && c == kColAttr) {
        st = Narrow(buf->wide, n, footer_.attr_dict.count + 1, buf->attr.data(), "attribute code");
      }
    }
    AP_RETURN_IF_ERROR(st.WithContext(ctx()));
  }
  return Status::OK();
}

Status SegmentReader::ReadIds(std::vector<Hash128>* ids) const {
  ids->clear();
  ids->reserve(footer_.rows);
  constexpr int kSession = static_cast<int>(event::StrField::kSessionId);
  constexpr int kSpan = static_cast<int>(event::StrField::kSpanId);
  ColumnSet cols;
  cols.set(kColKind).set(kColStr0 + kSession).set(kColStr0 + kSpan);
  // The session and span id dictionaries are large and needed only here
  // (unless a query already loaded them): load them for this call only.
  std::array<const SegmentDict*, event::kNumStrFields> dicts{};
  SegmentDict own[2];
  for (int k = 0; k < 2; ++k) {
    const int f = k == 0 ? kSession : kSpan;
    dicts[f] = dict_ptrs_[f].load(std::memory_order_acquire);
    if (dicts[f] == nullptr) {
      AP_RETURN_IF_ERROR(LoadDict(footer_.dicts[f], dict_offsets_[f], &own[k]));
      dicts[f] = &own[k];
    }
  }
  BlockBuffer buf;
  query::ColumnBlock b;
  for (size_t i = 0; i < footer_.blocks.size(); ++i) {
    AP_RETURN_IF_ERROR(ReadBlockWith(i, cols, dicts.data(), &buf, &b));
    for (size_t r = 0; r < b.rows; ++r) {
      std::string_view span = b.dicts[kSpan]->Lookup(b.str[kSpan][r]);
      ids->push_back(span.empty() ? Hash128{}
                                  : event::SpanEventId(static_cast<event::SpanKind>(b.kind[r]),
                                                       b.dicts[kSession]->Lookup(b.str[kSession][r]), span));
    }
  }
  std::string sec;
  AP_RETURN_IF_ERROR(ReadExact(*file_, footer_.ids.offset, footer_.ids.length, &sec));
  if (MaskedCrc(sec) != footer_.ids.crc) return Status::Corruption(fmt::format("{}: id section checksum mismatch", path_));
  std::string_view in = sec;
  uint64_t count;
  if (!GetVarint64(&in, &count) || count > footer_.rows) return Status::Corruption(fmt::format("{}: id section", path_));
  std::vector<int64_t> rows(count), lo(count), hi(count);
  for (std::vector<int64_t>* v : {&rows, &lo, &hi}) {
    std::string_view chunk;
    if (!GetLengthPrefixed(&in, &chunk)) return Status::Corruption(fmt::format("{}: id section truncated", path_));
    AP_RETURN_IF_ERROR(codec::DecodeInts(chunk, count, v->data()).WithContext(path_));
  }
  for (uint64_t k = 0; k < count; ++k) {
    if (static_cast<uint64_t>(rows[k]) >= footer_.rows) return Status::Corruption(fmt::format("{}: id row out of range", path_));
    (*ids)[rows[k]] = Hash128{static_cast<uint64_t>(lo[k]), static_cast<uint64_t>(hi[k])};
  }
  return Status::OK();
}

Result<bool> SegmentReader::Contains(const Hash128& id) const {
  if (!filter_.MayContain(id)) return false;
  std::shared_ptr<const std::vector<Hash128>> ids;
  {
    std::lock_guard<std::mutex> l(mu_);
    ids = sorted_ids_;
  }
  if (!ids) {
    auto v = std::make_shared<std::vector<Hash128>>();
    AP_RETURN_IF_ERROR(ReadIds(v.get()));
    std::sort(v->begin(), v->end());
    v->shrink_to_fit();
    const size_t bytes = v->capacity() * sizeof(Hash128);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!sorted_ids_) sorted_ids_ = std::move(v);
      ids = sorted_ids_;
    }
    IdCache::Get().Insert(this, bytes);  // may drop other readers' sets (never this one)
  } else {
    IdCache::Get().Touch(this);
  }
  return std::binary_search(ids->begin(), ids->end(), id);
}

Status SegmentReader::Verify() const {
  BlockBuffer buf;
  query::ColumnBlock b;
  int64_t prev = INT64_MIN;
  for (size_t i = 0; i < footer_.blocks.size(); ++i) {
    const BlockInfo& info = footer_.blocks[i];
    AP_RETURN_IF_ERROR(ReadBlock(i, AllColumns(), &buf, &b));
    int64_t max_dur = INT64_MIN;
    for (size_t r = 0; r < b.rows; ++r) {
      if (b.start_us[r] < prev) return Status::Corruption(fmt::format("{}: block {} rows out of time order", path_, i));
      prev = b.start_us[r];
      max_dur = std::max(max_dur, b.dur_us[r]);
    }
    if (b.start_us[0] != info.min_start_us || b.start_us[b.rows - 1] != info.max_start_us || max_dur != info.max_dur_us) {
      return Status::Corruption(fmt::format("{}: block {} statistics do not match its rows", path_, i));
    }
  }
  AP_RETURN_IF_ERROR(AttrDict().status());
  std::vector<Hash128> ids;
  AP_RETURN_IF_ERROR(ReadIds(&ids));
  for (const Hash128& id : ids) {
    if (id.IsZero()) return Status::Corruption(fmt::format("{}: an event has no id", path_));
    if (!filter_.MayContain(id)) return Status::Corruption(fmt::format("{}: id filter misses an event", path_));
  }
  return Status::OK();
}

size_t SegmentReader::MemoryBytes() const {
  size_t n = sizeof(*this) + footer_.blocks.size() * sizeof(BlockInfo) + filter_.MemoryBytes();
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& d : dicts_) {
    if (d) n += d->MemoryBytes();
  }
  if (sorted_ids_) n += sorted_ids_->size() * sizeof(Hash128);
  return n;
}

}  // namespace agentperf::store::segment
