#include "analysis/baseline/baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

namespace agentperf::analysis {

namespace {

using event::SpanKind;
using event::StrField;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

query::Label StrLabel(StrField f) {
  query::Label l;
  l.type = query::Label::kStr;
  l.str = f;
  return l;
}

query::Matcher KindIs(SpanKind kind) {
  query::Matcher m;
  m.op = query::Matcher::kEq;
  m.label.type = query::Label::kKind;
  m.values.emplace_back(event::KindName(kind));
  return m;
}

// One grouped query: the values of each series, keyed by its labels projected
// onto `key_fields` (a subset of `group_by`).
struct Grouped {
  std::vector<std::string> names;
  struct Series {
    std::vector<std::string> labels;  // group_by order
    std::vector<double> values;
  };
  std::vector<Series> series;
};

class Runner {
 public:
  Runner(store::Store* store, const BaselineSpec& spec, BaselineTable* table)
      : store_(store), spec_(spec), table_(table) {}

  Result<Grouped> Run(SpanKind kind, const std::vector<StrField>& group_by, const std::vector<std::string>& aggs) {
    query::QuerySpec q;
    q.from_us = spec_.from_us;
    q.to_us = spec_.to_us;
    q.matchers = spec_.filters;
    q.matchers.push_back(KindIs(kind));
    for (StrField f : group_by) q.group_by.push_back(StrLabel(f));
    for (const std::string& a : aggs) {
      AP_ASSIGN_OR_RETURN(query::Aggregate agg, query::ParseAggregate(a));
      q.aggregates.push_back(std::move(agg));
    }
    q.limit = query::QuerySpec::kMaxCells;
    AP_ASSIGN_OR_RETURN(query::QueryResult r, store_->Query(q));
    table_->queries++;
    table_->rollup_cells += r.stats.rollup_cells;
    table_->rows_scanned += r.stats.rows_scanned;
    Grouped g;
    g.names = r.aggregate_names;
    for (auto& s : r.series) {
      if (s.points.empty()) continue;
      Grouped::Series out;
      for (auto& [k, v] : s.labels) out.labels.push_back(v);
      out.values = std::move(s.points.front().values);
      g.series.push_back(std::move(out));
    }
    return g;
  }

 private:
  store::Store* store_;
  const BaselineSpec& spec_;
  BaselineTable* table_;
};

std::string KeyOf(const std::vector<std::string>& labels) {
  std::string k;
  for (const std::string& l : labels) {
    k += l;
    k.push_back('\x1f');
  }
  return k;
}

double Z(double v) { return std::isfinite(v) ? v : 0; }

bool Has(const std::vector<StrField>& v, StrField f) { return std::find(v.begin(), v.end(), f) != v.end(); }

}  // namespace

Result<std::vector<StrField>> ParseGroupBy(std::string_view csv) {
  std::vector<StrField> out;
  while (!csv.empty()) {
    size_t comma = csv.find(',');
    std::string_view name = csv.substr(0, comma);
    StrField f;
    if (name == "agent") {
      f = StrField::kAgent;
    } else if (name == "model") {
      f = StrField::kModel;
    } else if (name == "provider") {
      f = StrField::kProvider;
    } else if (name == "tool") {
      f = StrField::kTool;
    } else {
      return Status::InvalidArgument(
          fmt::format("cannot group baselines by '{}': use agent, model, provider, tool (comma-separated)", name));
    }
    if (!Has(out, f)) out.push_back(f);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return out;
}

Result<BaselineTable> ComputeBaselines(store::Store* store, const BaselineSpec& in, const PriceTable& prices) {
  BaselineTable table;
  table.spec = in;
  BaselineSpec& spec = table.spec;
  for (StrField f : spec.group_by) {
    if (f != StrField::kAgent && f != StrField::kModel && f != StrField::kProvider && f != StrField::kTool) {
      return Status::InvalidArgument("baselines group by agent, model, provider or tool only");
    }
  }
  const bool by_tool = Has(spec.group_by, StrField::kTool);
  if (!spec.kind_set) spec.kind = by_tool ? SpanKind::kToolCall : SpanKind::kLlmCall;
  const auto start = std::chrono::steady_clock::now();
  Runner run(store, spec, &table);

  // 1. Durations and errors of the subject kind (rollups answer all of these).
  AP_ASSIGN_OR_RETURN(
      Grouped dur, run.Run(spec.kind, spec.group_by,
                           {"count", "errors", "avg(duration_ms)", "p25(duration_ms)", "p50(duration_ms)",
                            "p75(duration_ms)", "p90(duration_ms)", "p95(duration_ms)", "p99(duration_ms)",
                            "mad(duration_ms)", "sum(duration_ms)", "max(duration_ms)"}));
  std::map<std::string, BaselineRow> rows;
  for (const auto& s : dur.series) {
    BaselineRow& r = rows[KeyOf(s.labels)];
    for (size_t i = 0; i < spec.group_by.size(); ++i) {
      r.labels.emplace_back(std::string(query::Label(StrLabel(spec.group_by[i])).Name()), s.labels[i]);
    }
    const auto& v = s.values;
    r.count = static_cast<uint64_t>(Z(v[0]));
    r.errors = static_cast<uint64_t>(Z(v[1]));
    r.error_rate = r.count ? static_cast<double>(r.errors) / static_cast<double>(r.count) : kNaN;
    r.mean_ms = v[2];
    r.p50_ms = v[4];
    r.p90_ms = v[6];
    r.p95_ms = v[7];
    r.p99_ms = v[8];
    r.iqr_ms = v[5] - v[3];
    r.mad_ms = v[9];
    r.total_ms = Z(v[10]);
    r.max_ms = v[11];
    r.cache_hit_ratio = r.ttfc_p50_ms = r.ttfc_p95_ms = r.output_tokens_per_s = kNaN;
    r.steps_per_turn = r.retries_per_turn = r.tokens_per_turn = r.cost_per_turn = kNaN;
  }
  auto row_of = [&](const std::vector<std::string>& labels) -> BaselineRow* {
    auto it = rows.find(KeyOf(labels));
    return it == rows.end() ? nullptr : &it->second;
  };

  if (spec.kind == SpanKind::kLlmCall) {
    // 2. Tokens and cost, per (group, provider, model) so that missing costs
    //    can be estimated per model.
    std::vector<StrField> fine = spec.group_by;
    const size_t n = fine.size();
    if (!Has(fine, StrField::kProvider)) fine.push_back(StrField::kProvider);
    if (!Has(fine, StrField::kModel)) fine.push_back(StrField::kModel);
    const size_t prov_i = std::find(fine.begin(), fine.end(), StrField::kProvider) - fine.begin();
    const size_t model_i = std::find(fine.begin(), fine.end(), StrField::kModel) - fine.begin();
    AP_ASSIGN_OR_RETURN(Grouped tok, run.Run(SpanKind::kLlmCall, fine,
                                             {"count", "sum(tokens.input)", "sum(tokens.output)",
                                              "sum(tokens.reasoning)", "sum(tokens.cache_read)",
                                              "sum(tokens.cache_write)", "sum(cost)"}));
    for (const auto& s : tok.series) {
      BaselineRow* r = row_of(std::vector<std::string>(s.labels.begin(), s.labels.begin() + n));
      if (r == nullptr) continue;
      const auto& v = s.values;
      TokenCounts t{Z(v[1]), Z(v[2]), Z(v[3]), Z(v[4]), Z(v[5])};
      r->tokens_input += t.input;
      r->tokens_output += t.output;
      r->tokens_reasoning += t.reasoning;
      r->tokens_cache_read += t.cache_read;
      r->tokens_cache_write += t.cache_write;
      const double recorded = Z(v[6]);
      r->cost += recorded;
      const bool used_tokens = t.input + t.output + t.reasoning + t.cache_read + t.cache_write > 0;
      if (recorded == 0 && used_tokens) {
        auto est = prices.Estimate(s.labels[prov_i], s.labels[model_i], t);
        if (est) {
          r->cost += *est;
          r->cost_estimated += *est;
        } else {
          r->cost_unknown_calls += static_cast<uint64_t>(Z(v[0]));
        }
      }
    }
    for (auto& [k, r] : rows) {
      const double prompt = r.tokens_input + r.tokens_cache_read;
      r.cache_hit_ratio = prompt > 0 ? r.tokens_cache_read / prompt : kNaN;
    }
    // 3. Time to first chunk (a row scan: ttfc_ms is not in the rollups).
    AP_ASSIGN_OR_RETURN(Grouped ttfc, run.Run(SpanKind::kLlmCall, spec.group_by,
                                              {"count(ttfc_ms)", "p50(ttfc_ms)", "p95(ttfc_ms)"}));
    for (const auto& s : ttfc.series) {
      if (BaselineRow* r = row_of(s.labels)) {
        r->ttfc_count = static_cast<uint64_t>(Z(s.values[0]));
        r->ttfc_p50_ms = s.values[1];
        r->ttfc_p95_ms = s.values[2];
      }
    }
    // 4. Model time = step time − the wall time of its tools (tool time plus
    //    the permission waits taken out of it). Tool spans carry their
    //    step's agent, model and provider, so the same grouping lines up.
    for (auto& [k, r] : rows) r.model_ms = r.total_ms;
    for (SpanKind sub : {SpanKind::kToolCall, SpanKind::kPermissionWait}) {
      AP_ASSIGN_OR_RETURN(Grouped g, run.Run(sub, spec.group_by, {"sum(duration_ms)"}));
      for (const auto& s : g.series) {
        if (BaselineRow* r = row_of(s.labels)) r->model_ms -= Z(s.values[0]);
      }
    }
    for (auto& [k, r] : rows) {
      r.model_ms = std::max(0.0, r.model_ms);
      r.output_tokens_per_s = r.model_ms > 0 ? (r.tokens_output + r.tokens_reasoning) / (r.model_ms / 1000) : kNaN;
    }
  }

  // 5. Per turn: turns and retries of the same groups (turns have no tool).
  if (!by_tool) {
    AP_ASSIGN_OR_RETURN(Grouped turns, run.Run(SpanKind::kTurn, spec.group_by, {"count"}));
    AP_ASSIGN_OR_RETURN(Grouped retries, run.Run(SpanKind::kRetry, spec.group_by, {"count"}));
    for (const auto& s : turns.series) {
      if (BaselineRow* r = row_of(s.labels)) r->turns = static_cast<uint64_t>(Z(s.values[0]));
    }
    for (const auto& s : retries.series) {
      if (BaselineRow* r = row_of(s.labels)) r->retries = static_cast<uint64_t>(Z(s.values[0]));
    }
    for (auto& [k, r] : rows) {
      if (r.turns == 0) continue;
      const double t = static_cast<double>(r.turns);
      r.retries_per_turn = static_cast<double>(r.retries) / t;
      if (spec.kind == SpanKind::kLlmCall) {
        r.steps_per_turn = static_cast<double>(r.count) / t;
        r.tokens_per_turn =
            (r.tokens_input + r.tokens_output + r.tokens_reasoning + r.tokens_cache_read + r.tokens_cache_write) / t;
        r.cost_per_turn = r.cost / t;
      }
    }
  }
  for (auto& [k, r] : rows) table.rows.push_back(std::move(r));
  table.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return table;
}

void WriteBaselineJson(const BaselineTable& t, JsonWriter* w) {
  const bool llm = t.spec.kind == SpanKind::kLlmCall;
  w->BeginObject().Field("kind", event::KindName(t.spec.kind));
  w->Key("group_by").BeginArray();
  for (StrField f : t.spec.group_by) w->String(query::Label(StrLabel(f)).Name());
  w->EndArray();
  w->Key("from_ms");
  t.spec.from_us == INT64_MIN ? w->Null() : w->Int(t.spec.from_us / 1000);
  w->Key("to_ms");
  t.spec.to_us == INT64_MAX ? w->Null() : w->Int(t.spec.to_us / 1000);
  w->Field("relative_error", 0.005);
  w->Key("rows").BeginArray();
  for (const BaselineRow& r : t.rows) {
    w->BeginObject().Key("labels").BeginObject();
    for (const auto& [k, v] : r.labels) w->Field(k, v);
    w->EndObject();
    w->Field("count", r.count).Field("errors", r.errors).Field("error_rate", r.error_rate);
    w->Field("mean_ms", r.mean_ms).Field("p50_ms", r.p50_ms).Field("p90_ms", r.p90_ms).Field("p95_ms", r.p95_ms);
    w->Field("p99_ms", r.p99_ms).Field("max_ms", r.max_ms).Field("mad_ms", r.mad_ms).Field("iqr_ms", r.iqr_ms).Field("total_ms", r.total_ms);
    if (llm) {
      w->Key("tokens").BeginObject();
      w->Field("input", r.tokens_input).Field("output", r.tokens_output).Field("reasoning", r.tokens_reasoning);
      w->Field("cache_read", r.tokens_cache_read).Field("cache_write", r.tokens_cache_write).EndObject();
      w->Field("cost", r.cost).Field("cost_estimated", r.cost_estimated);
      w->Field("cost_unknown_calls", r.cost_unknown_calls).Field("cache_hit_ratio", r.cache_hit_ratio);
      w->Field("ttfc_count", r.ttfc_count).Field("ttfc_p50_ms", r.ttfc_p50_ms).Field("ttfc_p95_ms", r.ttfc_p95_ms);
      w->Field("model_ms", r.model_ms).Field("output_tokens_per_s", r.output_tokens_per_s);
    }
    if (!Has(t.spec.group_by, StrField::kTool)) {  // no per-turn figures for tool groups
      w->Field("turns", r.turns).Field("retries", r.retries).Field("retries_per_turn", r.retries_per_turn);
      if (llm) {
        w->Field("steps_per_turn", r.steps_per_turn).Field("tokens_per_turn", r.tokens_per_turn);
        w->Field("cost_per_turn", r.cost_per_turn);
      }
    }
    w->EndObject();
  }
  w->EndArray();
  w->Key("source").BeginObject();
  w->Field("queries", t.queries).Field("rollup_cells", t.rollup_cells).Field("rows_scanned", t.rows_scanned);
  w->Field("elapsed_ms", t.elapsed_ms).EndObject();
  w->EndObject();
}

}  // namespace agentperf::analysis
