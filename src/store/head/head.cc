#include "store/head/head.h"

#include <cmath>
#include <limits>

#include "core/ingest_backpressure.h"
#include "event/codec.h"

namespace agentperf::store {

using event::Event;
using event::kNumFloatFields;
using event::kNumIntFields;
using event::kNumStrFields;

// Open-addressing set of event ids. A slot holds (hash32 << 32) | (row + 1);
// 0 = empty. The hash places the slot and filters probes, so only a real
// match reads the head's id columns.
class Head::IdIndex {
 public:
  explicit IdIndex(const Head* head) : head_(head), slots_(1 << 16, 0) {}

  // Mixes both halves: ids are hashes, except raw "ap1:" ids a sender may structure.
  static uint32_t Hash32(const Hash128& id) { return static_cast<uint32_t>(Mix64(id.lo ^ Mix64(id.hi))); }
  void Prefetch(uint32_t h) const { __builtin_prefetch(&slots_[h & (slots_.size() - 1)]); }

  // Returns true if present; otherwise inserts `row` and returns false.
  // REQUIRES h == Hash32(id).
  bool FindOrInsert(const Hash128& id, uint32_t h, uint32_t row) {
    if ((static_cast<size_t>(count_) + 1) * 4 > slots_.size() * 3) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint64_t s = slots_[i];
      if (s == 0) {
        slots_[i] = (static_cast<uint64_t>(h) << 32) | (row + 1);
        ++count_;
        return false;
      }
      if (static_cast<uint32_t>(s >> 32) == h && IdOf(static_cast<uint32_t>(s) - 1) == id) return true;
    }
  }
  bool Contains(const Hash128& id, uint32_t h) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint64_t s = slots_[i];
      if (s == 0) return false;
      if (static_cast<uint32_t>(s >> 32) == h && IdOf(static_cast<uint32_t>(s) - 1) == id) return true;
    }
  }
  size_t bytes() const { return slots_.size() * sizeof(uint64_t); }

 private:
  Hash128 IdOf(uint32_t row) const { return Hash128{head_->id_lo_.Get(row), head_->id_hi_.Get(row)}; }
  void Grow() {
    std::vector<uint64_t> bigger(slots_.size() * 2, 0);
    const size_t mask = bigger.size() - 1;
    for (uint64_t s : slots_) {
      if (s == 0) continue;
      size_t i = static_cast<uint32_t>(s >> 32) & mask;
      while (bigger[i] != 0) i = (i + 1) & mask;
      bigger[i] = s;
    }
    slots_.swap(bigger);
  }
  const Head* head_;
  std::vector<uint64_t> slots_;
  uint32_t count_ = 0;
};

namespace {

// Chunks full of default values, handed to readers in place of unallocated chunks.
template <typename T>
const T* DefaultChunk(T value) {
  static_assert(std::is_trivially_copyable_v<T>);
  auto* chunk = new T[kChunkRows];  // intentionally leaked: process lifetime
  for (size_t i = 0; i < kChunkRows; ++i) chunk[i] = value;
  return chunk;
}
const int64_t* ZeroI64() { static const int64_t* c = DefaultChunk<int64_t>(0); return c; }
const int64_t* AbsentI64() { static const int64_t* c = DefaultChunk<int64_t>(event::kAbsentInt); return c; }
const uint8_t* ZeroU8() { static const uint8_t* c = DefaultChunk<uint8_t>(0); return c; }
const uint32_t* ZeroU32() { static const uint32_t* c = DefaultChunk<uint32_t>(0); return c; }
const double* NanF64() {
  static const double* c = DefaultChunk<double>(std::numeric_limits<double>::quiet_NaN());
  return c;
}

template <typename T>
const T* ChunkOr(const ChunkedColumn<T>& col, size_t c, const T* fallback) {
  const T* p = col.Chunk(c);
  return p ? p : fallback;
}

}  // namespace

Head::Head()
    : kind_(0),
      status_(0),
      ids_(std::make_unique<IdIndex>(this)) {
  for (int i = 0; i < kNumStrFields; ++i) {
    str_[i] = std::make_unique<ChunkedColumn<uint32_t>>(0);
    dicts_[i] = std::make_unique<StringDict>();
  }
  for (int i = 0; i < kNumIntFields; ++i) ints_[i] = std::make_unique<ChunkedColumn<int64_t>>(event::kAbsentInt);
  for (int i = 0; i < kNumFloatFields; ++i) {
    floats_[i] = std::make_unique<ChunkedColumn<double>>(std::numeric_limits<double>::quiet_NaN());
  }
  accounted_bytes_ = MemoryBytesLocked();  // no other thread knows this head yet
  backpressure::Register(accounted_bytes_);
}

Head::~Head() {
  for (auto& p : block_stats_) delete[] p.load(std::memory_order_relaxed);
  backpressure::Unregister(accounted_bytes_);
}

Head::BlockStats& Head::WriterStats(size_t c) {
  std::atomic<BlockStats*>& slot = block_stats_[c >> kPageBits];
  BlockStats* page = slot.load(std::memory_order_relaxed);
  if (page == nullptr) {
    page = new BlockStats[kPageChunks];
    slot.store(page, std::memory_order_release);
    ++block_stats_pages_;
  }
  return page[c & (kPageChunks - 1)];
}

const Head::BlockStats* Head::Stats(size_t c) const {
  const BlockStats* page = block_stats_[c >> kPageBits].load(std::memory_order_acquire);
  return page != nullptr ? &page[c & (kPageChunks - 1)] : nullptr;
}

ApplyResult Head::Apply(const event::EventBatch& batch, const std::vector<bool>* keep) {
  ApplyResult r;
  uint64_t row = rows_.load(std::memory_order_relaxed);
  const size_t n = batch.events.size();
  // Pass 1: hashes of ids and of string values that differ from the previous
  // event's (consecutive events usually share agent, model, session...).
  // Pass 2 prefetches the hash-table slots a few events ahead: the tables are
  // far larger than the caches, and the misses would otherwise dominate.
  id_hashes_.resize(n);
  str_hashes_.resize(n * kNumStrFields);
  for (size_t k = 0; k < n; ++k) {
    const Event& e = batch.events[k];
    id_hashes_[k] = IdIndex::Hash32(e.id);
    for (int i = 0; i < kNumStrFields; ++i) {
      std::string_view s = e.str[i];
      bool same = !s.empty() && k > 0 && s == batch.events[k - 1].str[i];
      str_hashes_[k * kNumStrFields + i] = s.empty() || same ? 0 : StringDict::Hash32(s) | 1;  // 0 = no lookup
    }
  }
  constexpr size_t kAhead = 8;
  std::array<uint32_t, kNumStrFields> last_code{};
  int64_t min_start = INT64_MAX, max_start = INT64_MIN;

  std::lock_guard<std::mutex> l(mu_);
  for (size_t k = 0; k < n; ++k) {
    if (k + kAhead < n) {
      ids_->Prefetch(id_hashes_[k + kAhead]);
      const uint32_t* h = &str_hashes_[(k + kAhead) * kNumStrFields];
      for (int i = 0; i < kNumStrFields; ++i) {
        if (h[i] != 0) dicts_[i]->Prefetch(h[i]);
      }
    }
    const Event& e = batch.events[k];
    const uint32_t* sh = &str_hashes_[k * kNumStrFields];
    // Codes must follow the events even when this one is skipped.
    auto resolve = [&](int i) {
      if (sh[i] != 0) last_code[i] = dicts_[i]->Intern(e.str[i], sh[i]);
      return e.str[i].empty() ? 0u : last_code[i];
    };
    bool skip = (keep != nullptr && !(*keep)[k]) || row >= kMaxChunks * kChunkRows - 1;
    if (!skip && ids_->FindOrInsert(e.id, id_hashes_[k], static_cast<uint32_t>(row))) {
      ++r.duplicates;
      skip = true;
    }
    if (skip) {
      for (int i = 0; i < kNumStrFields; ++i) (void)resolve(i);
      continue;
    }
    // Id columns first: the index compares against them.
    id_lo_.Set(row, e.id.lo);
    id_hi_.Set(row, e.id.hi);
    start_us_.Set(row, e.start_us);
    dur_us_.Set(row, e.end_us - e.start_us);
    kind_.Set(row, static_cast<uint8_t>(e.kind));
    status_.Set(row, static_cast<uint8_t>(e.status));
    for (int i = 0; i < kNumStrFields; ++i) {
      uint32_t code = resolve(i);
      if (code != 0) str_[i]->Set(row, code);
    }
    for (int i = 0; i < kNumIntFields; ++i) ints_[i]->Set(row, e.ints[i]);
    for (int i = 0; i < kNumFloatFields; ++i) floats_[i]->Set(row, e.floats[i]);
    if (e.attr_count > 0) {
      blob_buf_.clear();
      event::EncodeAttrs(batch.AttrsOf(e), e.attr_count, &blob_buf_);
      attr_ref_.Set(row, attr_blobs_.Intern(blob_buf_));
    }
    BlockStats& bs = WriterStats(row >> kChunkBits);
    if (e.start_us < bs.min_start.load(std::memory_order_relaxed)) bs.min_start.store(e.start_us, std::memory_order_relaxed);
    if (e.start_us > bs.max_start.load(std::memory_order_relaxed)) bs.max_start.store(e.start_us, std::memory_order_relaxed);
    min_start = std::min(min_start, e.start_us);
    max_start = std::max(max_start, e.start_us);
    ++row;
    ++r.added;
  }
  if (min_start < min_start_.load(std::memory_order_relaxed)) min_start_.store(min_start, std::memory_order_relaxed);
  if (max_start > max_start_.load(std::memory_order_relaxed)) max_start_.store(max_start, std::memory_order_relaxed);
  rows_.store(row, std::memory_order_release);
  const uint64_t now = MemoryBytesLocked();
  if (now != accounted_bytes_) {
    backpressure::Update(accounted_bytes_, now);
    accounted_bytes_ = now;
  }
  return r;
}

bool Head::Contains(const Hash128& id) const {
  std::lock_guard<std::mutex> l(mu_);
  return ids_->Contains(id, IdIndex::Hash32(id));
}

uint64_t Head::MarkStored(const event::EventBatch& batch, std::vector<bool>* keep) const {
  // A pre-filter only (Apply deduplicates anyway): if the writer holds the
  // lock, skip it rather than wait.
  std::unique_lock<std::mutex> l(mu_, std::try_to_lock);
  if (!l.owns_lock()) return 0;
  const size_t n = batch.events.size();
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < std::min(n, kAhead); ++i) ids_->Prefetch(IdIndex::Hash32(batch.events[i].id));
  uint64_t marked = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) ids_->Prefetch(IdIndex::Hash32(batch.events[i + kAhead].id));
    const Hash128& id = batch.events[i].id;
    if ((*keep)[i] && ids_->Contains(id, IdIndex::Hash32(id))) {
      (*keep)[i] = false;
      ++marked;
    }
  }
  return marked;
}

uint32_t Head::FindCode(event::StrField f, std::string_view value) const {
  std::lock_guard<std::mutex> l(mu_);
  return dicts_[static_cast<int>(f)]->Find(value);
}

Hash128 Head::IdAt(uint64_t row) const { return Hash128{id_lo_.Get(row), id_hi_.Get(row)}; }

std::string_view Head::AttrBlobAt(uint64_t row) const {
  uint32_t code = attr_ref_.Get(row);
  return code == 0 ? std::string_view() : attr_blobs_.Get(code);
}

uint64_t Head::ScanBlocks(int64_t from_us, int64_t to_us,
                          const std::function<void(const query::ColumnBlock&)>& fn) const {
  uint64_t skipped = 0;
  const uint64_t n = rows();
  const size_t chunks = (n + kChunkRows - 1) / kChunkRows;
  for (size_t c = 0; c < chunks; ++c) {
    const BlockStats* bs = Stats(c);  // set before the rows were published
    int64_t lo = bs != nullptr ? bs->min_start.load(std::memory_order_relaxed) : INT64_MAX;
    int64_t hi = bs != nullptr ? bs->max_start.load(std::memory_order_relaxed) : INT64_MIN;
    if (lo >= to_us || hi < from_us) {
      ++skipped;
      continue;
    }
    query::ColumnBlock b;
    b.first_row = c * kChunkRows;
    b.rows = std::min<uint64_t>(kChunkRows, n - b.first_row);
    b.min_start_us = lo;
    b.max_start_us = hi;
    b.start_us = ChunkOr(start_us_, c, ZeroI64());
    b.dur_us = ChunkOr(dur_us_, c, ZeroI64());
    b.kind = ChunkOr(kind_, c, ZeroU8());
    b.status = ChunkOr(status_, c, ZeroU8());
    for (int i = 0; i < kNumStrFields; ++i) {
      b.str[i] = ChunkOr(*str_[i], c, ZeroU32());
      b.dicts[i] = dicts_[i].get();
    }
    for (int i = 0; i < kNumIntFields; ++i) b.ints[i] = ChunkOr(*ints_[i], c, AbsentI64());
    for (int i = 0; i < kNumFloatFields; ++i) b.floats[i] = ChunkOr(*floats_[i], c, NanF64());
    fn(b);
  }
  return skipped;
}

size_t Head::MemoryBytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return MemoryBytesLocked();
}

size_t Head::MemoryBytesLocked() const {
  size_t b = start_us_.bytes() + dur_us_.bytes() + kind_.bytes() + status_.bytes() + id_lo_.bytes() +
             id_hi_.bytes() + attr_ref_.bytes() + attr_blobs_.MemoryBytes() + ids_->bytes();
  for (const auto& c : str_) b += c->bytes();
  for (const auto& c : ints_) b += c->bytes();
  for (const auto& c : floats_) b += c->bytes();
  for (const auto& d : dicts_) b += d->MemoryBytes();
  return b + sizeof(block_stats_) + block_stats_pages_ * kPageChunks * sizeof(BlockStats);
}

}  // namespace agentperf::store
