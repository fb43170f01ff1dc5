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

#include "core/status.h"
#include "query/block.h"
#include "query/result.h"
#include "query/spec.h"

namespace agentperf::query {

class Engine {
 public:
  explicit Engine(const QuerySpec& spec);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void Consume(const ColumnBlock& block);
  // Counts blocks a source skipped without handing them over (time bounds).
  void NoteSkippedBlocks(uint64_t n);
  // Fails with ResourceExhausted when the result exceeds the spec's limits.
  Result<QueryResult> Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentperf::query
