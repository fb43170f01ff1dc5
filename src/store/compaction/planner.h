// Compaction and retention planning: a pure function from the manifest's
// segment list (and the clock) to one step to take. The store's executor
// carries the step out; keeping the decision pure makes it testable without
// files.
//
// Policy (docs/format/manifest.md, docs/architecture.md):
//  - retention first: drop every segment whose newest event is older than
//    max_age; then, while the segments' total size exceeds max_bytes, drop
//    the segment with the oldest newest-event;
//  - compaction: among segments smaller than target_rows / 2, find the
//    oldest run of at least min_inputs segments that are neighbours in time
//    and together hold at most target_rows; merge that run into one.
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/manifest.h"

namespace agentperf::store::compaction {

struct Policy {
  // 524,288 rows per merged segment at most: a merge holds its output's
  // dictionaries in memory (span, message and session ids: ~100 bytes per row).
  uint64_t target_rows = uint64_t{1} << 19;
  size_t min_inputs = 4;
  int64_t max_age_us = 0;   // 0 = keep forever
  uint64_t max_bytes = 0;   // 0 = no size limit
};

struct Plan {
  enum Kind { kNone, kMerge, kDrop } kind = kNone;
  std::vector<uint64_t> inputs;  // segment numbers
  std::string reason;            // human-readable, for logs and /v1/status
};

Plan PlanNext(const std::vector<SegmentMeta>& segments, const Policy& policy, int64_t now_us);

}  // namespace agentperf::store::compaction
