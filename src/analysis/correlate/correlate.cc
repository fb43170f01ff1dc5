#include "analysis/correlate/correlate.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string_view>
#include <tuple>

#include "analysis/stats/rank.h"

namespace agentperf::analysis {

namespace {

using event::IntField;
using event::SpanKind;
using event::StrField;

constexpr uint64_t kReservoirSeed = 0x5eed'c0ee'1a7e'0001ULL;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Where a pair's value comes from.
enum class Source : uint8_t { kDuration, kTtfc, kInt, kAttr };

struct ValueDef {
  Source source;
  IntField field = IntField::kTokensInput;  // kInt
  std::string_view attr;                    // kAttr
};

struct PairDef {
  SpanKind kind;
  std::string_view x_name, y_name;
  ValueDef x, y;
  double x_scale;  // x is multiplied by this for the slope (1e-3: per 1k)
  std::string_view unit;
};

constexpr ValueDef kDurationV{Source::kDuration, IntField::kTokensInput, {}};
constexpr ValueDef kTtfcV{Source::kTtfc, IntField::kTokensInput, {}};
constexpr ValueDef IntV(IntField f) { return ValueDef{Source::kInt, f, {}}; }
constexpr ValueDef AttrV(std::string_view key) { return ValueDef{Source::kAttr, IntField::kTokensInput, key}; }

constexpr PairDef kPairs[] = {
    {SpanKind::kLlmCall, "tokens.input", "duration_ms", IntV(IntField::kTokensInput), kDurationV, 1e-3,
     "ms per 1k tokens"},
    {SpanKind::kLlmCall, "tokens.output", "duration_ms", IntV(IntField::kTokensOutput), kDurationV, 1e-3,
     "ms per 1k tokens"},
    {SpanKind::kLlmCall, "tokens.cache_read", "duration_ms", IntV(IntField::kTokensCacheRead), kDurationV, 1e-3,
     "ms per 1k tokens"},
    {SpanKind::kLlmCall, "tokens.input", "ttfc_ms", IntV(IntField::kTokensInput), kTtfcV, 1e-3, "ms per 1k tokens"},
    {SpanKind::kTurn, "steps", "duration_ms", AttrV("steps"), kDurationV, 1.0, "ms per step"},
    {SpanKind::kTurn, "tokens.output", "duration_ms", IntV(IntField::kTokensOutput), kDurationV, 1e-3,
     "ms per 1k tokens"},
    {SpanKind::kToolCall, "output_chars", "duration_ms", AttrV("output_chars"), kDurationV, 1e-3, "ms per 1k chars"},
    {SpanKind::kToolCall, "permission_wait_ms", "duration_ms", AttrV("permission_wait_ms"), kDurationV, 1.0,
     "ms per ms"},
};
constexpr size_t kNumPairs = std::size(kPairs);

// A present value: finite and not negative (kAbsentInt is -1).
double Clean(double v) { return std::isfinite(v) && v >= 0 ? v : kNaN; }

double ValueOf(const ValueDef& d, const event::EventBatch& b, const event::Event& e) {
  switch (d.source) {
    case Source::kDuration:
      return Clean(static_cast<double>(e.duration_us()) / 1000.0);
    case Source::kTtfc:
      return Clean(e.Float(event::FloatField::kTtfcMs));
    case Source::kInt: {
      const int64_t v = e.Int(d.field);
      return v == event::kAbsentInt ? kNaN : Clean(static_cast<double>(v));
    }
    case Source::kAttr: {
      const event::Attr* attrs = b.AttrsOf(e);
      for (uint32_t i = 0; i < e.attr_count; ++i) {
        if (attrs[i].key == d.attr) return attrs[i].type == event::AttrType::kNumber ? Clean(attrs[i].num) : kNaN;
      }
      return kNaN;
    }
  }
  return kNaN;
}

uint64_t Fnv1a(std::string_view s, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Uniform in [0, n) from a 64-bit draw (128-bit multiply: the same on every platform).
uint64_t Below(uint64_t r, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(r) * n) >> 64);
}

struct Reservoir {
  std::vector<double> x, y;
  uint64_t seen = 0;
  std::unique_ptr<std::mt19937_64> rng;  // made when the reservoir is full
};

struct Group {
  SpanKind kind = SpanKind::kLlmCall;
  std::string agent, model, tool;
  uint64_t seed = 0;  // of the group; each pair's reservoir mixes in its index
  std::array<Reservoir, kNumPairs> res;
};

void Offer(Reservoir* r, double x, double y, size_t cap, uint64_t seed) {
  ++r->seen;
  if (r->x.size() < cap) {
    r->x.push_back(x);
    r->y.push_back(y);
    return;
  }
  if (!r->rng) r->rng = std::make_unique<std::mt19937_64>(seed);
  const uint64_t j = Below((*r->rng)(), r->seen);
  if (j < cap) {
    r->x[j] = x;
    r->y[j] = y;
  }
}

std::string_view LabelOf(const event::Event& e, const query::Label& l) {
  if (l.type == query::Label::kKind) return event::KindName(e.kind);
  if (l.type == query::Label::kStatus) return event::StatusName(e.status);
  return e.Str(l.str);
}

// The group's labels: agent x model for steps, agent for turns, agent x tool for tools.
void GroupLabels(const event::Event& e, std::string_view* agent, std::string_view* model, std::string_view* tool) {
  *agent = e.Str(StrField::kAgent);
  *model = e.kind == SpanKind::kLlmCall ? e.Str(StrField::kModel) : std::string_view();
  *tool = e.kind == SpanKind::kToolCall ? e.Str(StrField::kTool) : std::string_view();
}

Result<uint64_t> SpansInWindow(store::Store* store, int64_t from_us, int64_t to_us) {
  query::QuerySpec q;
  q.from_us = from_us;
  q.to_us = to_us;
  AP_ASSIGN_OR_RETURN(query::Aggregate count, query::ParseAggregate("count"));
  q.aggregates = {count};
  AP_ASSIGN_OR_RETURN(query::QueryResult r, store->Query(q));
  if (r.series.empty() || r.series[0].points.empty()) return uint64_t{0};
  const double n = r.series[0].points[0].values[0];
  return std::isfinite(n) && n > 0 ? static_cast<uint64_t>(n) : uint64_t{0};
}

std::string_view Strength(double rho) {
  const double a = std::fabs(rho);
  if (a < 0.3) return "weak";
  if (a < 0.5) return "moderate";
  return "strong";
}

// 4 significant digits (non-finite values unchanged).
double Round4(double v) {
  if (!std::isfinite(v) || v == 0) return v;
  return std::strtod(fmt::format("{:.4g}", v).c_str(), nullptr);
}

}  // namespace

Result<CorrelationReport> FindCorrelations(store::Store* store, const CorrelationSpec& spec) {
  if (spec.from_us >= spec.to_us) return Status::InvalidArgument("correlations: the window needs from before to");
  if (!(spec.alpha > 0 && spec.alpha <= 1)) {
    return Status::InvalidArgument(fmt::format("correlations: alpha {} is not in (0, 1]", spec.alpha));
  }
  if (!(spec.min_effect >= 0 && spec.min_effect <= 1)) {
    return Status::InvalidArgument(fmt::format("correlations: min_effect {} is not in [0, 1]", spec.min_effect));
  }
  if (spec.min_n < 3) return Status::InvalidArgument("correlations: min_n must be at least 3");
  if (spec.per_group_cap < spec.min_n) {
    return Status::InvalidArgument("correlations: per_group_cap must be at least min_n");
  }
  if (spec.max_points == 0) return Status::InvalidArgument("correlations: max_points must be positive");

  CorrelationReport report;
  report.alpha = spec.alpha;
  report.min_effect = spec.min_effect;

  AP_ASSIGN_OR_RETURN(uint64_t in_window, SpansInWindow(store, spec.from_us, spec.to_us));
  if (in_window > spec.max_points) {
    const uint64_t stride = (in_window + spec.max_points - 1) / spec.max_points;
    report.block_stride = static_cast<uint32_t>(std::min<uint64_t>(stride, std::numeric_limits<uint32_t>::max()));
  }

  store::ScanFilter f;
  f.from_us = spec.from_us;
  f.to_us = spec.to_us;
  f.kinds = {SpanKind::kTurn, SpanKind::kLlmCall, SpanKind::kToolCall};
  f.block_stride = report.block_stride;
  f.ids = false;
  f.labels_only = false;

  std::map<std::string, Group, std::less<>> groups;
  std::string key;  // reused: kind, agent, model, tool separated by NUL
  AP_RETURN_IF_ERROR(store->Scan(f, [&](const event::EventBatch& b) -> Status {
    for (const event::Event& e : b.events) {
      if (e.kind != SpanKind::kTurn && e.kind != SpanKind::kLlmCall && e.kind != SpanKind::kToolCall) continue;
      ++report.spans_read;
      bool pass = true;
      for (const query::Matcher& m : spec.filters) {
        if (!m.Matches(LabelOf(e, m.label))) {
          pass = false;
          break;
        }
      }
      if (!pass) continue;
      std::string_view agent, model, tool;
      GroupLabels(e, &agent, &model, &tool);
      key.clear();
      key += static_cast<char>('0' + static_cast<int>(e.kind));
      key += '\0';
      key += agent;
      key += '\0';
      key += model;
      key += '\0';
      key += tool;
      auto it = groups.find(key);
      if (it == groups.end()) {
        Group g;
        g.kind = e.kind;
        g.agent = agent;
        g.model = model;
        g.tool = tool;
        g.seed = Fnv1a(key) ^ kReservoirSeed;
        it = groups.emplace(key, std::move(g)).first;
      }
      Group& g = it->second;
      for (size_t p = 0; p < kNumPairs; ++p) {
        const PairDef& d = kPairs[p];
        if (d.kind != e.kind) continue;
        const double x = ValueOf(d.x, b, e);
        if (std::isnan(x)) continue;
        const double y = ValueOf(d.y, b, e);
        if (std::isnan(y)) continue;
        Offer(&g.res[p], x, y, spec.per_group_cap, g.seed + 0x9e3779b97f4a7c15ULL * (p + 1));
      }
    }
    return Status::OK();
  }));

  struct Candidate {
    const Group* group;
    size_t pair;
    stats::Correlation c;
  };
  std::vector<Candidate> candidates;
  for (const auto& [k, g] : groups) {
    for (size_t p = 0; p < kNumPairs; ++p) {
      const Reservoir& r = g.res[p];
      if (kPairs[p].kind != g.kind || r.seen == 0) continue;
      if (r.x.size() < spec.min_n) {
        ++report.too_few;
        continue;
      }
      const stats::Correlation c = stats::Spearman(r.x, r.y);
      if (!std::isfinite(c.rho) || !std::isfinite(c.p_value)) {
        ++report.constant;
        continue;
      }
      candidates.push_back({&g, p, c});
    }
  }
  report.tested = candidates.size();

  std::vector<double> p_values;
  p_values.reserve(candidates.size());
  for (const Candidate& c : candidates) p_values.push_back(c.c.p_value);
  const std::vector<double> q_values = stats::BenjaminiHochberg(p_values);

  std::vector<double> scaled;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    if (!(q_values[i] < spec.alpha) || std::fabs(c.c.rho) < spec.min_effect) continue;
    const PairDef& d = kPairs[c.pair];
    const Reservoir& r = c.group->res[c.pair];
    scaled.assign(r.x.begin(), r.x.end());
    for (double& v : scaled) v *= d.x_scale;
    CorrelationFinding fnd;
    fnd.kind = event::KindName(c.group->kind);
    fnd.agent = c.group->agent;
    fnd.model = c.group->model;
    fnd.tool = c.group->tool;
    fnd.x = d.x_name;
    fnd.y = d.y_name;
    fnd.n = c.c.n;
    fnd.rho = c.c.rho;
    fnd.p_value = c.c.p_value;
    fnd.q_value = q_values[i];
    fnd.slope = stats::TheilSenSlope(scaled, r.y);
    fnd.slope_unit = d.unit;
    fnd.strength = Strength(c.c.rho);
    report.significant.push_back(std::move(fnd));
  }
  report.not_significant = report.tested - report.significant.size();
  std::sort(report.significant.begin(), report.significant.end(),
            [](const CorrelationFinding& a, const CorrelationFinding& b) {
              const double ra = std::fabs(a.rho), rb = std::fabs(b.rho);
              if (ra != rb) return ra > rb;
              return std::tie(a.kind, a.agent, a.model, a.tool, a.x, a.y) <
                     std::tie(b.kind, b.agent, b.model, b.tool, b.x, b.y);
            });
  return report;
}

void WriteCorrelationsJson(const CorrelationReport& r, JsonWriter* w) {
  w->BeginObject().Field("alpha", r.alpha).Field("min_effect", r.min_effect);
  w->Field("method", "Spearman rank correlation, Benjamini-Hochberg q-values");
  w->Key("findings").BeginArray();
  for (const CorrelationFinding& f : r.significant) {
    w->BeginObject().Field("kind", f.kind).Field("agent", f.agent);
    if (f.kind == event::KindName(SpanKind::kLlmCall)) w->Field("model", f.model);
    if (f.kind == event::KindName(SpanKind::kToolCall)) w->Field("tool", f.tool);
    w->Field("x", f.x).Field("y", f.y).Field("n", static_cast<uint64_t>(f.n));
    w->Field("rho", Round4(f.rho)).Field("p_value", Round4(f.p_value)).Field("q_value", Round4(f.q_value));
    w->Field("strength", f.strength).Field("slope", Round4(f.slope)).Field("slope_unit", f.slope_unit);
    w->EndObject();
  }
  w->EndArray();
  w->Field("tested", static_cast<uint64_t>(r.tested)).Field("not_significant", static_cast<uint64_t>(r.not_significant));
  w->Field("too_few", static_cast<uint64_t>(r.too_few)).Field("constant", static_cast<uint64_t>(r.constant));
  w->Key("source").BeginObject().Field("spans_read", r.spans_read);
  w->Field("block_stride", static_cast<uint64_t>(r.block_stride)).EndObject();
  w->EndObject();
}

}  // namespace agentperf::analysis
