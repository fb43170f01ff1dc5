// Engine: executes one QuerySpec over column blocks (from the head now, from
// segments too later): time and label filters through per-dictionary bitmaps,
// grouping through a flat hash table, per-cell accumulators (count, sum, min,
// max and a DDSketch per field that needs quantiles).
//
// Usage: Engine e(spec); source.ScanBlocks(..., [&](auto& b){ e.Consume(b); });
//        Result<QueryResult> r = e.Finish();
// Thread-safety: not thread-safe; one engine per query.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "query/block.h"
#include "query/result.h"
#include "query/rollup.h"
#include "query/spec.h"

namespace agentperf::query {

class Engine {
 public:
  explicit Engine(const QuerySpec& spec);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void Consume(const ColumnBlock& block);
  // Only the block's rows with start in [from_us, to_us) (and the spec's range).
  void Consume(const ColumnBlock& block, int64_t from_us, int64_t to_us);
  // The cells of `rollup` whose whole bucket lies in [from_us, to_us) and in
  // the spec's range. REQUIRES RollupAnswers(spec, rollup.resolution_us()).
  // Rows of those buckets must not also be handed over as blocks.
  void ConsumeRollup(const Rollup& rollup, int64_t from_us, int64_t to_us);
  // Only the block's rows whose duration is at least min_dur_us. For top-N
  // queries whose aggregates are all max(duration_ms): rows below the
  // current threshold cannot change the top series or their maxima (they
  // may still hold a top series' earliest start: the caller reads those).
  void ConsumeLongRows(const ColumnBlock& block, int64_t min_dur_us);
  // For order_by queries: the ranking value of the `limit`-th best series so
  // far (NaN while there are fewer, or without order_by). With a ranking by
  // max(f) desc, rows whose f is below it cannot change which series are the
  // top `limit` nor their maxima.
  double TopNThreshold();
  struct TopSeries {
    std::vector<std::string> labels;  // group_by order
    int64_t first_start_us;           // earliest start consumed so far
  };
  // The current top `limit` series (any order).
  std::vector<TopSeries> CurrentTopN();
  // Counts blocks a source skipped without handing them over (time bounds).
  void NoteSkippedBlocks(uint64_t n);
  // Fails with ResourceExhausted when the result exceeds the spec's limits.
  Result<QueryResult> Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentperf::query
