// HourRollupCache: the hour rollups of segment summaries, kept in memory
// within a byte budget. A summary's hour cells are most of its size (about
// one cell per 20 events at 10M events), so the store keeps only each
// summary's day cells and session filters resident and reads hour cells on
// demand from the segment's .sum file (docs/format/summary.md), least
// recently used first out. Rollups of fresh segments (flush, compaction) go
// in warm: recent hours are what dashboards ask for.
//
// A rollup handed out stays valid while its holder keeps it, evicted or not.
// Get returns null when the file is missing or fails its checks (the store
// then reads that segment's rows; the file is rebuilt at the next open).
//
// Thread-safety: all methods are thread-safe; a load runs outside the lock
// (two threads missing the same segment may both read it, one copy is kept).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "query/rollup.h"
#include "store/fs/file_system.h"
#include "store/segment/segment_reader.h"

namespace agentperf::store {

struct HourRollupCacheStats {
  uint64_t bytes = 0;    // resident rollups, as Rollup::MemoryBytes counts them
  uint64_t budget = 0;
  uint64_t entries = 0;
  uint64_t hits = 0;
  uint64_t loads = 0;    // misses read from a .sum file
  uint64_t failed = 0;   // misses whose file could not be read
};

class HourRollupCache {
 public:
  HourRollupCache(fs::FileSystem* fs, std::string segments_dir, uint64_t budget_bytes);

  // The hour rollup of `seg`, or null if its summary cannot be read.
  std::shared_ptr<const query::Rollup> Get(const segment::SegmentReader& seg);
  // Makes `rollup` the cached hour rollup of segment `no` (most recent).
  void Put(uint64_t no, std::shared_ptr<const query::Rollup> rollup);
  void Erase(uint64_t no);
  HourRollupCacheStats Stats() const;

 private:
  struct Entry {
    std::shared_ptr<const query::Rollup> rollup;
    size_t bytes;
    std::list<uint64_t>::iterator lru;
  };
  void InsertLocked(uint64_t no, std::shared_ptr<const query::Rollup> rollup);  // mu_ held
  void EraseLocked(uint64_t no);                                                // mu_ held

  fs::FileSystem* fs_;
  const std::string dir_;
  const uint64_t budget_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Entry> entries_;
  std::list<uint64_t> lru_;  // front: most recently used
  uint64_t bytes_ = 0;
  uint64_t hits_ = 0, loads_ = 0, failed_ = 0;
};

}  // namespace agentperf::store
