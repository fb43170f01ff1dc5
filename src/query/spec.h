// QuerySpec: what POST /v1/query (and `agentperf query`) asks for, parsed and
// validated. The JSON form is documented in docs/query.md:
//
//   {"from": "-1h", "to": "now",
//    "filters": [{"label": "agent", "op": "=", "value": "coder"},
//                {"label": "tool", "op": "in", "values": ["bash", "read"]},
//                {"label": "model", "op": "=~", "value": "gpt-.*"}],
//    "group_by": ["agent", "tool"],
//    "step": "1m",
//    "aggregates": ["count", "avg(duration_ms)", "p95(duration_ms)",
//                   "quantile(0.999, duration_ms)", "sum(tokens.input)"],
//    "limit": 1000}
//
// or, for the top N series by one aggregate (one point per series, no step):
//
//   {"group_by": ["session_id"], "aggregates": ["max(duration_ms)", "error_rate"],
//    "order_by": "max(duration_ms) desc", "limit": 10}
//
// Thread-safety: a parsed spec is an immutable value.
#pragma once

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "event/event.h"

namespace agentperf::query {

// A label: a low-cardinality or id string column that can be filtered and grouped.
// 0 = kind, 1 = status, 2.. = event::StrField + 2.
struct Label {
  enum Kind : uint8_t { kKind, kStatus, kStr } type = kKind;
  event::StrField str = event::StrField::kAgent;  // when type == kStr
  std::string_view Name() const;
  bool operator==(const Label& o) const { return type == o.type && (type != kStr || str == o.str); }
};
Result<Label> ParseLabel(std::string_view name);
// Every label name, in schema order (for help and errors).
std::vector<std::string_view> AllLabelNames();

// A numeric field that can be aggregated.
struct Field {
  enum Kind : uint8_t { kDurationMs, kInt, kFloat } type = kDurationMs;
  uint8_t index = 0;  // event::IntField or event::FloatField
  std::string_view Name() const;
  bool operator==(const Field& o) const { return type == o.type && index == o.index; }
};
Result<Field> ParseField(std::string_view name);

struct Matcher {
  enum Op : uint8_t { kEq, kNe, kRegex, kNotRegex, kIn, kNotIn } op = kEq;
  Label label;
  std::vector<std::string> values;     // kEq/kNe: one value; kIn/kNotIn: many
  std::shared_ptr<const std::regex> re;  // kRegex/kNotRegex, anchored
  std::string pattern;
  // Whether a label value (empty string = absent) passes.
  bool Matches(std::string_view value) const;
};

struct Aggregate {
  // kErrors: rows with status = error; kErrorRate: errors / rows (NaN without rows).
  // kMad: median absolute deviation, from the same sketch as quantiles
  // (absolute error, see DDSketch::MedianAbsoluteDeviation).
  enum Op : uint8_t { kCount, kSum, kAvg, kMin, kMax, kQuantile, kErrors, kErrorRate, kMad } op = kCount;
  bool has_field = false;  // count() vs count(field): rows vs non-null values; false for errors, error_rate
  Field field;
  double q = 0;            // kQuantile
  std::string name;        // canonical output name, e.g. "p95(duration_ms)"
};
Result<Aggregate> ParseAggregate(std::string_view text);

// "order_by": "<aggregate> [asc|desc]": series ranked by that aggregate's value
// (desc by default; null values last either way; ties by label values,
// ascending); with `limit`, the top `limit` series. Only without step.
struct OrderBy {
  bool enabled = false;
  size_t aggregate = 0;  // index into QuerySpec::aggregates
  bool descending = true;
};

struct QuerySpec {
  int64_t from_us = INT64_MIN;  // inclusive, by event start time
  int64_t to_us = INT64_MAX;    // exclusive
  std::vector<Matcher> matchers;
  std::vector<Label> group_by;  // at most kMaxGroupBy
  int64_t step_us = 0;          // 0 = one point per series
  std::vector<Aggregate> aggregates;  // default: count
  size_t limit = 10000;         // max series; with order_by: how many of the top series to return
  OrderBy order_by;             // disabled: series sorted by label values, more than limit is an error
  static constexpr size_t kMaxGroupBy = 4;
  static constexpr size_t kMaxCells = 2000000;  // series x buckets
};

// Parses the JSON form; times relative to `now_us`.
Result<QuerySpec> ParseQuerySpec(std::string_view json, int64_t now_us);

}  // namespace agentperf::query
