// MergeSegments: the compaction executor's data step. Reads several
// segments and writes their rows, merged by start time, into one new segment
// file (ids, attributes and dictionaries carried over). The caller makes the
// result live with a manifest change and then deletes the inputs.
//
// Thread-safety: reads the (immutable) inputs; safe alongside queries.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/fs/file_system.h"
#include "store/manifest.h"
#include "store/segment/segment_reader.h"
#include "store/summary/segment_summary.h"

namespace agentperf::store::compaction {

// Writes `DIR/<no>.seg`; on error no file with that name exists. With a
// `summary` builder, also hands it every row written, in segment order.
Result<SegmentMeta> MergeSegments(fs::FileSystem* fs, const std::string& dir, uint64_t no,
                                  const std::vector<std::shared_ptr<segment::SegmentReader>>& inputs,
                                  SummaryBuilder* summary = nullptr);

}  // namespace agentperf::store::compaction
