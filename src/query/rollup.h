// Rollup: events pre-aggregated into cells, one per time bucket (a fixed
// resolution, buckets aligned to the Unix epoch) x (agent, model, provider,
// tool, kind). A cell holds the event count, the error count, the earliest
// start, a duration sketch (count, sum, min, max, quantiles of duration_ms)
// and, per token/resource/cost field, the sum and number of non-null values.
// Dashboards, detectors and most queries read cells instead of events; the
// engine (query/engine.h) consumes them alongside raw column blocks and gives
// the same answers (see RollupAnswers for what a rollup can answer).
//
// The store keeps a minute rollup of each in-memory head (updated as events
// are applied) and an hour rollup of each segment (store/summary/).
//
// Thread-safety: not thread-safe; const access from many threads is fine.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/sketch/sparse_sketch.h"
#include "core/status.h"
#include "event/event.h"
#include "query/block.h"
#include "query/spec.h"

namespace agentperf::query {

// The label columns a rollup keeps (besides kind), in cell order.
inline constexpr std::array<event::StrField, 4> kRollupDims = {event::StrField::kAgent, event::StrField::kModel,
                                                               event::StrField::kProvider, event::StrField::kTool};
inline constexpr int64_t kMinuteUs = int64_t{60} * 1000000;
inline constexpr int64_t kHourUs = 60 * kMinuteUs;

struct RollupCell {
  int64_t bucket = 0;                       // floor(start_us / resolution)
  std::array<uint32_t, 4> dims{};           // index into Rollup::strings(); 0 = absent ("")
  uint8_t kind = 0;
  uint64_t count = 0;
  uint64_t errors = 0;                      // status = error
  int64_t min_start_us = INT64_MAX;
  sketch::SparseSketch dur_ms;              // every row has a duration
  sketch::SparseSketch ttfc_ms;             // rows with a time to first chunk (llm_call); count == float_n[kTtfcMs]
  std::array<int64_t, event::kNumIntFields> int_sum{};
  std::array<uint32_t, event::kNumIntFields> int_n{};
  std::array<double, event::kNumFloatFields> float_sum{};
  std::array<uint32_t, event::kNumFloatFields> float_n{};
};

class Rollup {
 public:
  explicit Rollup(int64_t resolution_us);
  Rollup(Rollup&&) noexcept;
  Rollup& operator=(Rollup&&) noexcept;
  ~Rollup();

  int64_t resolution_us() const { return resolution_us_; }
  // Adds rows [begin, end) of `b`: its start, duration, kind, status, label
  // (agent, model, provider, tool, with dictionaries), int and float columns
  // must be set. The rollup caches code -> value per dictionary: a
  // dictionary must outlive the rollup, or ForgetDictionaries() be called
  // before it goes.
  void AddRows(const ColumnBlock& b, size_t begin, size_t end);
  void ForgetDictionaries();
  // Adds every cell of `other`, whose resolution must be ours or divide it
  // (hour cells merge into day cells exactly: counts and sums add, sketches
  // merge bucket by bucket).
  Status Merge(const Rollup& other);
  // For a rollup that will only be read from now on: sorts the cells by
  // (bucket, dims, kind), drops the lookup index and spare capacity. Adding
  // to it later is allowed (the index is rebuilt) but unsorts it.
  void Freeze();
  // Cells sorted by bucket (after Freeze or Decode): readers may binary-search.
  bool sorted() const { return sorted_; }
  // With sorted(): the first cell whose bucket starts at or after from_us.
  size_t LowerBound(int64_t from_us) const;

  const std::vector<RollupCell>& cells() const { return cells_; }
  // Dimension value of an id in a cell (0 = "").
  std::string_view String(uint32_t id) const { return id == 0 ? std::string_view() : strings_[id - 1]; }
  uint32_t strings() const { return static_cast<uint32_t>(strings_.size()) + 1; }
  uint64_t events() const { return events_; }
  size_t MemoryBytes() const;

  // Serialized form: docs/format/summary.md ("rollup").
  void EncodeTo(std::string* dst) const;
  static Result<Rollup> Decode(std::string_view* in);
  // Same cells (in any order) and values; for tests.
  bool Equivalent(const Rollup& other) const;

 private:
  struct Index;
  uint32_t StringId(std::string_view s);
  RollupCell& CellFor(const RollupCell& key);
  void BuildIndex();

  int64_t resolution_us_;
  std::vector<std::string> strings_;
  std::vector<RollupCell> cells_;
  uint64_t events_ = 0;
  bool sorted_ = true;            // cells_ in (bucket, dims, kind) order
  std::unique_ptr<Index> index_;  // built when cells are added
};

// Whether a rollup of `resolution_us` can answer `spec`: filters and group_by
// only on kind, agent, model, provider and tool; a step that is a multiple of
// the resolution (or none); aggregates count, errors, error_rate, any
// aggregate of duration_ms, and count/sum/avg of the other numeric fields.
bool RollupAnswers(const QuerySpec& spec, int64_t resolution_us);

}  // namespace agentperf::query
