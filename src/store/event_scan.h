// ScanStoredEvents: reads back every stored event of a data directory, whole
// (all fields, attributes and ids), for `agentperf export`. Read-only and
// lock-free like verify: it reads the MANIFEST's segments, then the WAL
// records not yet flushed into them; if a flush or compaction made new
// segments meanwhile, it reads those too. Each event is delivered once (by
// id). Order: segments in manifest order (by time), then unflushed events in
// WAL order; not globally sorted.
//
// Thread-safety: a free function; safe while a server writes the directory
// (it then sees some consistent superset of what was stored when it began).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "event/event.h"
#include "store/fs/file_system.h"

namespace agentperf::store {

struct ScanFilter {
  int64_t from_us = INT64_MIN;         // start_us >= from_us
  int64_t to_us = INT64_MAX;           // start_us < to_us
  std::vector<event::SpanKind> kinds;  // empty = every kind
  // Sampling: of a segment's blocks in the time range, read only every
  // block_stride-th (1 = all). Unflushed (WAL) events are always all read.
  uint32_t block_stride = 1;
  // false: segment events come without their id (not read: cheaper) and are
  // not deduplicated against the WAL; for sampling, where a rare double
  // does not matter.
  bool ids = true;
  // true: segment events carry only their times, kind, status and the
  // labels agent, model, provider, tool (no other strings, numbers or
  // attributes: those columns are not decoded); for sampling durations.
  bool labels_only = false;
  bool Matches(const event::Event& e) const;
};

struct ScanStats {
  uint64_t segments = 0;
  uint64_t wal_records = 0;
  uint64_t events = 0;      // delivered
  uint64_t duplicates = 0;  // seen again (e.g. in a segment and the WAL) and skipped
};

// Calls fn with batches of matching events. The batches' strings are valid
// only during the call. An error from fn stops the scan and is returned.
Status ScanStoredEvents(fs::FileSystem* fs, const std::string& data_dir, const ScanFilter& filter,
                        const std::function<Status(const event::EventBatch&)>& fn, ScanStats* stats);

}  // namespace agentperf::store
