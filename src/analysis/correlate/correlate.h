// Correlations (docs/design/analysis-engine.md §5): per group, Spearman rank
// correlation between a span's duration (or TTFC) and a size that may drive
// it, with Benjamini-Hochberg q-values over every pair tested in the call and
// a Theil-Sen slope for a readable magnitude. Only the pairs that are both
// significant and large enough to matter are listed.
//
// Pairs examined (x -> y), per group; slope unit in brackets:
//   llm_call ("step"), group agent x model:
//     tokens.input      -> duration_ms   [ms per 1k tokens]
//     tokens.output     -> duration_ms   [ms per 1k tokens]
//     tokens.cache_read -> duration_ms   [ms per 1k tokens]
//     tokens.input      -> ttfc_ms       [ms per 1k tokens]
//   turn, group agent:
//     steps (number attr)          -> duration_ms   [ms per step]
//     tokens.output (when present) -> duration_ms   [ms per 1k tokens]
//   tool_call, group agent x tool:
//     output_chars (number attr)        -> duration_ms   [ms per 1k chars]
//     permission_wait_ms (number attr)  -> duration_ms   [ms per ms]
// A pair is formed only when both values are present: an absent int
// (event::kAbsentInt), a NaN or negative value, or a missing (or non-number)
// attribute drops it (older data without output_chars forms no such pair).
// Durations are end - start in ms.
//
// Method.
// - One Store::Scan of [from_us, to_us) (kinds turn, llm_call, tool_call;
//   no ids; whole events). Cost bound: the spans of EVERY kind in the window
//   are counted first with one Store::Query count (no filters: a segment
//   block holds all kinds and agents, and a block is decoded whole); above
//   max_points, only every block_stride-th block of each segment is read,
//   block_stride = ceil(count / max_points). Unflushed (WAL) events are
//   always all read. `filters` are applied to each scanned event's labels
//   (query::Matcher on kind, status or a string field).
// - Per (group, pair) at most per_group_cap points are kept, by reservoir
//   sampling; each reservoir has its own std::mt19937_64 seeded from a fixed
//   seed and the group and pair names, so the same stored data (read in the
//   same order) gives the same answer.
// - A (group, pair) with n >= min_n points is tested: Spearman rho and its
//   two-sided p-value (stats::Spearman, t approximation). When rho is
//   undefined (one side constant) the pair counts as `constant`, not tested.
//   q-values: stats::BenjaminiHochberg over every tested pair of the call.
//   Reported ("significant") when q < alpha AND |rho| >= min_effect.
//   Effect size: rho itself, `strength` in plain words (|rho| < 0.3 "weak",
//   < 0.5 "moderate", else "strong") and the Theil-Sen slope of y on x in the
//   pair's unit (stats::TheilSenSlope on the kept points).
// - Counts: tested (pairs with n >= min_n and a defined rho), not_significant
//   (tested but not reported), too_few (pairs with 1 <= n < min_n), constant.
// - Findings sorted by |rho| descending (ties: kind, agent, model, tool, x, y).
//
// JSON (WriteCorrelationsJson):
//   {"alpha":0.01,"min_effect":0.3,
//    "method":"Spearman rank correlation, Benjamini-Hochberg q-values",
//    "findings":[{"kind":"llm_call","agent":"coder","model":"m" (llm_call only),
//                 "tool":"bash" (tool_call only),"x":"tokens.input","y":"duration_ms",
//                 "n":..,"rho":..,"p_value":..,"q_value":..,"strength":"strong",
//                 "slope":..,"slope_unit":"ms per 1k tokens"}, ..],
//    "tested":..,"not_significant":..,"too_few":..,"constant":..,
//    "source":{"spans_read":..,"block_stride":..}}
// rho, p_value, q_value and slope are rounded to 4 significant digits; a
// non-finite slope is null. spans_read = spans the scan delivered (the three
// kinds, in the window, sampled blocks), before the label filters.
//
// Errors: InvalidArgument for an empty window or out-of-range parameters
// (alpha outside (0, 1], min_effect outside [0, 1], min_n < 3,
// per_group_cap < min_n, max_points == 0); the store's errors otherwise.
// Thread-safety: stateless free functions; safe wherever Store::Query and
// Store::Scan are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "core/status.h"
#include "query/spec.h"
#include "store/store.h"

namespace agentperf::analysis {

struct CorrelationSpec {
  int64_t from_us = INT64_MIN;  // by span start, inclusive
  int64_t to_us = INT64_MAX;    // exclusive
  std::vector<query::Matcher> filters;  // on labels, ANDed (e.g. agent = coder)
  double alpha = 0.01;       // BH q-value threshold
  double min_effect = 0.3;   // |rho| threshold
  size_t min_n = 30;         // points needed to test a pair
  uint64_t max_points = 200000;  // spans to read at most (from segments; sets the block stride)
  size_t per_group_cap = 5000;   // points kept per (group, pair)
};

struct CorrelationFinding {
  std::string kind;   // llm_call, turn, tool_call
  std::string agent;
  std::string model;  // llm_call groups only
  std::string tool;   // tool_call groups only
  std::string x, y;   // e.g. "tokens.input", "duration_ms"
  size_t n = 0;       // points used
  double rho = 0, p_value = 0, q_value = 0;
  double slope = 0;         // Theil-Sen, in slope_unit (NaN when undefined)
  std::string slope_unit;   // "ms per 1k tokens", "ms per step", "ms per 1k chars", "ms per ms"
  std::string strength;     // weak, moderate, strong
};

struct CorrelationReport {
  double alpha = 0.01, min_effect = 0.3;  // as asked
  std::vector<CorrelationFinding> significant;  // by |rho| descending
  size_t tested = 0, not_significant = 0, too_few = 0;
  size_t constant = 0;  // n >= min_n but one side constant: rho undefined
  uint32_t block_stride = 1;
  uint64_t spans_read = 0;
};

Result<CorrelationReport> FindCorrelations(store::Store* store, const CorrelationSpec& spec);

void WriteCorrelationsJson(const CorrelationReport& r, JsonWriter* w);

}  // namespace agentperf::analysis
