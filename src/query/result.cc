#include "query/result.h"

#include "core/json_writer.h"

namespace agentperf::query {

std::string QueryResultToJson(const QueryResult& r, bool include_stats) {
  JsonWriter w;
  w.BeginObject();
  w.Key("aggregates").BeginArray();
  for (const auto& n : r.aggregate_names) w.String(n);
  w.EndArray();
  w.Key("step_ms");
  if (r.step_us > 0) w.Double(static_cast<double>(r.step_us) / 1000.0);
  else w.Null();
  w.Key("series").BeginArray();
  for (const auto& s : r.series) {
    w.BeginObject();
    w.Key("labels").BeginObject();
    for (const auto& [k, v] : s.labels) w.Field(k, v);
    w.EndObject();
    w.Key("points").BeginArray();
    for (const auto& p : s.points) {
      w.BeginObject();
      w.Key("t").Double(static_cast<double>(p.t_us) / 1000.0);
      for (size_t i = 0; i < p.values.size(); ++i) w.Key(r.aggregate_names[i]).Double(p.values[i]);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  if (include_stats) {
    w.Key("stats").BeginObject();
    w.Field("rows_scanned", r.stats.rows_scanned);
    w.Field("rows_matched", r.stats.rows_matched);
    w.Field("blocks_scanned", r.stats.blocks_scanned);
    w.Field("blocks_skipped", r.stats.blocks_skipped);
    w.Field("rollup_cells", r.stats.rollup_cells);
    w.Field("elapsed_ms", r.stats.elapsed_ms);
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace agentperf::query
