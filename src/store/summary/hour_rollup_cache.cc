#include "store/summary/hour_rollup_cache.h"

#include "core/log.h"
#include "store/summary/segment_summary.h"

namespace agentperf::store {

HourRollupCache::HourRollupCache(fs::FileSystem* fs, std::string segments_dir, uint64_t budget_bytes)
    : fs_(fs), dir_(std::move(segments_dir)), budget_(budget_bytes) {}

std::shared_ptr<const query::Rollup> HourRollupCache::Get(const segment::SegmentReader& seg) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = entries_.find(seg.number());
    if (it != entries_.end()) {
      ++hits_;
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.rollup;
    }
  }
  auto sum = ReadSummary(fs_, dir_, seg, SummaryParts::kHours);
  std::lock_guard<std::mutex> l(mu_);
  if (!sum.ok()) {
    ++failed_;
    log::Warn("store", "hour cells of segment {:016x} unavailable ({}); reading its rows", seg.number(),
              sum.status().ToString());
    return nullptr;
  }
  ++loads_;
  auto rollup = std::make_shared<const query::Rollup>(std::move((*sum)->rollup));
  InsertLocked(seg.number(), rollup);
  return rollup;
}

void HourRollupCache::Put(uint64_t no, std::shared_ptr<const query::Rollup> rollup) {
  std::lock_guard<std::mutex> l(mu_);
  InsertLocked(no, std::move(rollup));
}

void HourRollupCache::Erase(uint64_t no) {
  std::lock_guard<std::mutex> l(mu_);
  EraseLocked(no);
}

void HourRollupCache::EraseLocked(uint64_t no) {
  auto it = entries_.find(no);
  if (it == entries_.end()) return;
  bytes_ -= it->second.bytes;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void HourRollupCache::InsertLocked(uint64_t no, std::shared_ptr<const query::Rollup> rollup) {
  EraseLocked(no);
  const size_t bytes = rollup->MemoryBytes();
  lru_.push_front(no);
  entries_.emplace(no, Entry{std::move(rollup), bytes, lru_.begin()});
  bytes_ += bytes;
  // Oldest out while over budget; the newest always stays (a query needs it now).
  while (bytes_ > budget_ && lru_.size() > 1) EraseLocked(lru_.back());
}

HourRollupCacheStats HourRollupCache::Stats() const {
  std::lock_guard<std::mutex> l(mu_);
  HourRollupCacheStats s;
  s.bytes = bytes_;
  s.budget = budget_;
  s.entries = entries_.size();
  s.hits = hits_;
  s.loads = loads_;
  s.failed = failed_;
  return s;
}

}  // namespace agentperf::store
