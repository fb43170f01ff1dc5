#include "analysis/rootcause/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>

#include "analysis/stats/bootstrap.h"
#include "analysis/stats/contribution.h"
#include "analysis/stats/rank.h"
#include "core/json_writer.h"

namespace agentperf::analysis {

namespace {

using event::StrField;
constexpr StrField kDims[] = {StrField::kAgent, StrField::kModel, StrField::kProvider, StrField::kTool};
constexpr size_t kTopValues = 5;
constexpr int kResamples = 500;
constexpr size_t kBootstrapN = 5000;

query::Matcher KindIs(event::SpanKind kind) {
  query::Matcher m;
  m.label.type = query::Label::kKind;
  m.values.emplace_back(event::KindName(kind));
  return m;
}

std::string_view LabelOf(const event::Event& e, const query::Label& l) {
  if (l.type == query::Label::kKind) return event::KindName(e.kind);
  if (l.type == query::Label::kStatus) return event::StatusName(e.status);
  return e.Str(l.str);
}

// Durations (ms) of the window's spans, overall and per (dimension, value),
// at most `cap` per series, spread over kSlices time slices.
struct Samples {
  std::vector<double> all;
  // Per dimension (kDims order): value -> durations.
  std::array<std::map<std::string, std::vector<double>, std::less<>>, 4> by_value;
  uint64_t spans_read = 0;
};

Status Sample(store::Store* store, const CompareSpec& spec, int64_t from, int64_t to, double spans_in_window,
              Samples* out) {
  store::ScanFilter f;
  f.from_us = from;
  f.to_us = to;
  f.kinds = {spec.kind};
  f.ids = false;
  f.labels_only = true;
  // Blocks hold spans of every kind: read about twice the sample of all kinds.
  const double want = static_cast<double>(spec.max_samples) * 2;
  f.block_stride = spans_in_window > want ? static_cast<uint32_t>(std::ceil(spans_in_window / want)) : 1;
  return store->Scan(f, [&](const event::EventBatch& b) -> Status {
    for (const event::Event& e : b.events) {
      bool pass = true;
      for (const query::Matcher& m : spec.filters) pass = pass && m.Matches(LabelOf(e, m.label));
      if (!pass) continue;
      ++out->spans_read;
      const double ms = static_cast<double>(e.duration_us()) / 1000.0;
      out->all.push_back(ms);
      for (int d = 0; d < 4; ++d) {
        auto& m = out->by_value[d];
        const std::string_view v = e.Str(kDims[d]);
        auto it = m.find(v);
        if (it == m.end()) it = m.emplace(std::string(v), std::vector<double>()).first;
        it->second.push_back(ms);
      }
    }
    return Status::OK();
  });
}

struct WindowFigures {
  double count = 0, mean = NAN, p50 = NAN, p95 = NAN;
};

Result<query::QueryResult> RunQuery(store::Store* store, const CompareSpec& spec, int64_t from, int64_t to,
                                    std::vector<query::Label> group_by, const std::vector<std::string>& aggs) {
  query::QuerySpec q;
  q.from_us = from;
  q.to_us = to;
  q.matchers = spec.filters;
  q.matchers.push_back(KindIs(spec.kind));
  q.group_by = std::move(group_by);
  for (const auto& a : aggs) {
    AP_ASSIGN_OR_RETURN(query::Aggregate agg, query::ParseAggregate(a));
    q.aggregates.push_back(std::move(agg));
  }
  q.limit = query::QuerySpec::kMaxCells;
  return store->Query(q);
}

Result<WindowFigures> Overall(store::Store* store, const CompareSpec& spec, int64_t from, int64_t to) {
  AP_ASSIGN_OR_RETURN(query::QueryResult r,
                      RunQuery(store, spec, from, to, {}, {"count", "avg(duration_ms)", "p50(duration_ms)", "p95(duration_ms)"}));
  WindowFigures w;
  w.count = 0;
  if (!r.series.empty() && !r.series[0].points.empty()) {
    const auto& v = r.series[0].points[0].values;
    w.count = v[0];
    w.mean = v[1];
    w.p50 = v[2];
    w.p95 = v[3];
  }
  return w;
}

// Spans of every kind in the window (rollups): how sparse to sample blocks.
Result<double> SpansIn(store::Store* store, int64_t from, int64_t to) {
  query::QuerySpec q;
  q.from_us = from;
  q.to_us = to;
  AP_ASSIGN_OR_RETURN(query::Aggregate count, query::ParseAggregate("count"));
  q.aggregates = {count};
  AP_ASSIGN_OR_RETURN(query::QueryResult r, store->Query(q));
  if (r.series.empty() || r.series[0].points.empty()) return 0.0;
  return r.series[0].points[0].values[0];
}

void WriteTest(const stats::MannWhitney& t, JsonWriter* w) {
  w->BeginObject().Field("test", "mann_whitney_u").Field("n_before", static_cast<uint64_t>(t.n_a));
  w->Field("n_after", static_cast<uint64_t>(t.n_b)).Field("z", t.z).Field("p_value", t.p_value);
  // effect > 0: after tends to be larger (slower).
  w->Field("effect", -t.effect).EndObject();
}

}  // namespace

Result<std::string> CompareWindows(store::Store* store, const CompareSpec& spec) {
  if (spec.a_from_us >= spec.a_to_us || spec.b_from_us >= spec.b_to_us) {
    return Status::InvalidArgument("each window needs from before to");
  }
  const auto t0 = std::chrono::steady_clock::now();
  AP_ASSIGN_OR_RETURN(WindowFigures a, Overall(store, spec, spec.a_from_us, spec.a_to_us));
  AP_ASSIGN_OR_RETURN(WindowFigures b, Overall(store, spec, spec.b_from_us, spec.b_to_us));
  Samples sa, sb;
  AP_ASSIGN_OR_RETURN(double all_a, SpansIn(store, spec.a_from_us, spec.a_to_us));
  AP_ASSIGN_OR_RETURN(double all_b, SpansIn(store, spec.b_from_us, spec.b_to_us));
  AP_RETURN_IF_ERROR(Sample(store, spec, spec.a_from_us, spec.a_to_us, all_a, &sa));
  AP_RETURN_IF_ERROR(Sample(store, spec, spec.b_from_us, spec.b_to_us, all_b, &sb));
  // At most max_samples per series: thin evenly (blocks are read whole).
  auto thin = [&](std::vector<double>* v) {
    if (v->size() <= spec.max_samples) return;
    std::vector<double> kept;
    kept.reserve(spec.max_samples);
    const double step = static_cast<double>(v->size()) / static_cast<double>(spec.max_samples);
    for (size_t i = 0; i < spec.max_samples; ++i) kept.push_back((*v)[static_cast<size_t>(i * step)]);
    v->swap(kept);
  };
  for (Samples* s : {&sa, &sb}) {
    thin(&s->all);
    for (auto& m : s->by_value) {
      for (auto& [k, v] : m) thin(&v);
    }
  }

  JsonWriter w;
  w.BeginObject().Field("kind", event::KindName(spec.kind)).Field("metric", "duration_ms");
  auto window = [&](const char* key, int64_t from, int64_t to, const WindowFigures& f, const Samples& s) {
    w.Key(key).BeginObject().Field("from_ms", from / 1000).Field("to_ms", to / 1000);
    w.Field("count", f.count).Field("mean_ms", f.mean).Field("p50_ms", f.p50).Field("p95_ms", f.p95);
    w.Field("samples", static_cast<uint64_t>(s.all.size())).EndObject();
  };
  window("before", spec.a_from_us, spec.a_to_us, a, sa);
  window("after", spec.b_from_us, spec.b_to_us, b, sb);
  w.Key("change").BeginObject().Field("mean_ms", b.mean - a.mean).Field("mean_ratio", b.mean / a.mean);
  w.Field("p50_ms", b.p50 - a.p50).Field("p95_ms", b.p95 - a.p95);
  w.Key("significance");
  if (!sa.all.empty() && !sb.all.empty()) {
    WriteTest(stats::MannWhitneyU(sa.all, sb.all), &w);
    // The intervals from at most kBootstrapN values per side (evenly thinned).
    auto sub = [](const std::vector<double>& v) {
      if (v.size() <= kBootstrapN) return v;
      std::vector<double> out;
      const double step = static_cast<double>(v.size()) / static_cast<double>(kBootstrapN);
      for (size_t i = 0; i < kBootstrapN; ++i) out.push_back(v[static_cast<size_t>(i * step)]);
      return out;
    };
    const std::vector<double> ba = sub(sa.all), bb = sub(sb.all);
    for (double q : {0.5, 0.95}) {
      stats::Interval iv = stats::BootstrapQuantileDiff(ba, bb, q, kResamples, 0.95, spec.seed);
      w.Key(q == 0.5 ? "p50_change_ci95_ms" : "p95_change_ci95_ms").BeginArray().Double(iv.lo).Double(iv.hi).EndArray();
    }
  } else {
    w.Null();
  }
  w.EndObject();

  // Contributions per dimension, from rollup counts and sums.
  w.Key("explained").BeginArray();
  for (int d = 0; d < 4; ++d) {
    query::Label l;
    l.type = query::Label::kStr;
    l.str = kDims[d];
    AP_ASSIGN_OR_RETURN(query::QueryResult ra, RunQuery(store, spec, spec.a_from_us, spec.a_to_us, {l}, {"count", "sum(duration_ms)"}));
    AP_ASSIGN_OR_RETURN(query::QueryResult rb, RunQuery(store, spec, spec.b_from_us, spec.b_to_us, {l}, {"count", "sum(duration_ms)"}));
    std::map<std::string, stats::Slice> slices;
    auto add = [&](const query::QueryResult& r, bool after) {
      for (const auto& s : r.series) {
        if (s.points.empty()) continue;
        stats::Slice& sl = slices[s.labels[0].second];
        sl.value = s.labels[0].second;
        const double n = s.points[0].values[0], sum = std::isfinite(s.points[0].values[1]) ? s.points[0].values[1] : 0;
        (after ? sl.count_b : sl.count_a) = n;
        (after ? sl.sum_b : sl.sum_a) = sum;
      }
    };
    add(ra, false);
    add(rb, true);
    if (slices.size() < 2 && d != 0) continue;  // one value (or none) explains nothing
    std::vector<stats::Slice> list;
    for (auto& [k, v] : slices) list.push_back(v);
    stats::ContributionResult cr = stats::ComputeContributions(list);
    w.BeginObject().Field("dimension", query::Label(l).Name()).Key("values").BeginArray();
    for (size_t i = 0; i < cr.by_value.size() && i < kTopValues; ++i) {
      const stats::Contribution& c = cr.by_value[i];
      w.BeginObject().Field("value", c.value).Field("contribution_ms", c.contribution).Field("share", c.share);
      w.Field("mix_ms", c.mix).Field("rate_ms", c.rate).Field("mean_before_ms", c.mean_a).Field("mean_after_ms", c.mean_b);
      w.Field("weight_before", c.weight_a).Field("weight_after", c.weight_b);
      w.Key("significance");
      auto ia = sa.by_value[d].find(c.value);
      auto ib = sb.by_value[d].find(c.value);
      if (ia != sa.by_value[d].end() && ib != sb.by_value[d].end()) {
        WriteTest(stats::MannWhitneyU(ia->second, ib->second), &w);
      } else {
        w.Null();
      }
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("source").BeginObject().Field("spans_sampled", sa.spans_read + sb.spans_read);
  w.Field("elapsed_ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  w.EndObject().EndObject();
  return w.Take();
}

}  // namespace agentperf::analysis
