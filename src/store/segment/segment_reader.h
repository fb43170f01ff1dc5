// SegmentReader: an open, immutable segment file. Keeps the footer, the id
// filter and the small label dictionaries in memory; reads and decodes
// blocks on demand (only the columns a query needs), and loads the large id
// dictionaries (session, message, span ids) the first time a query needs
// them.
//
// Memory: the sorted id set Contains() builds on a filter hit (16 bytes per
// row) is kept in a process-wide LRU cache bounded by bytes (IdCacheBudget);
// ReadIds does not keep the id dictionaries it needs. Dictionaries loaded for
// queries stay until the reader goes (callers hold raw pointers to them).
//
// Thread-safety: every method is safe to call concurrently (lazy loads are
// guarded; blocks decode into the caller's buffer).
#pragma once

#include <array>
#include <atomic>
#include <bitset>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/status.h"
#include "query/block.h"
#include "store/fs/file_system.h"
#include "store/segment/block_buffer.h"
#include "store/segment/id_filter.h"
#include "store/segment/segment_format.h"

namespace agentperf::store::segment {

using ColumnSet = std::bitset<kNumColumns>;
inline ColumnSet AllColumns() { return ColumnSet().set(); }

// A dictionary decoded from a segment: codes 1..count, 0 = absent.
class SegmentDict final : public query::Dictionary {
 public:
  std::string_view Lookup(uint32_t code) const override {
    return code == 0 ? std::string_view() : std::string_view(bytes_.data() + offsets_[code - 1],
                                                             offsets_[code] - offsets_[code - 1]);
  }
  uint32_t Size() const override { return static_cast<uint32_t>(offsets_.size()); }  // count + 1
  size_t MemoryBytes() const { return bytes_.capacity() + offsets_.capacity() * 4; }

 private:
  friend class SegmentReader;
  std::string bytes_;
  std::vector<uint32_t> offsets_;  // count + 1 entries
};

class SegmentReader {
 public:
  static Result<std::shared_ptr<SegmentReader>> Open(fs::FileSystem* fs, const std::string& path, uint64_t no);
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Bytes of sorted id sets (see Contains) all readers of the process keep
  // together; least recently used sets beyond it are dropped (the most
  // recently used one is always kept). Default kDefaultIdCacheBytes.
  static constexpr size_t kDefaultIdCacheBytes = size_t{48} << 20;
  static void SetIdCacheBudget(size_t bytes);
  struct IdCacheStats {
    size_t bytes = 0;       // held now
    size_t sets = 0;        // id sets held now
    uint64_t loads = 0;     // id sets built since start
    uint64_t evictions = 0;
  };
  static IdCacheStats GetIdCacheStats();

  uint64_t number() const { return no_; }
  const std::string& path() const { return path_; }
  const Footer& footer() const { return footer_; }
  uint64_t rows() const { return footer_.rows; }
  uint64_t file_bytes() const { return file_bytes_; }

  // Decodes the columns in `cols` of block `i` into *buf and points *out at
  // them (columns not in `cols` point at absent values; their dictionaries
  // are empty). Also checks the block's CRC.
  Status ReadBlock(size_t i, const ColumnSet& cols, BlockBuffer* buf, query::ColumnBlock* out) const;

  // The dictionary of a string field (loaded on first use).
  Result<const SegmentDict*> Dict(event::StrField f) const;
  Result<const SegmentDict*> AttrDict() const;

  // Every row's event id, in row order (derived ids recomputed).
  Status ReadIds(std::vector<Hash128>* ids) const;
  // False: the id is certainly not in this segment.
  bool MayContain(const Hash128& id) const { return filter_.MayContain(id); }
  // Exact membership (filter, then the segment's ids, loaded and cached on
  // the first filter hit).
  Result<bool> Contains(const Hash128& id) const;

  // Reads and checks everything (CRCs, decoding, block statistics).
  Status Verify() const;

  size_t MemoryBytes() const;

 private:
  class IdCache;
  SegmentReader() = default;
  Status LoadDict(const DictInfo& info, uint64_t offset, SegmentDict* d) const;
  // ReadBlock with the dictionaries of some string fields given (non-null
  // entries of `dicts`) instead of loaded and kept.
  Status ReadBlockWith(size_t i, const ColumnSet& cols, const SegmentDict* const* dicts, BlockBuffer* buf,
                       query::ColumnBlock* out) const;

  fs::FileSystem* fs_ = nullptr;
  std::string path_;
  uint64_t no_ = 0;
  uint64_t file_bytes_ = 0;
  std::unique_ptr<fs::RandomAccessFile> file_;
  Footer footer_;
  IdFilter filter_;
  std::array<uint64_t, event::kNumStrFields + 1> dict_offsets_{};

  mutable std::mutex mu_;  // guards the lazily loaded members below
  mutable std::array<std::unique_ptr<SegmentDict>, event::kNumStrFields + 1> dicts_;  // last = attributes
  mutable std::array<std::atomic<const SegmentDict*>, event::kNumStrFields + 1> dict_ptrs_{};
  // Set by Contains, dropped by the IdCache (a Contains in progress keeps its copy).
  mutable std::shared_ptr<const std::vector<Hash128>> sorted_ids_;
};

}  // namespace agentperf::store::segment
