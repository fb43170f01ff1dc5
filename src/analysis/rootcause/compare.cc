#include "analysis/rootcause/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
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

// A metric: its mean is numerator / denominator (rollup aggregates, so the
// per-value split is exact); `count` counts the spans that have the value,
// `field` is what p50/p95 are of (empty: none, error_rate).
struct Metric {
  std::string_view name, unit;
  std::string_view numerator, denominator, count, field;
  enum Value : uint8_t { kDuration, kError, kInt, kFloat } value;
  int index;  // event::IntField / event::FloatField
};

constexpr Metric kMetrics[] = {
    {"duration_ms", "ms", "sum(duration_ms)", "count", "count", "duration_ms", Metric::kDuration, 0},
    {"error_rate", "fraction", "errors", "count", "count", "", Metric::kError, 0},
    {"cost", "USD", "sum(cost)", "count", "count(cost)", "cost", Metric::kFloat,
     static_cast<int>(event::FloatField::kCost)},
    {"ttfc_ms", "ms", "sum(ttfc_ms)", "count(ttfc_ms)", "count(ttfc_ms)", "ttfc_ms", Metric::kFloat,
     static_cast<int>(event::FloatField::kTtfcMs)},
    {"tokens.input", "tokens", "sum(tokens.input)", "count(tokens.input)", "count(tokens.input)", "tokens.input",
     Metric::kInt, static_cast<int>(event::IntField::kTokensInput)},
    {"tokens.output", "tokens", "sum(tokens.output)", "count(tokens.output)", "count(tokens.output)", "tokens.output",
     Metric::kInt, static_cast<int>(event::IntField::kTokensOutput)},
    {"tokens.cache_read", "tokens", "sum(tokens.cache_read)", "count(tokens.cache_read)", "count(tokens.cache_read)",
     "tokens.cache_read", Metric::kInt, static_cast<int>(event::IntField::kTokensCacheRead)},
};

Result<const Metric*> FindMetric(std::string_view name) {
  for (const Metric& m : kMetrics) {
    if (m.name == name) return &m;
  }
  std::string all;
  for (const Metric& m : kMetrics) all += (all.empty() ? "" : ", ") + std::string(m.name);
  return Status::InvalidArgument(fmt::format("unknown metric '{}' (metrics: {})", name, all));
}

// The span's value of the metric; NaN when it has none.
double ValueOf(const event::Event& e, const Metric& m) {
  switch (m.value) {
    case Metric::kDuration:
      return static_cast<double>(e.duration_us()) / 1000.0;
    case Metric::kError:
      return e.status == event::SpanStatus::kError ? 1.0 : 0.0;
    case Metric::kInt: {
      const int64_t v = e.ints[m.index];
      return v == event::kAbsentInt ? NAN : static_cast<double>(v);
    }
    case Metric::kFloat:
      return e.floats[m.index];
  }
  return NAN;
}

// Whether a labels_only scan carries the label (event_scan.h).
bool InLabelsOnlyScan(const query::Label& l) {
  if (l.type != query::Label::kStr) return true;  // kind, status
  return l.str == StrField::kAgent || l.str == StrField::kModel || l.str == StrField::kProvider ||
         l.str == StrField::kTool;
}

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

// Values of the metric of the window's sampled spans, overall and per
// (dimension, value).
struct Samples {
  std::vector<double> all;
  // Per dimension (kDims order): value -> values.
  std::array<std::map<std::string, std::vector<double>, std::less<>>, 4> by_value;
  // With the version dimension: OpenCode version -> values, and the count and
  // sum of every sampled value (before thinning) for the contribution split.
  std::map<std::string, std::vector<double>, std::less<>> by_version;
  std::map<std::string, std::pair<double, double>, std::less<>> version_sums;
  uint64_t spans_read = 0;
};

// session id -> OpenCode version (the session span's attrs.version).
using VersionMap = std::map<std::string, std::string, std::less<>>;

// The versions of the sessions started in [from - kVersionLookBack, to): a
// span's session usually starts shortly before it.
constexpr int64_t kVersionLookBackUs = 7LL * 24 * 3600 * 1000000;

Result<VersionMap> SessionVersions(store::Store* store, const CompareSpec& spec) {
  store::ScanFilter f;
  f.from_us = std::min(spec.a_from_us, spec.b_from_us) - kVersionLookBackUs;
  f.to_us = std::max(spec.a_to_us, spec.b_to_us);
  f.kinds = {event::SpanKind::kSession};
  f.ids = false;
  VersionMap versions;
  AP_RETURN_IF_ERROR(store->Scan(f, [&](const event::EventBatch& b) -> Status {
    for (const event::Event& e : b.events) {
      const event::Attr* a = b.AttrsOf(e);
      for (uint32_t i = 0; i < e.attr_count; ++i) {
        if (a[i].key == "version" && a[i].type == event::AttrType::kString) {
          versions.insert_or_assign(std::string(e.Str(StrField::kSessionId)), std::string(a[i].str));
        }
      }
    }
    return Status::OK();
  }));
  return versions;
}

Status Sample(store::Store* store, const CompareSpec& spec, const Metric& metric, int64_t from, int64_t to,
              double spans_in_window, const VersionMap* versions, Samples* out) {
  store::ScanFilter f;
  f.from_us = from;
  f.to_us = to;
  f.kinds = {spec.kind};
  f.ids = false;
  // Durations and statuses come with the cheap labels-only read, as long as
  // the filters only need the labels it carries; other values need their columns.
  f.labels_only = metric.value == Metric::kDuration || metric.value == Metric::kError;
  for (const query::Matcher& m : spec.filters) f.labels_only = f.labels_only && InLabelsOnlyScan(m.label);
  if (versions != nullptr) f.labels_only = false;  // the session id is needed
  // Blocks hold spans of every kind: read about twice the sample of all kinds.
  const double want = static_cast<double>(spec.max_samples) * 2;
  f.block_stride = spans_in_window > want ? static_cast<uint32_t>(std::ceil(spans_in_window / want)) : 1;
  return store->Scan(f, [&](const event::EventBatch& b) -> Status {
    for (const event::Event& e : b.events) {
      bool pass = true;
      for (const query::Matcher& m : spec.filters) pass = pass && m.Matches(LabelOf(e, m.label));
      if (!pass) continue;
      ++out->spans_read;
      const double x = ValueOf(e, metric);
      if (std::isnan(x)) continue;  // the span has no such value
      out->all.push_back(x);
      for (int d = 0; d < 4; ++d) {
        auto& m = out->by_value[d];
        const std::string_view v = e.Str(kDims[d]);
        auto it = m.find(v);
        if (it == m.end()) it = m.emplace(std::string(v), std::vector<double>()).first;
        it->second.push_back(x);
      }
      if (versions != nullptr) {
        auto v = versions->find(e.Str(StrField::kSessionId));
        const std::string version = v == versions->end() ? std::string() : v->second;
        out->by_version[version].push_back(x);
        auto& [n, sum] = out->version_sums[version];
        n += 1;
        sum += x;
      }
    }
    return Status::OK();
  });
}

void WriteContribution(const stats::Contribution& c, const std::map<std::string, std::vector<double>, std::less<>>& a,
                       const std::map<std::string, std::vector<double>, std::less<>>& b, JsonWriter* w);

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

// Mean = numerator / denominator; NaN without spans. A sum over no values is
// 0 (a window whose spans recorded no cost costs nothing on average).
double MeanOf(double numerator, double denominator) {
  if (!(denominator > 0)) return NAN;
  return (std::isfinite(numerator) ? numerator : 0.0) / denominator;
}

Result<WindowFigures> Overall(store::Store* store, const CompareSpec& spec, const Metric& metric, int64_t from,
                              int64_t to) {
  std::vector<std::string> aggs;
  auto index_of = [&](std::string_view a) {
    auto it = std::find(aggs.begin(), aggs.end(), a);
    if (it == aggs.end()) it = aggs.insert(aggs.end(), std::string(a));
    return static_cast<size_t>(it - aggs.begin());
  };
  const size_t count = index_of(metric.count), num = index_of(metric.numerator), den = index_of(metric.denominator);
  size_t p50 = SIZE_MAX, p95 = SIZE_MAX;
  if (!metric.field.empty()) {
    p50 = index_of(fmt::format("p50({})", metric.field));
    p95 = index_of(fmt::format("p95({})", metric.field));
  }
  AP_ASSIGN_OR_RETURN(query::QueryResult r, RunQuery(store, spec, from, to, {}, aggs));
  WindowFigures w;
  w.count = 0;
  if (!r.series.empty() && !r.series[0].points.empty()) {
    const auto& v = r.series[0].points[0].values;
    w.count = v[count];
    w.mean = MeanOf(v[num], v[den]);
    if (p50 != SIZE_MAX) {
      w.p50 = v[p50];
      w.p95 = v[p95];
    }
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
  // effect > 0: after tends to be larger (slower, costlier, more errors...).
  w->Field("effect", -t.effect).EndObject();
}

void WriteContribution(const stats::Contribution& c, const std::map<std::string, std::vector<double>, std::less<>>& a,
                       const std::map<std::string, std::vector<double>, std::less<>>& b, JsonWriter* w) {
  w->BeginObject().Field("value", c.value).Field("contribution", c.contribution).Field("share", c.share);
  w->Field("mix", c.mix).Field("rate", c.rate).Field("mean_before", c.mean_a).Field("mean_after", c.mean_b);
  w->Field("weight_before", c.weight_a).Field("weight_after", c.weight_b);
  w->Key("significance");
  auto ia = a.find(c.value);
  auto ib = b.find(c.value);
  if (ia != a.end() && ib != b.end()) {
    WriteTest(stats::MannWhitneyU(ia->second, ib->second), w);
  } else {
    w->Null();
  }
  w->EndObject();
}

}  // namespace

std::vector<std::string_view> CompareMetricNames() {
  std::vector<std::string_view> names;
  for (const Metric& m : kMetrics) names.push_back(m.name);
  return names;
}

Result<std::string> CompareWindows(store::Store* store, const CompareSpec& spec) {
  AP_ASSIGN_OR_RETURN(const Metric* metric_ptr, FindMetric(spec.metric));
  const Metric& metric = *metric_ptr;
  if (spec.a_from_us >= spec.a_to_us || spec.b_from_us >= spec.b_to_us) {
    return Status::InvalidArgument("each window needs from before to");
  }
  const auto t0 = std::chrono::steady_clock::now();
  AP_ASSIGN_OR_RETURN(WindowFigures a, Overall(store, spec, metric, spec.a_from_us, spec.a_to_us));
  AP_ASSIGN_OR_RETURN(WindowFigures b, Overall(store, spec, metric, spec.b_from_us, spec.b_to_us));
  Samples sa, sb;
  AP_ASSIGN_OR_RETURN(double all_a, SpansIn(store, spec.a_from_us, spec.a_to_us));
  AP_ASSIGN_OR_RETURN(double all_b, SpansIn(store, spec.b_from_us, spec.b_to_us));
  VersionMap versions;
  if (spec.with_version) {
    AP_ASSIGN_OR_RETURN(versions, SessionVersions(store, spec));
  }
  const VersionMap* vm = spec.with_version ? &versions : nullptr;
  AP_RETURN_IF_ERROR(Sample(store, spec, metric, spec.a_from_us, spec.a_to_us, all_a, vm, &sa));
  AP_RETURN_IF_ERROR(Sample(store, spec, metric, spec.b_from_us, spec.b_to_us, all_b, vm, &sb));
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
    for (auto& [k, v] : s->by_version) thin(&v);
  }

  JsonWriter w;
  w.BeginObject().Field("kind", event::KindName(spec.kind)).Field("metric", metric.name).Field("unit", metric.unit);
  auto window = [&](const char* key, int64_t from, int64_t to, const WindowFigures& f, const Samples& s) {
    w.Key(key).BeginObject().Field("from_ms", from / 1000).Field("to_ms", to / 1000);
    w.Field("count", f.count).Field("mean", f.mean).Field("p50", f.p50).Field("p95", f.p95);
    w.Field("samples", static_cast<uint64_t>(s.all.size())).EndObject();
  };
  window("before", spec.a_from_us, spec.a_to_us, a, sa);
  window("after", spec.b_from_us, spec.b_to_us, b, sb);
  w.Key("change").BeginObject().Field("mean", b.mean - a.mean).Field("mean_ratio", b.mean / a.mean);
  w.Field("p50", b.p50 - a.p50).Field("p95", b.p95 - a.p95);
  w.Key("significance");
  const bool testable = !sa.all.empty() && !sb.all.empty();
  if (testable) {
    WriteTest(stats::MannWhitneyU(sa.all, sb.all), &w);
  } else {
    w.Null();
  }
  // Quantiles of 0/1 values say nothing: no intervals for error_rate.
  if (testable && !metric.field.empty()) {
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
      w.Key(q == 0.5 ? "p50_change_ci95" : "p95_change_ci95").BeginArray().Double(iv.lo).Double(iv.hi).EndArray();
    }
  } else {
    w.Key("p50_change_ci95").Null().Key("p95_change_ci95").Null();
  }
  w.EndObject();

  // Contributions per dimension, from rollup numerators and denominators.
  const std::vector<std::string> split_aggs{std::string(metric.denominator), std::string(metric.numerator)};
  w.Key("explained").BeginArray();
  for (int d = 0; d < 4; ++d) {
    query::Label l;
    l.type = query::Label::kStr;
    l.str = kDims[d];
    AP_ASSIGN_OR_RETURN(query::QueryResult ra, RunQuery(store, spec, spec.a_from_us, spec.a_to_us, {l}, split_aggs));
    AP_ASSIGN_OR_RETURN(query::QueryResult rb, RunQuery(store, spec, spec.b_from_us, spec.b_to_us, {l}, split_aggs));
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
      WriteContribution(cr.by_value[i], sa.by_value[d], sb.by_value[d], &w);
    }
    w.EndArray().EndObject();
  }
  if (spec.with_version) {
    // From the samples (the version is not a label the rollups group by):
    // the split of the change of the *sampled* mean, marked as such.
    std::map<std::string, stats::Slice> slices;
    for (const auto* side : {&sa, &sb}) {
      for (const auto& [version, ns] : side->version_sums) {
        stats::Slice& sl = slices[version];
        sl.value = version;
        (side == &sa ? sl.count_a : sl.count_b) = ns.first;
        (side == &sa ? sl.sum_a : sl.sum_b) = ns.second;
      }
    }
    std::vector<stats::Slice> list;
    for (auto& [k, v] : slices) list.push_back(v);
    stats::ContributionResult cr = stats::ComputeContributions(list);
    w.BeginObject().Field("dimension", "version").Field("sampled", true).Key("values").BeginArray();
    for (size_t i = 0; i < cr.by_value.size() && i < kTopValues; ++i) {
      WriteContribution(cr.by_value[i], sa.by_version, sb.by_version, &w);
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
