// Head: the in-memory, append-only, columnar part of the store. Every event
// lives here as one row: times, kind/status bytes, dictionary-coded strings,
// counts, floats and an attribute blob. Rows are deduplicated by event id
// (the same span arriving twice is kept once).
//
// Thread-safety: one writer (Apply, called in WAL order by the store's commit
// path) and any number of concurrent readers. A reader takes a Snapshot
// (published row count) and may scan rows below it without locks while the
// writer appends. Contains() may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "event/event.h"
#include "query/block.h"
#include "store/head/chunked_column.h"
#include "store/head/string_dict.h"

namespace agentperf::store {

struct ApplyResult {
  uint64_t added = 0;
  uint64_t duplicates = 0;
};

class Head {
 public:
  Head();
  ~Head();
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // Writer only. Appends every event of `batch` whose id is new (and, with
  // `keep`, whose keep[i] is true); publishes the rows atomically at the end
  // (readers see all of the batch or none of it).
  ApplyResult Apply(const event::EventBatch& batch, const std::vector<bool>* keep = nullptr);

  // Any thread. True if an event with this id is stored.
  bool Contains(const Hash128& id) const;
  // Any thread. Sets keep[i] = false for events already stored; returns how
  // many. Best effort: it skips the check (returns 0) rather than wait for a
  // batch being applied, so callers must still expect Apply to find duplicates.
  uint64_t MarkStored(const event::EventBatch& batch, std::vector<bool>* keep) const;

  // Any thread. Rows visible now.
  uint64_t rows() const { return rows_.load(std::memory_order_acquire); }

  // Any thread. Calls fn for each block of rows [0, rows) overlapping the time
  // range [from_us, to_us) (by start time). Blocks are views into the head;
  // they stay valid for as long as the Head lives. Returns how many blocks
  // were skipped by their time bounds.
  uint64_t ScanBlocks(int64_t from_us, int64_t to_us, const std::function<void(const query::ColumnBlock&)>& fn) const;

  // Any thread. The dictionary of a string field, for lock-free Get/size
  // (label values, query output). Use FindCode to look a string up.
  const StringDict& dict(event::StrField f) const { return *dicts_[static_cast<int>(f)]; }
  // Any thread. Code of `value` in a field's dictionary, 0 if unknown.
  uint32_t FindCode(event::StrField f, std::string_view value) const;

  // Any thread, REQUIRES row < rows(): the event id and attributes of a row.
  Hash128 IdAt(uint64_t row) const;
  // Attribute blob of a row (EncodeAttrs format, see attrs.h), empty if none.
  std::string_view AttrBlobAt(uint64_t row) const;

  size_t MemoryBytes() const;
  int64_t min_start_us() const { return min_start_.load(std::memory_order_relaxed); }
  int64_t max_start_us() const { return max_start_.load(std::memory_order_relaxed); }

 private:
  class IdIndex;
  size_t MemoryBytesLocked() const;  // REQUIRES mu_ held (or the writer with no concurrent reader of ids_)
  struct BlockStats {
    std::atomic<int64_t> min_start{INT64_MAX};
    std::atomic<int64_t> max_start{INT64_MIN};
  };

  std::atomic<uint64_t> rows_{0};
  std::atomic<int64_t> min_start_{INT64_MAX};
  std::atomic<int64_t> max_start_{INT64_MIN};
  ChunkedColumn<int64_t> start_us_;
  ChunkedColumn<int64_t> dur_us_;
  ChunkedColumn<uint8_t> kind_;
  ChunkedColumn<uint8_t> status_;
  ChunkedColumn<uint64_t> id_lo_;
  ChunkedColumn<uint64_t> id_hi_;
  std::array<std::unique_ptr<ChunkedColumn<uint32_t>>, event::kNumStrFields> str_;
  std::array<std::unique_ptr<ChunkedColumn<int64_t>>, event::kNumIntFields> ints_;
  std::array<std::unique_ptr<ChunkedColumn<double>>, event::kNumFloatFields> floats_;
  ChunkedColumn<uint32_t> attr_ref_;  // code in attr_blobs_; 0 = no attributes
  std::array<std::unique_ptr<StringDict>, event::kNumStrFields> dicts_;
  // Per-chunk start-time bounds, in pages of kPageChunks allocated by the
  // writer on first use (like ChunkedColumn; published before the rows).
  std::array<std::atomic<BlockStats*>, kDirPages> block_stats_{};
  size_t block_stats_pages_ = 0;  // writer
  BlockStats& WriterStats(size_t chunk);
  const BlockStats* Stats(size_t chunk) const;
  std::unique_ptr<IdIndex> ids_;
  mutable std::mutex mu_;     // guards ids_ and the dictionaries' hash tables (writer vs Contains/FindCode)
  StringDict attr_blobs_;     // attribute blobs, interned (identical blobs shared)
  std::string blob_buf_;      // writer scratch
  std::vector<uint32_t> id_hashes_;   // writer scratch
  std::vector<uint32_t> str_hashes_;  // writer scratch
  // This head's bytes as last reported to core/ingest_backpressure (every
  // head is a holder there: ingest may wait for frozen heads to be flushed).
  uint64_t accounted_bytes_ = 0;  // writer; destructor
};

}  // namespace agentperf::store
