// FlushHead: writes every row of a (frozen) head into a new segment file,
// sorted by start time. The caller makes it live by saving a manifest that
// names it.
//
// Thread-safety: FlushHeadSplit runs its parts on threads of its own (a
// head may be read concurrently). Both read the head through its lock-free reader interface, so
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

// A split flush writes parts of at least this many rows.
constexpr uint64_t kMinRowsPerFlushPart = 32768;
// How many segments a split flush of `rows` rows on `threads` threads writes.
size_t FlushParts(uint64_t rows, int threads);

// Writes the head as `parts` segments numbered first_no, first_no + 1, ...
// (consecutive ranges of its rows in segment order, cut on whole blocks;
// every one gets the WAL range given), one per thread (the caller's and
// parts - 1 it starts and joins). `summaries`, when given, holds `parts`
// builders (builder i gets segment i's rows). All or nothing: on error no
// file of those numbers is left.
Result<std::vector<SegmentMeta>> FlushHeadSplit(fs::FileSystem* fs, const std::string& segments_dir,
                                                uint64_t first_no, const Head& head, uint64_t wal_seq_min,
                                                uint64_t wal_seq_max, size_t parts,
                                                std::vector<SummaryBuilder>* summaries = nullptr);

}  // namespace agentperf::store
