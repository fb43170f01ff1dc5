#include "analysis/service/service.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>

#include "analysis/baseline/baseline.h"
#include "analysis/breakdown/load.h"
#include "analysis/breakdown/span_json.h"
#include "analysis/breakdown/sum_shares.h"
#include "analysis/correlate/correlate.h"
#include "analysis/outliers/outliers.h"
#include "analysis/decompose/attribution.h"
#include "analysis/rootcause/compare.h"
#include "analysis/decompose/critical_path.h"
#include "analysis/decompose/render.h"
#include "analysis/decompose/session_tree.h"
#include "core/json_writer.h"
#include "query/time_parse.h"

namespace agentperf::analysis {

namespace {

constexpr int64_t kDefaultWindowUs = 7LL * 24 * 3600 * 1000000;

const std::string* Find(const Params& p, std::string_view key) {
  for (const auto& [k, v] : p) {
    if (k == key) return &v;
  }
  return nullptr;
}

// The window and label filters every endpoint shares.
struct Common {
  int64_t from_us = 0, to_us = 0;
  std::vector<query::Matcher> filters;
};

Result<Common> ParseCommon(const Params& p, int64_t now_us) {
  Common c;
  c.to_us = now_us;
  if (const std::string* to = Find(p, "to")) {
    auto t = query::ParseTime(*to, now_us);
    if (!t.ok()) return t.status().WithContext("to");
    c.to_us = *t;
  }
  c.from_us = c.to_us - kDefaultWindowUs;
  if (const std::string* from = Find(p, "from")) {
    auto t = query::ParseTime(*from, now_us);
    if (!t.ok()) return t.status().WithContext("from");
    c.from_us = *t;
  }
  if (c.from_us >= c.to_us) return Status::InvalidArgument("from must be before to");
  for (std::string_view name : {"agent", "model", "provider", "tool"}) {
    const std::string* v = Find(p, name);
    if (v == nullptr) continue;
    if (v->empty()) return Status::InvalidArgument(fmt::format("{}: empty value", name));
    AP_ASSIGN_OR_RETURN(query::Label label, query::ParseLabel(name));
    query::Matcher m;
    m.label = label;
    std::string_view rest = *v;
    while (true) {
      size_t bar = rest.find('|');
      m.values.emplace_back(rest.substr(0, bar));
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
    m.op = m.values.size() == 1 ? query::Matcher::kEq : query::Matcher::kIn;
    c.filters.push_back(std::move(m));
  }
  return c;
}

// Where the time went per agent over the window's turns. "exact": the
// decomposition of every turn (a scan: it needs every span with its
// attributes; about 6 µs per span); "sums": from rollup sums (sum_shares.h);
// "auto": exact up to kExactSpans spans in the window, else sums.
constexpr uint64_t kExactSpans = 50000;
constexpr uint64_t kExactSpansMax = 2000000;

Result<uint64_t> CountSpans(store::Store* store, const Common& c) {
  query::QuerySpec q;
  q.from_us = c.from_us;
  q.to_us = c.to_us;
  q.matchers = c.filters;
  AP_ASSIGN_OR_RETURN(query::Aggregate count, query::ParseAggregate("count"));
  q.aggregates = {count};
  AP_ASSIGN_OR_RETURN(query::QueryResult r, store->Query(q));
  if (r.series.empty() || r.series[0].points.empty()) return uint64_t{0};
  return static_cast<uint64_t>(r.series[0].points[0].values[0]);
}

Result<std::string> TimeShares(store::Store* store, const Common& c, std::string_view method) {
  if (method != "auto" && method != "exact" && method != "sums") {
    return Status::InvalidArgument(fmt::format("method: '{}' is not auto, exact or sums", method));
  }
  const auto t0 = std::chrono::steady_clock::now();
  AP_ASSIGN_OR_RETURN(uint64_t spans_in_window, CountSpans(store, c));
  const bool exact = method == "exact" || (method == "auto" && spans_in_window <= kExactSpans);
  if (exact && spans_in_window > kExactSpansMax) {
    return Status::InvalidArgument(fmt::format(
        "method=exact: {} spans in the window (at most {}): use a shorter window or method=sums", spans_in_window,
        kExactSpansMax));
  }
  decompose::AgentTimeShares shares;
  LoadStats stats;
  if (exact) {
    AP_ASSIGN_OR_RETURN(std::vector<decompose::Span> spans, LoadWindowSpans(store, c.from_us, c.to_us, &stats));
    decompose::SpanTree tree = decompose::BuildTree(std::move(spans));
    shares = decompose::AggregateByAgent(tree);
    for (const query::Matcher& m : c.filters) {
      if (m.label.type != query::Label::kStr || m.label.str != event::StrField::kAgent) continue;
      std::erase_if(shares.agents, [&](const decompose::AgentShare& a) { return !m.Matches(a.agent); });
    }
  } else {
    AP_ASSIGN_OR_RETURN(shares, SharesFromSums(store, c.from_us, c.to_us, c.filters));
  }
  JsonWriter w;
  w.BeginObject();
  decompose::WriteAgentSharesFields(shares, &w);
  w.Field("method", exact ? "exact" : "sums").Key("source").BeginObject();
  w.Field("spans_in_window", spans_in_window).Field("spans_read", stats.events);
  w.Field("elapsed_ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  w.EndObject().EndObject();
  return w.Take();
}

// A number parameter in [lo, hi], or `def` when absent.
Result<double> NumberParam(const Params& p, std::string_view name, double def, double lo, double hi) {
  const std::string* v = Find(p, name);
  if (v == nullptr) return def;
  double d = 0;
  const char* end = v->data() + v->size();
  auto [ptr, ec] = std::from_chars(v->data(), end, d);
  if (ec != std::errc() || ptr != end || !(d >= lo && d <= hi)) {
    return Status::InvalidArgument(fmt::format("{}: '{}' is not a number in [{}, {}]", name, *v, lo, hi));
  }
  return d;
}

// A spec (BaselineSpec, OutlierSpec, CorrelationSpec) for the window and filters.
template <typename Spec>
Spec ForWindow(const Common& c) {
  Spec spec;
  spec.from_us = c.from_us;
  spec.to_us = c.to_us;
  spec.filters = c.filters;
  return spec;
}

void WriteWindow(const Common& c, JsonWriter* w) {
  w->Key("window").BeginObject().Field("from_ms", c.from_us / 1000).Field("to_ms", c.to_us / 1000).EndObject();
}

// {"window":{..},"<key>":<what write writes>}
std::string InWindow(const Common& c, std::string_view key, const std::function<void(JsonWriter*)>& write) {
  JsonWriter w;
  w.BeginObject();
  WriteWindow(c, &w);
  w.Key(key);
  write(&w);
  w.EndObject();
  return w.Take();
}

}  // namespace

std::vector<std::string_view> AnalysisService::Endpoints() {
  return {"baselines", "breakdown", "compare", "correlations", "explain", "outliers", "report"};
}

// The parameters each endpoint takes; any other is refused by name.
Status CheckParams(std::string_view endpoint, const Params& params) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kTaken = {
      {"baselines", {"from", "to", "agent", "model", "provider", "tool", "group_by", "kind"}},
      {"breakdown", {"from", "to", "agent", "model", "provider", "tool", "method"}},
      {"compare", {"before", "after", "anomaly", "with", "kind", "metric", "agent", "model", "provider", "tool"}},
      {"correlations", {"from", "to", "agent", "model", "provider", "tool", "alpha", "min_effect"}},
      {"explain", {"session"}},
      {"outliers", {"from", "to", "agent", "model", "provider", "tool", "kind", "threshold", "top"}},
      {"report", {"from", "to", "agent", "model", "provider", "tool"}},
  };
  for (const auto& [name, taken] : kTaken) {
    if (name != endpoint) continue;
    for (const auto& [k, v] : params) {
      if (std::find(taken.begin(), taken.end(), k) == taken.end()) {
        return Status::InvalidArgument(
            fmt::format("{}: unknown parameter '{}' (it takes: {})", endpoint, k, fmt::join(taken, ", ")));
      }
    }
  }
  return Status::OK();
}

Result<std::string> AnalysisService::Answer(std::string_view endpoint, const Params& params, int64_t now_us) const {
  AP_RETURN_IF_ERROR(CheckParams(endpoint, params));
  if (endpoint == "baselines") return Baselines(params, now_us);
  if (endpoint == "report") return Report(params, now_us);
  if (endpoint == "breakdown") return Breakdown(params, now_us);
  if (endpoint == "explain") return Explain(params);
  if (endpoint == "compare") return Compare(params, now_us);
  if (endpoint == "outliers") return Outliers(params, now_us);
  if (endpoint == "correlations") return Correlations(params, now_us);
  return Status::NotFound(fmt::format("no analysis endpoint '{}'", endpoint));
}

Result<std::string> AnalysisService::Baselines(const Params& params, int64_t now_us) const {
  AP_ASSIGN_OR_RETURN(Common c, ParseCommon(params, now_us));
  BaselineSpec spec = ForWindow<BaselineSpec>(c);
  const std::string* g = Find(params, "group_by");
  auto group_by = ParseGroupBy(g != nullptr ? *g : "agent");
  if (!group_by.ok()) return group_by.status().WithContext("group_by");
  spec.group_by = std::move(group_by).value();
  if (const std::string* k = Find(params, "kind")) {
    if (!event::ParseKind(*k, &spec.kind)) return Status::InvalidArgument(fmt::format("kind: unknown kind '{}'", *k));
    spec.kind_set = true;
  }
  AP_ASSIGN_OR_RETURN(BaselineTable t, ComputeBaselines(store_, spec, prices_));
  JsonWriter w;
  WriteBaselineJson(t, &w);
  return w.Take();
}

Result<std::string> AnalysisService::Report(const Params& params, int64_t now_us) const {
  AP_ASSIGN_OR_RETURN(Common c, ParseCommon(params, now_us));
  BaselineSpec agents = ForWindow<BaselineSpec>(c);
  agents.group_by = {event::StrField::kAgent};
  BaselineSpec tools = agents;
  tools.group_by = {event::StrField::kAgent, event::StrField::kTool};
  BaselineSpec waits = agents;
  waits.kind = event::SpanKind::kPermissionWait;
  waits.kind_set = true;
  AP_ASSIGN_OR_RETURN(BaselineTable a, ComputeBaselines(store_, agents, prices_));
  AP_ASSIGN_OR_RETURN(BaselineTable t, ComputeBaselines(store_, tools, prices_));
  AP_ASSIGN_OR_RETURN(BaselineTable p, ComputeBaselines(store_, waits, prices_));
  JsonWriter w;
  w.BeginObject();
  WriteWindow(c, &w);
  w.Field("prices", PriceTable::BundledSource());
  w.Key("agents");
  WriteBaselineJson(a, &w);
  w.Key("tools");
  WriteBaselineJson(t, &w);
  w.Key("permission_waits");
  WriteBaselineJson(p, &w);
  AP_ASSIGN_OR_RETURN(std::string shares, TimeShares(store_, c, "auto"));
  w.Key("time_shares").Raw(shares);
  w.EndObject();
  return w.Take();
}

Result<std::string> AnalysisService::Breakdown(const Params& params, int64_t now_us) const {
  AP_ASSIGN_OR_RETURN(Common c, ParseCommon(params, now_us));
  const std::string* method = Find(params, "method");
  AP_ASSIGN_OR_RETURN(std::string shares, TimeShares(store_, c, method != nullptr ? *method : "auto"));
  JsonWriter w;
  w.BeginObject();
  WriteWindow(c, &w);
  w.Key("time_shares").Raw(shares).EndObject();
  return w.Take();
}

// compare?anomaly=FROM..TO: the baseline is this many anomaly lengths long.
constexpr int64_t kAnomalyBaselines = 4;

// "FROM..TO" (times as in query/time_parse.h).
Result<std::pair<int64_t, int64_t>> ParseRange(std::string_view name, const std::string* text, int64_t now_us) {
  if (text == nullptr) return Status::InvalidArgument(fmt::format("{}: required, as FROM..TO (e.g. -14d..-7d)", name));
  const size_t dots = text->find("..");
  if (dots == std::string::npos) return Status::InvalidArgument(fmt::format("{}: '{}' is not FROM..TO", name, *text));
  auto from = query::ParseTime(std::string_view(*text).substr(0, dots), now_us);
  auto to = query::ParseTime(std::string_view(*text).substr(dots + 2), now_us);
  if (!from.ok()) return from.status().WithContext(name);
  if (!to.ok()) return to.status().WithContext(name);
  if (*from >= *to) return Status::InvalidArgument(fmt::format("{}: FROM must be before TO", name));
  return std::make_pair(*from, *to);
}

Result<std::string> AnalysisService::Compare(const Params& params, int64_t now_us) const {
  Params rest;  // the label filters
  for (const auto& [k, v] : params) {
    if (k != "before" && k != "after" && k != "anomaly" && k != "with" && k != "kind" && k != "metric") {
      rest.emplace_back(k, v);
    }
  }
  AP_ASSIGN_OR_RETURN(Common c, ParseCommon(rest, now_us));
  CompareSpec spec;
  spec.filters = c.filters;
  std::pair<int64_t, int64_t> before, after;
  if (const std::string* anomaly = Find(params, "anomaly")) {
    // An anomaly's window against the baseline before it: by default the
    // kAnomalyBaselines times longer window just before the anomaly.
    if (Find(params, "after") != nullptr) return Status::InvalidArgument("compare: give anomaly or after, not both");
    AP_ASSIGN_OR_RETURN(after, ParseRange("anomaly", anomaly, now_us));
    const int64_t len = after.second - after.first;
    before = {after.first - kAnomalyBaselines * len, after.first};
    if (const std::string* b = Find(params, "before")) {
      AP_ASSIGN_OR_RETURN(before, ParseRange("before", b, now_us));
    }
  } else {
    AP_ASSIGN_OR_RETURN(before, ParseRange("before", Find(params, "before"), now_us));
    AP_ASSIGN_OR_RETURN(after, ParseRange("after", Find(params, "after"), now_us));
  }
  if (const std::string* with = Find(params, "with")) {
    if (*with != "version") return Status::InvalidArgument(fmt::format("with: '{}' is not version", *with));
    spec.with_version = true;
  }
  spec.a_from_us = before.first;
  spec.a_to_us = before.second;
  spec.b_from_us = after.first;
  spec.b_to_us = after.second;
  if (const std::string* k = Find(params, "kind")) {
    if (!event::ParseKind(*k, &spec.kind)) return Status::InvalidArgument(fmt::format("kind: unknown kind '{}'", *k));
  }
  if (const std::string* m = Find(params, "metric")) spec.metric = *m;
  return CompareWindows(store_, spec);
}

Result<std::string> AnalysisService::Explain(const Params& params) const {
  const std::string* id = Find(params, "session");
  if (id == nullptr || id->empty()) return Status::InvalidArgument("explain: the session parameter is required");
  LoadStats stats;
  AP_ASSIGN_OR_RETURN(std::vector<decompose::Span> spans, LoadSessionSpans(store_, *id, &stats));
  decompose::SpanTree tree = decompose::BuildTree(spans);
  const decompose::NodeId root = tree.FindSession(*id);
  if (root == decompose::kNoNode) return Status::NotFound(fmt::format("no session '{}' among the stored spans", *id));
  // Only the session's own subtree goes back to the client.
  std::vector<decompose::Span> mine;
  for (decompose::NodeId n : tree.Subtree(root)) mine.push_back(tree.node(n).span);
  JsonWriter w;
  w.BeginObject().Field("session_id", *id);
  w.Key("breakdown").Raw(decompose::BreakdownJson(tree, root));
  w.Key("turns").BeginArray();
  for (const decompose::TurnBreakdown& t : decompose::AttributeSessionTurns(tree, *id)) {
    w.Raw(decompose::BreakdownJson(tree, t.breakdown, decompose::CriticalPath(tree, t.turn)));
  }
  w.EndArray();
  w.Key("spans");
  WriteSpansJson(mine, &w);
  w.Key("source").BeginObject().Field("events", stats.events).Field("scan_ms", stats.elapsed_ms).EndObject();
  w.EndObject();
  return w.Take();
}

Result<std::string> AnalysisService::Outliers(const Params& params, int64_t now_us) const {
  AP_ASSIGN_OR_RETURN(Common c, ParseCommon(params, now_us));
  OutlierSpec spec = ForWindow<OutlierSpec>(c);
  if (const std::string* k = Find(params, "kind")) {
    spec.kinds.clear();
    std::string_view rest = *k;
    while (true) {
      const size_t comma = rest.find(',');
      const std::string_view name = rest.substr(0, comma);
      event::SpanKind kind;
      if (!event::ParseKind(name, &kind) ||
          (kind != event::SpanKind::kTurn && kind != event::SpanKind::kLlmCall &&
           kind != event::SpanKind::kToolCall && kind != event::SpanKind::kSession)) {
        return Status::InvalidArgument(
            fmt::format("kind: '{}' is not one of turn, llm_call, tool_call, session", name));
      }
      spec.kinds.push_back(kind);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  AP_ASSIGN_OR_RETURN(spec.threshold, NumberParam(params, "threshold", spec.threshold, 1, 1000));
  AP_ASSIGN_OR_RETURN(double top, NumberParam(params, "top", static_cast<double>(spec.top), 0, 1000));
  spec.top = static_cast<size_t>(top);
  AP_ASSIGN_OR_RETURN(OutlierReport r, FindOutliers(store_, spec));
  return InWindow(c, "outliers", [&](JsonWriter* w) { WriteOutliersJson(r, w); });
}

Result<std::string> AnalysisService::Correlations(const Params& params, int64_t now_us) const {
  AP_ASSIGN_OR_RETURN(Common c, ParseCommon(params, now_us));
  CorrelationSpec spec = ForWindow<CorrelationSpec>(c);
  AP_ASSIGN_OR_RETURN(spec.alpha, NumberParam(params, "alpha", spec.alpha, 0, 1));
  AP_ASSIGN_OR_RETURN(spec.min_effect, NumberParam(params, "min_effect", spec.min_effect, 0, 1));
  AP_ASSIGN_OR_RETURN(CorrelationReport r, FindCorrelations(store_, spec));
  return InWindow(c, "correlations", [&](JsonWriter* w) { WriteCorrelationsJson(r, w); });
}

}  // namespace agentperf::analysis
