// Outliers: per group, the spans that took far longer than their group's
// usual duration, and the sessions holding most of them (issue 5,
// docs/design/analysis-engine.md §3).
//
// Groups: kind × agent, and for tool_call kind × agent × tool (so "tester
// bash" and "tester read" are judged separately). An absent label is the
// value "" (its own group).
//
// Method (the modified z-score of Iglewicz & Hoaglin; slow side only):
//   1. Centre and spread from the store's rollups: per kind one Store::Query
//      grouped by agent (and tool for tool_call) asking for count,
//      p50(duration_ms), p90(duration_ms), mad(duration_ms). These are DDSketch
//      figures: the median within 0.5 % (relative) and the MAD within
//      0.005 × (2 × median + MAD) (absolute; DDSketch::MedianAbsoluteDeviation).
//   2. Scale = 1.4826 × MAD (the MAD of a normal distribution is 0.6745 σ).
//      When MAD = 0 (over half the durations equal, to the sketch's
//      resolution) the scale is (p90 − p50) / 1.2816 instead (the same σ
//      estimate from the upper quantiles), when that is > 0; otherwise the
//      group is `degenerate` (scale 0) and has no outliers. Groups with fewer
//      than kMinGroupCount spans are `too_few` and have no outliers.
//   3. One Store::Scan of the window (the spec's kinds, with ids) streams every
//      span; spans failing the label filters are skipped; z = (duration −
//      median) / scale; a span is an outlier when z > threshold. Per group: the
//      number of outliers and the `top` largest by z (a bounded heap; ties by
//      earlier start, then span id). Per session: its number of outlying spans
//      and their largest z; the `top_sessions` sessions with the most (ties by
//      larger max z, then session id) are listed.
// Durations are end − start (as the query engine's duration_ms), in ms.
//
// Cost: the queries read rollup cells for whole hours/days; the scan reads
// every span of the kinds in the window. Before scanning, the number of those
// spans (from the count aggregates; with label filters, one more count query
// without them, since the scan cannot apply label filters itself) is checked
// against max_spans.
//
// Errors: InvalidArgument for an empty/inverted window, no kinds, the sample
// kind, a non-finite or negative threshold, or more than max_spans spans in
// the window (naming the count and the limit); the store's errors otherwise.
// Thread-safety: a free function, stateless; safe wherever Store::Query and
// Store::Scan are (i.e. from any thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "core/status.h"
#include "event/event.h"
#include "query/spec.h"
#include "store/store.h"

namespace agentperf::analysis {

struct OutlierSpec {
  int64_t from_us = INT64_MIN;          // by span start, inclusive
  int64_t to_us = INT64_MAX;            // exclusive
  std::vector<query::Matcher> filters;  // on labels (agent, model, provider, tool...), ANDed
  std::vector<event::SpanKind> kinds = {event::SpanKind::kTurn, event::SpanKind::kLlmCall, event::SpanKind::kToolCall,
                                        event::SpanKind::kSession};
  double threshold = 3.5;          // robust z above which a span is an outlier
  size_t top = 10;                 // outlying spans listed per group (largest z first)
  size_t top_sessions = 10;        // outlying sessions listed
  uint64_t max_spans = 2'000'000;  // refuse larger windows (InvalidArgument)
};

// Groups with fewer spans than this are not judged (`too_few`).
inline constexpr uint64_t kMinGroupCount = 10;
// 1 / Φ⁻¹(0.75): MAD → σ of a normal distribution.
inline constexpr double kMadToSigma = 1.4826;
// Φ⁻¹(0.90): (p90 − p50) → σ of a normal distribution.
inline constexpr double kP90Z = 1.2816;

struct OutlierSpan {
  std::string span_id;  // session spans without a span id: the session id
  std::string session_id;
  event::SpanKind kind = event::SpanKind::kTurn;
  std::string agent, tool, model;
  int64_t start_ms = 0;
  double duration_ms = 0;
  double z = 0;         // rounded to 2 decimals
  double x_median = 0;  // duration / median, rounded to 2 decimals; NaN when the median is 0
};

struct OutlierGroup {
  event::SpanKind kind = event::SpanKind::kTurn;
  std::string agent;
  std::string tool;    // tool_call groups only
  uint64_t count = 0;  // spans of the group in the window (rollup count)
  double median_ms = 0, mad_ms = 0, p90_ms = 0;
  double scale_ms = 0;             // 1.4826 MAD, or (p90 − p50) / 1.2816, or 0
  bool quantile_scale = false;     // the scale came from p90 − p50 (MAD was 0)
  bool too_few = false;            // count < kMinGroupCount: not judged
  bool degenerate = false;         // MAD = 0 and p90 = p50: not judged
  uint64_t outliers = 0;           // spans with z > threshold
  std::vector<OutlierSpan> spans;  // the top `top` by z, largest first
};

struct OutlierSession {
  std::string session_id;
  std::string agent;  // of the first outlying span seen in it
  uint64_t outlying_spans = 0;
  double max_z = 0;  // rounded to 2 decimals
};

struct OutlierReport {
  OutlierSpec spec;
  // Every examined group: outliers descending, then kind name, agent, tool.
  std::vector<OutlierGroup> groups;
  std::vector<OutlierSession> sessions;  // most outlying spans first
  uint64_t spans_read = 0;               // spans delivered by the scan (before label filters)
  uint64_t queries = 0, rollup_cells = 0;
  double elapsed_ms = 0;
};

Result<OutlierReport> FindOutliers(store::Store* store, const OutlierSpec& spec);

// {"threshold":3.5,"method":"modified z = (x - median) / (1.4826 MAD)",
//  "from_ms":..|null,"to_ms":..|null,"groups_examined":N,
//  "groups":[{"kind":"tool_call","agent":"tester","tool":"bash","count":1234,
//             "median_ms":..,"mad_ms":..,"scale_ms":..,"scale_from":"mad"|"p90",
//             "outliers":7,
//             "spans":[{"span_id":..,"session_id":..,"model":..,"start_ms":..,
//                       "duration_ms":..,"z":..,"x_median":..}]}, ...],
//  "not_judged":[{"kind":..,"agent":..,"tool":..,"count":..,"median_ms":..,
//                 "scale_ms":0,"too_few":true|"degenerate":true}],
//  "sessions":[{"session_id":..,"agent":..,"outlying_spans":3,"max_z":..}],
//  "source":{"spans_read":N,"queries":..,"rollup_cells":..,"elapsed_ms":..}}
// "groups" lists only the groups with at least one outlier (report order);
// "tool" appears for tool_call groups only; "model" only when the span has one.
void WriteOutliersJson(const OutlierReport& r, JsonWriter* w);

}  // namespace agentperf::analysis
