// Baselines: per-group performance figures over a time window (issue 5,
// docs/design/analysis-engine.md §2), computed through Store::Query so that
// whole hours and days come from the store's rollup cells (exact counts and
// sums, DDSketch quantiles with 0.5 % relative error) instead of a scan.
//
// A row describes the spans of one kind (llm_call = "steps" by default,
// tool_call when grouped by tool) in one group:
//   count, errors, error rate; duration mean, p50/p90/p95/p99, max, MAD, IQR;
// and for llm_call (from more queries on the same window and filters):
//   tokens (input, output, reasoning, cache read/write), cost (recorded, and
//   estimated from the PriceTable for (provider, model) groups whose recorded
//   cost is 0 while they used tokens: marked `cost_estimated`), cache hit
//   ratio (cache read / (input + cache read): the share of the prompt served
//   from the cache — OpenCode's input excludes cached tokens), time to first
//   chunk p50/p95 (from the OTLP join; a row scan, the field is not rolled
//   up), model time (step time minus its tools' wall time and permission
//   waits) and output tokens per second of model time;
// and when the grouping has no tool: turns, and per turn the mean steps,
// retries, tokens and cost (ratios of sums over the window).
//
// Errors: InvalidArgument for a grouping outside agent, model, provider,
// tool; the store's own errors otherwise.
// Thread-safety: a free function; safe wherever Store::Query is.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analysis/cost/price_table.h"
#include "core/json_writer.h"
#include "core/status.h"
#include "event/event.h"
#include "query/spec.h"
#include "store/store.h"

namespace agentperf::analysis {

struct BaselineSpec {
  int64_t from_us = INT64_MIN;  // by span start, inclusive
  int64_t to_us = INT64_MAX;    // exclusive
  std::vector<event::StrField> group_by;  // ⊆ {agent, model, provider, tool}; empty = one row
  std::vector<query::Matcher> filters;    // on labels, ANDed (e.g. agent = coder)
  // The spans the duration figures describe; default llm_call, or tool_call
  // when grouped by tool.
  bool kind_set = false;
  event::SpanKind kind = event::SpanKind::kLlmCall;
};

struct BaselineRow {
  std::vector<std::pair<std::string, std::string>> labels;  // group_by order; "" = absent
  uint64_t count = 0, errors = 0;
  double error_rate = 0;
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0, mad_ms = 0, iqr_ms = 0, total_ms = 0;
  // llm_call only (NaN / 0 otherwise)
  double tokens_input = 0, tokens_output = 0, tokens_reasoning = 0, tokens_cache_read = 0, tokens_cache_write = 0;
  double cost = 0;               // recorded + estimated
  double cost_estimated = 0;     // the estimated part
  uint64_t cost_unknown_calls = 0;  // calls with tokens, cost 0 and no price
  double cache_hit_ratio = 0;    // NaN without input
  uint64_t ttfc_count = 0;
  double ttfc_p50_ms = 0, ttfc_p95_ms = 0;  // NaN when no step has TTFC
  double model_ms = 0;           // step time minus tools and permission waits
  double output_tokens_per_s = 0;  // NaN without model time
  // per turn (no tool in the grouping): NaN when the group has no turn
  uint64_t turns = 0, retries = 0;
  double steps_per_turn = 0, retries_per_turn = 0, tokens_per_turn = 0, cost_per_turn = 0;
};

struct BaselineTable {
  BaselineSpec spec;
  std::vector<BaselineRow> rows;  // sorted by label values
  // Where the figures came from.
  uint64_t queries = 0, rollup_cells = 0, rows_scanned = 0;
  double elapsed_ms = 0;
};

Result<BaselineTable> ComputeBaselines(store::Store* store, const BaselineSpec& spec, const PriceTable& prices);

// {"kind":"llm_call","group_by":[...],"from_ms":..,"to_ms":..,"relative_error":0.005,
//  "rows":[{"labels":{...},"count":..,...}],"source":{"queries":..,"rollup_cells":..,"rows_scanned":..,"elapsed_ms":..}}
void WriteBaselineJson(const BaselineTable& table, JsonWriter* w);

// "agent,tool" → fields; InvalidArgument for anything else.
Result<std::vector<event::StrField>> ParseGroupBy(std::string_view csv);

}  // namespace agentperf::analysis
