// FlushHead: writes every row of a (frozen) head into a new segment file,
// sorted by start time. The caller makes it live by saving a manifest that
// names it.
//
// Thread-safety: reads the head through its lock-free reader interface, so
// the head must no longer be written (frozen) for the segment to be complete.
#pragma once

#include <string>

#include "core/status.h"
#include "store/fs/file_system.h"
#include "store/head/head.h"
#include "store/manifest.h"
#include "store/segment/segment_format.h"
#include "store/summary/segment_summary.h"

namespace agentperf::store {

// The manifest entry of segment `no`, written with this footer and size.
SegmentMeta SegmentMetaOf(uint64_t no, const segment::Footer& footer, uint64_t bytes, uint32_t level);

// Writes `DIR/<no>.seg`. On error no file with that name exists. With a
// `summary` builder, also hands it every row written, in segment order.
Result<SegmentMeta> FlushHead(fs::FileSystem* fs, const std::string& segments_dir, uint64_t no, const Head& head,
                              uint64_t wal_seq_min, uint64_t wal_seq_max, SummaryBuilder* summary = nullptr);

}  // namespace agentperf::store
