#include "analysis/outliers/outliers.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace agentperf::analysis {

namespace {

using event::SpanKind;
using event::StrField;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Round2(double v) {
  return std::isfinite(v) ? std::round(v * 100.0) / 100.0 : v;
}
double Finite(double v) {
  return std::isfinite(v) ? v : 0;
}

query::Label StrLabel(StrField f) {
  query::Label l;
  l.type = query::Label::kStr;
  l.str = f;
  return l;
}

query::Matcher KindIn(const std::vector<SpanKind>& kinds) {
  query::Matcher m;
  m.op = query::Matcher::kIn;
  m.label.type = query::Label::kKind;
  for (SpanKind k : kinds) m.values.emplace_back(event::KindName(k));
  return m;
}

// The group key of (kind, agent, tool) in `out` (reused: no allocation once grown).
void KeyOf(SpanKind kind, std::string_view agent, std::string_view tool, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kind));
  out->append(agent);
  out->push_back('\x1f');
  out->append(tool);
}

// A label's value on an event, as the query engine sees it ("" = absent).
std::string_view LabelValue(const event::Event& e, const query::Label& l) {
  switch (l.type) {
    case query::Label::kKind:
      return event::KindName(e.kind);
    case query::Label::kStatus:
      return event::StatusName(e.status);
    case query::Label::kStr:
      return e.Str(l.str);
  }
  return {};
}

// A candidate for a group's top list, ranked by z (larger first), then
// earlier start, then span id.
struct Candidate {
  double z = 0;  // unrounded
  int64_t start_us = 0;
  OutlierSpan span;
};
bool Better(double za, int64_t sa, std::string_view ida, double zb, int64_t sb, std::string_view idb) {
  if (za != zb) return za > zb;
  if (sa != sb) return sa < sb;
  return ida < idb;
}
bool Better(const Candidate& a, const Candidate& b) {
  return Better(a.z, a.start_us, a.span.span_id, b.z, b.start_us, b.span.span_id);
}

struct GroupState {
  OutlierGroup group;
  bool judged = false;
  std::vector<Candidate> heap;  // front = the worst kept (heap ordered by Better)
};

struct SessionState {
  std::string agent;
  uint64_t count = 0;
  double max_z = -std::numeric_limits<double>::infinity();
};

}  // namespace

Result<OutlierReport> FindOutliers(store::Store* store, const OutlierSpec& in) {
  const auto t0 = std::chrono::steady_clock::now();
  OutlierReport report;
  report.spec = in;
  OutlierSpec& spec = report.spec;
  if (spec.from_us >= spec.to_us) return Status::InvalidArgument("outliers: the window is empty (from >= to)");
  if (spec.kinds.empty()) return Status::InvalidArgument("outliers: no span kind to examine");
  std::sort(spec.kinds.begin(), spec.kinds.end());
  spec.kinds.erase(std::unique(spec.kinds.begin(), spec.kinds.end()), spec.kinds.end());
  for (SpanKind k : spec.kinds) {
    if (k == SpanKind::kSample) return Status::InvalidArgument("outliers: samples have no duration to judge");
  }
  if (!std::isfinite(spec.threshold) || spec.threshold < 0) {
    return Status::InvalidArgument(
        fmt::format("outliers: the threshold must be a number >= 0, not {}", spec.threshold));
  }

  // 1. Per kind: count, median, p90 and MAD of each group (rollups).
  std::vector<query::Aggregate> aggs;
  for (const char* a : {"count", "p50(duration_ms)", "p90(duration_ms)", "mad(duration_ms)"}) {
    AP_ASSIGN_OR_RETURN(query::Aggregate agg, query::ParseAggregate(a));
    aggs.push_back(std::move(agg));
  }
  std::vector<GroupState> groups;
  std::unordered_map<std::string, size_t> index;
  std::string key;
  uint64_t total = 0;
  for (SpanKind kind : spec.kinds) {
    const bool by_tool = kind == SpanKind::kToolCall;
    query::QuerySpec q;
    q.from_us = spec.from_us;
    q.to_us = spec.to_us;
    q.matchers = spec.filters;
    q.matchers.push_back(KindIn({kind}));
    q.group_by.push_back(StrLabel(StrField::kAgent));
    if (by_tool) q.group_by.push_back(StrLabel(StrField::kTool));
    q.aggregates = aggs;
    q.limit = query::QuerySpec::kMaxCells;
    AP_ASSIGN_OR_RETURN(query::QueryResult r, store->Query(q));
    report.queries++;
    report.rollup_cells += r.stats.rollup_cells;
    for (const query::Series& s : r.series) {
      if (s.points.empty() || s.labels.size() != q.group_by.size()) continue;
      const std::vector<double>& v = s.points.front().values;
      const uint64_t count = static_cast<uint64_t>(Finite(v[0]));
      if (count == 0) continue;
      GroupState st;
      OutlierGroup& g = st.group;
      g.kind = kind;
      g.agent = s.labels[0].second;
      if (by_tool) g.tool = s.labels[1].second;
      g.count = count;
      g.median_ms = v[1];
      g.p90_ms = v[2];
      g.mad_ms = v[3];
      total += count;
      if (count < kMinGroupCount) {
        g.too_few = true;
      } else if (std::isfinite(g.mad_ms) && g.mad_ms > 0) {
        g.scale_ms = kMadToSigma * g.mad_ms;
      } else if (std::isfinite(g.p90_ms) && std::isfinite(g.median_ms) && g.p90_ms > g.median_ms) {
        g.scale_ms = (g.p90_ms - g.median_ms) / kP90Z;
        g.quantile_scale = true;
      } else {
        g.degenerate = true;
      }
      st.judged = g.scale_ms > 0 && std::isfinite(g.median_ms);
      KeyOf(kind, g.agent, g.tool, &key);
      index.emplace(key, groups.size());
      groups.push_back(std::move(st));
    }
  }

  // 2. The scan reads every span of these kinds in the window (label filters
  //    are applied here, after reading): bound it by the unfiltered count.
  if (!spec.filters.empty()) {
    query::QuerySpec q;
    q.from_us = spec.from_us;
    q.to_us = spec.to_us;
    q.matchers.push_back(KindIn(spec.kinds));
    AP_ASSIGN_OR_RETURN(query::Aggregate count, query::ParseAggregate("count"));
    q.aggregates = {count};
    AP_ASSIGN_OR_RETURN(query::QueryResult r, store->Query(q));
    report.queries++;
    report.rollup_cells += r.stats.rollup_cells;
    total = 0;
    for (const query::Series& s : r.series) {
      for (const query::Point& p : s.points) total += static_cast<uint64_t>(Finite(p.values[0]));
    }
  }
  if (total > spec.max_spans) {
    return Status::InvalidArgument(
        fmt::format("outliers: the window holds {} spans of the kinds examined, more than the limit of {}; "
                    "narrow the window or the kinds",
                    total, spec.max_spans));
  }

  // 3. One scan: z of every span against its group.
  bool any_judged = false;
  for (const GroupState& g : groups) any_judged |= g.judged;
  std::unordered_map<std::string, SessionState> sessions;
  if (any_judged) {
    store::ScanFilter filter;
    filter.from_us = spec.from_us;
    filter.to_us = spec.to_us;
    filter.kinds = spec.kinds;
    filter.ids = true;
    filter.labels_only = false;
    std::string session_key;
    AP_RETURN_IF_ERROR(store->Scan(filter, [&](const event::EventBatch& b) {
      for (const event::Event& e : b.events) {
        if (e.kind == SpanKind::kSample) continue;
        report.spans_read++;
        bool pass = true;
        for (const query::Matcher& m : spec.filters) {
          if (!m.Matches(LabelValue(e, m.label))) {
            pass = false;
            break;
          }
        }
        if (!pass) continue;
        const std::string_view agent = e.Str(StrField::kAgent);
        const std::string_view tool = e.kind == SpanKind::kToolCall ? e.Str(StrField::kTool) : std::string_view();
        KeyOf(e.kind, agent, tool, &key);
        auto it = index.find(key);
        if (it == index.end()) continue;  // e.g. ingested after the queries
        GroupState& st = groups[it->second];
        if (!st.judged) continue;
        OutlierGroup& g = st.group;
        const double duration_ms = static_cast<double>(e.duration_us()) / 1000.0;
        const double z = (duration_ms - g.median_ms) / g.scale_ms;
        if (!(z > spec.threshold)) continue;
        g.outliers++;
        std::string_view span_id = e.Str(StrField::kSpanId);
        const std::string_view session_id = e.Str(StrField::kSessionId);
        if (e.kind == SpanKind::kSession && span_id.empty()) span_id = session_id;
        if (!session_id.empty()) {
          session_key.assign(session_id);
          auto [sit, fresh] = sessions.try_emplace(session_key);
          if (fresh) sit->second.agent.assign(agent);
          sit->second.count++;
          sit->second.max_z = std::max(sit->second.max_z, z);
        }
        if (spec.top == 0) continue;
        auto by_better = [](const Candidate& a, const Candidate& b) { return Better(a, b); };
        if (st.heap.size() >= spec.top) {
          const Candidate& worst = st.heap.front();
          if (!Better(z, e.start_us, span_id, worst.z, worst.start_us, worst.span.span_id)) continue;
          std::pop_heap(st.heap.begin(), st.heap.end(), by_better);
          st.heap.pop_back();
        }
        Candidate c;
        c.z = z;
        c.start_us = e.start_us;
        OutlierSpan& s = c.span;
        s.span_id.assign(span_id);
        s.session_id.assign(session_id);
        s.kind = e.kind;
        s.agent.assign(agent);
        s.tool.assign(tool);
        s.model.assign(e.Str(StrField::kModel));
        s.start_ms = e.start_us / 1000;
        s.duration_ms = duration_ms;
        s.z = Round2(z);
        s.x_median = g.median_ms > 0 ? Round2(duration_ms / g.median_ms) : kNaN;
        st.heap.push_back(std::move(c));
        std::push_heap(st.heap.begin(), st.heap.end(), by_better);
      }
      return Status::OK();
    }));
  }

  // 4. Assemble: groups by outliers, sessions by outlying spans.
  for (GroupState& st : groups) {
    std::sort(st.heap.begin(), st.heap.end(), [](const Candidate& a, const Candidate& b) { return Better(a, b); });
    for (Candidate& c : st.heap) st.group.spans.push_back(std::move(c.span));
    report.groups.push_back(std::move(st.group));
  }
  std::sort(report.groups.begin(), report.groups.end(), [](const OutlierGroup& a, const OutlierGroup& b) {
    if (a.outliers != b.outliers) return a.outliers > b.outliers;
    const std::string_view ka = event::KindName(a.kind), kb = event::KindName(b.kind);
    if (ka != kb) return ka < kb;
    if (a.agent != b.agent) return a.agent < b.agent;
    return a.tool < b.tool;
  });
  report.sessions.reserve(sessions.size());
  for (auto& [id, s] : sessions) {
    OutlierSession o;
    o.session_id = id;
    o.agent = std::move(s.agent);
    o.outlying_spans = s.count;
    o.max_z = s.max_z;  // rounded below, after ranking on the exact value
    report.sessions.push_back(std::move(o));
  }
  std::sort(report.sessions.begin(), report.sessions.end(), [](const OutlierSession& a, const OutlierSession& b) {
    if (a.outlying_spans != b.outlying_spans) return a.outlying_spans > b.outlying_spans;
    if (a.max_z != b.max_z) return a.max_z > b.max_z;
    return a.session_id < b.session_id;
  });
  if (report.sessions.size() > spec.top_sessions) report.sessions.resize(spec.top_sessions);
  for (OutlierSession& s : report.sessions) s.max_z = Round2(s.max_z);
  report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

void WriteOutliersJson(const OutlierReport& r, JsonWriter* w) {
  w->BeginObject().Field("threshold", r.spec.threshold);
  w->Field("method", "modified z = (x - median) / (1.4826 MAD)");
  w->Key("from_ms");
  r.spec.from_us == INT64_MIN ? w->Null() : w->Int(r.spec.from_us / 1000);
  w->Key("to_ms");
  r.spec.to_us == INT64_MAX ? w->Null() : w->Int(r.spec.to_us / 1000);
  w->Field("groups_examined", static_cast<uint64_t>(r.groups.size()));
  auto labels = [&](const OutlierGroup& g) {
    w->Field("kind", event::KindName(g.kind)).Field("agent", g.agent);
    if (g.kind == event::SpanKind::kToolCall) w->Field("tool", g.tool);
    w->Field("count", g.count).Field("median_ms", g.median_ms);
  };
  w->Key("groups").BeginArray();
  for (const OutlierGroup& g : r.groups) {
    if (g.outliers == 0) continue;
    w->BeginObject();
    labels(g);
    w->Field("mad_ms", g.mad_ms).Field("scale_ms", g.scale_ms);
    w->Field("scale_from", g.quantile_scale ? "p90" : "mad").Field("outliers", g.outliers);
    w->Key("spans").BeginArray();
    for (const OutlierSpan& s : g.spans) {
      w->BeginObject().Field("span_id", s.span_id).Field("session_id", s.session_id);
      if (!s.model.empty()) w->Field("model", s.model);
      w->Field("start_ms", s.start_ms).Field("duration_ms", s.duration_ms);
      w->Field("z", s.z).Field("x_median", s.x_median).EndObject();
    }
    w->EndArray().EndObject();
  }
  w->EndArray();
  w->Key("not_judged").BeginArray();
  for (const OutlierGroup& g : r.groups) {
    if (!g.too_few && !g.degenerate) continue;
    w->BeginObject();
    labels(g);
    w->Field("scale_ms", g.scale_ms);
    if (g.too_few) w->Field("too_few", true);
    if (g.degenerate) w->Field("degenerate", true);
    w->EndObject();
  }
  w->EndArray();
  w->Key("sessions").BeginArray();
  for (const OutlierSession& s : r.sessions) {
    w->BeginObject().Field("session_id", s.session_id).Field("agent", s.agent);
    w->Field("outlying_spans", s.outlying_spans).Field("max_z", s.max_z).EndObject();
  }
  w->EndArray();
  w->Key("source").BeginObject();
  w->Field("spans_read", r.spans_read).Field("queries", r.queries).Field("rollup_cells", r.rollup_cells);
  w->Field("elapsed_ms", r.elapsed_ms).EndObject();
  w->EndObject();
}

}  // namespace agentperf::analysis
