// How a query reads a segment: which columns it needs decoded, whether the
// segment's label dictionaries rule it out, and whether it is a top-N query
// whose blocks can be read largest-duration first and cut short.
//
// Thread-safety: pure functions (SegmentMayMatch reads the segment's
// dictionaries, which is thread-safe).
#pragma once

#include "query/spec.h"
#include "store/segment/segment_reader.h"

namespace agentperf::store {

// The segment columns a query reads (the others are not decoded).
segment::ColumnSet NeededColumns(const query::QuerySpec& spec);

// Label index: a segment's dictionary of a label holds exactly the values its
// rows use, so a filter no value of it passes rules the segment out.
bool SegmentMayMatch(const segment::SegmentReader& seg, const query::QuerySpec& spec);

// A ranking by max(duration_ms), descending, in which every aggregate is
// max(duration_ms): blocks whose largest duration is below the current N-th
// best value cannot change the answer (segment footers keep each block's
// largest duration).
bool IsTopByMaxDuration(const query::QuerySpec& spec);

}  // namespace agentperf::store
