// QueryResult: series of points, each point a time bucket with one value per
// aggregate, and its JSON form (docs/query.md).
// Thread-safety: an immutable value once built.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace agentperf::query {

struct Point {
  int64_t t_us = 0;            // bucket start; without step the query's from (or, when
                               // from is open, the earliest matching event start)
  std::vector<double> values;  // one per aggregate; NaN = no data (JSON null)
};

struct Series {
  std::vector<std::pair<std::string, std::string>> labels;  // group_by order; "" = absent
  std::vector<Point> points;                                // ascending time
};

struct QueryStats {
  uint64_t rows_scanned = 0;
  uint64_t rows_matched = 0;
  uint64_t blocks_scanned = 0;
  uint64_t blocks_skipped = 0;
  uint64_t rollup_cells = 0;  // pre-aggregated cells read instead of rows
  double elapsed_ms = 0;
};

struct QueryResult {
  std::vector<std::string> aggregate_names;
  int64_t step_us = 0;
  std::vector<Series> series;  // sorted by label values
  QueryStats stats;
};

// {"aggregates":[...],"step_ms":...,"series":[{"labels":{...},"points":[{"t":ms,"<agg>":v,...}]}],
//  "stats":{...}}. With include_stats=false the (timing-dependent) stats are left out.
std::string QueryResultToJson(const QueryResult& r, bool include_stats = true);

}  // namespace agentperf::query
