// Segment summaries: the hour rollup (query/rollup.h) of every row of a
// segment and, per block of the segment, a Bloom filter of the session ids
// in it (so that a query looking for given sessions skips blocks without
// them), saved beside it as segments/<no>.sum (docs/format/summary.md).
// A summary is a cache derived entirely from its segment: written after the
// segment at flush and compaction, deleted with it, and rebuilt from the
// segment when it is missing or fails its checks (a crash between the
// segment and its summary, a torn write, a deleted file). Queries that a
// rollup can answer read the summary's cells instead of the segment's rows.
//
// Thread-safety: functions are thread-safe for distinct segments; a
// SegmentSummary is immutable once built and safe to share.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "query/block.h"
#include "query/rollup.h"
#include "store/fs/file_system.h"
#include "core/hash.h"
#include "store/segment/id_filter.h"
#include "store/segment/segment_reader.h"

namespace agentperf::store {

inline constexpr int64_t kSegmentRollupUs = query::kHourUs;
inline constexpr int64_t kSegmentDayRollupUs = 24 * query::kHourUs;

struct SegmentSummary {
  uint64_t segment_no = 0;
  uint64_t rows = 0;  // of the segment; == rollup.events()
  query::Rollup rollup{kSegmentRollupUs};  // frozen (cells sorted by hour)
  // The hour cells merged into UTC days (stored too):
  // queries over whole days read ~24x fewer cells.
  query::Rollup day{kSegmentDayRollupUs};
  // One per segment block: the block's distinct session ids (hashed as event
  // ids are, Murmur3_128 of the string).
  std::vector<IdFilter> session_filters;
};

// Builds a summary from a segment's rows as they are written.
class SummaryBuilder {
 public:
  explicit SummaryBuilder(uint64_t segment_no);
  // Every row of `b`, in segment row order (the session id column and the
  // rollup's columns set, with dictionaries that stay alive until Finish).
  void Add(const query::ColumnBlock& b);
  std::shared_ptr<SegmentSummary> Finish();

 private:
  void EndBlock();
  std::shared_ptr<SegmentSummary> s_;
  size_t block_rows_ = 0;
  std::vector<Hash128> sessions_;  // of the current block
  std::unordered_map<const query::Dictionary*, std::vector<Hash128>> hashes_;  // code -> hash (0: not yet)
};

// The hash a session filter holds for a session id.
inline Hash128 SessionKey(std::string_view session_id) { return Murmur3_128(session_id, 0x5e55); }

std::string SummaryPath(const std::string& segments_dir, uint64_t no);
// Whether `name` is "<no>.sum" (no: as in segment file names).
bool ParseSummaryFileName(std::string_view name, uint64_t* no);
// Writes the summary (temporary file, fsync, rename; no directory fsync: a
// summary lost in a crash is rebuilt).
Status WriteSummary(fs::FileSystem* fs, const std::string& segments_dir, const SegmentSummary& s);
// Which rollups ReadSummary decodes (the whole file is checked either way):
// kHours leaves `day` empty (the hour cache), kDays leaves `rollup` empty
// (opening a store: the hour cells are not kept), kAll both.
enum class SummaryParts : uint8_t { kAll, kHours, kDays };
// Reads and checks a summary against its segment (number, rows). NotFound
// when there is no file; Corruption when it fails a check or is of an older
// version (then rebuilt, as a damaged one).
Result<std::shared_ptr<SegmentSummary>> ReadSummary(fs::FileSystem* fs, const std::string& segments_dir,
                                                    const segment::SegmentReader& seg,
                                                    SummaryParts parts = SummaryParts::kAll);
// Computes the summary of a segment from its rows.
Result<std::shared_ptr<SegmentSummary>> BuildSummary(const segment::SegmentReader& seg);
// ReadSummary(kDays), or when that fails BuildSummary + WriteSummary (a
// failed write is logged, the summary, with its hours, still returned).
Result<std::shared_ptr<SegmentSummary>> LoadOrRebuildSummary(fs::FileSystem* fs,
                                                                   const std::string& segments_dir,
                                                                   const segment::SegmentReader& seg);

}  // namespace agentperf::store
