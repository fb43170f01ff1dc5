#include "analysis/outliers/outliers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "analysis/stats/robust.h"
#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/store_pair.h"
#include "testing/temp_dir.h"

namespace agentperf::analysis {
namespace {

using event::SpanKind;
using testing::Decode;
using testing::kBaseMs;
using testing::SpanEvent;

constexpr double kAlpha = 0.005;  // the rollup sketches' relative accuracy
// The modified z-score's constants, written out (not taken from the header).
constexpr double kMadScale = 1.4826;   // 1 / Φ⁻¹(0.75)
constexpr double kP90Sigmas = 1.2816;  // Φ⁻¹(0.90)

// Durations 60..140 ms (each value about 2.5 times): median ~100, MAD ~20.
double Normal(int i) {
  return 60.0 + static_cast<double>((i * 37) % 81);
}

std::string Tool(const std::string& agent, const std::string& tool, const std::string& session, const std::string& id,
                 int64_t start_ms, double duration_ms, const std::string& model = "sim-small") {
  return SpanEvent("tool_call", session, id, start_ms, 0)
      .Set("agent", agent)
      .Set("tool", tool)
      .Set("model", model)
      .Set("duration_ms", duration_ms)
      .Str();
}

std::string Step(const std::string& agent, const std::string& session, const std::string& id, int64_t start_ms,
                 double duration_ms) {
  return SpanEvent("llm_call", session, id, start_ms, 0).Set("agent", agent).Set("duration_ms", duration_ms).Str();
}

// The interval of z the store may report for `x` when the exact median is
// `median` and the exact MAD `mad`: the sketch's median is within alpha
// (relative), its MAD within alpha * (2 * median + MAD) (absolute).
struct ZRange {
  double lo, hi, exact;
};
ZRange ExpectedZ(double x, double median, double mad) {
  const double m_err = kAlpha * median, mad_err = kAlpha * (2 * median + mad);
  const double hi = (x - (median - m_err)) / (kMadScale * (mad - mad_err));
  const double lo = (x - (median + m_err)) / (kMadScale * (mad + mad_err));
  return {lo - 0.005, hi + 0.005, (x - median) / (kMadScale * mad)};  // z is rounded to 2 decimals
}

class OutliersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.path());
    ASSERT_NE(store_, nullptr);
  }
  void Add(const std::vector<std::string>& lines) { ASSERT_TRUE(store_->Append(Decode(testing::Ndjson(lines))).ok()); }
  OutlierReport Run(OutlierSpec spec) {
    auto r = FindOutliers(store_.get(), spec);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : OutlierReport{};
  }
  static OutlierSpec Window() {
    OutlierSpec s;
    s.from_us = kBaseMs * 1000;
    s.to_us = (kBaseMs + 86'400'000) * 1000;
    return s;
  }
  static const OutlierGroup* Find(const OutlierReport& r, SpanKind kind, const std::string& agent,
                                  const std::string& tool = "") {
    for (const OutlierGroup& g : r.groups) {
      if (g.kind == kind && g.agent == agent && g.tool == tool) return &g;
    }
    return nullptr;
  }

  // 200 bash calls of agent tester at 60..140 ms in sessions n0..n9, and
  // three planted slow ones: 1800 and 2000 ms in session sA, 2600 ms in sB,
  // stored slowest first (so a top-2 list must keep an earlier one).
  std::vector<double> AddPlanted() {
    std::vector<std::string> lines;
    std::vector<double> all;
    for (int i = 0; i < 200; ++i) {
      lines.push_back(
          Tool("tester", "bash", "n" + std::to_string(i % 10), "b" + std::to_string(i), i * 1000, Normal(i)));
      all.push_back(Normal(i));
    }
    lines.push_back(Tool("tester", "bash", "sB", "slow3", 5500, 2600));
    lines.push_back(Tool("tester", "bash", "sA", "slow2", 90500, 2000, "sim-large"));
    lines.push_back(Tool("tester", "bash", "sA", "slow1", 150500, 1800));
    for (double d : {1800.0, 2000.0, 2600.0}) all.push_back(d);
    Add(lines);
    return all;
  }

  void CheckPlanted(const std::vector<double>& all, bool from_rollups) {
    OutlierReport r = Run(Window());
    if (from_rollups) {
      EXPECT_GT(r.rollup_cells, 0u);  // the figures came from rollup cells
    }
    ASSERT_EQ(r.groups.size(), 1u);
    const OutlierGroup& g = r.groups[0];
    EXPECT_EQ(g.kind, SpanKind::kToolCall);
    EXPECT_EQ(g.agent, "tester");
    EXPECT_EQ(g.tool, "bash");
    EXPECT_EQ(g.count, 203u);
    EXPECT_FALSE(g.too_few || g.degenerate || g.quantile_scale);
    const double median = stats::Median(all), mad = stats::Mad(all);
    EXPECT_NEAR(g.median_ms, median, kAlpha * median);
    EXPECT_NEAR(g.mad_ms, mad, kAlpha * (2 * median + mad));
    EXPECT_DOUBLE_EQ(g.scale_ms, kMadScale * g.mad_ms);
    // Exactly the three planted spans, largest z first.
    EXPECT_EQ(g.outliers, 3u);
    ASSERT_EQ(g.spans.size(), 3u);
    const char* ids[] = {"slow3", "slow2", "slow1"};
    const double durations[] = {2600, 2000, 1800};
    const char* sessions[] = {"sB", "sA", "sA"};
    for (int i = 0; i < 3; ++i) {
      const OutlierSpan& s = g.spans[i];
      EXPECT_EQ(s.span_id, ids[i]);
      EXPECT_EQ(s.session_id, sessions[i]);
      EXPECT_EQ(s.kind, SpanKind::kToolCall);
      EXPECT_EQ(s.agent, "tester");
      EXPECT_EQ(s.tool, "bash");
      EXPECT_DOUBLE_EQ(s.duration_ms, durations[i]);
      const ZRange z = ExpectedZ(durations[i], median, mad);
      EXPECT_GE(s.z, z.lo) << s.span_id;
      EXPECT_LE(s.z, z.hi) << s.span_id;
      // In practice much closer than the worst case: within 2 %.
      EXPECT_NEAR(s.z, z.exact, 0.02 * z.exact) << s.span_id;
      EXPECT_NEAR(s.x_median, durations[i] / median, 0.01 + kAlpha * durations[i] / median);
      EXPECT_DOUBLE_EQ(s.z, std::round(s.z * 100) / 100);
    }
    EXPECT_EQ(g.spans[1].model, "sim-large");
    EXPECT_EQ(g.spans[0].model, "sim-small");
    EXPECT_EQ(g.spans[2].start_ms, kBaseMs + 150500);
    // Sessions: sA (2 outlying spans) before sB (1, though with the larger z).
    ASSERT_EQ(r.sessions.size(), 2u);
    EXPECT_EQ(r.sessions[0].session_id, "sA");
    EXPECT_EQ(r.sessions[0].outlying_spans, 2u);
    EXPECT_EQ(r.sessions[0].agent, "tester");
    EXPECT_DOUBLE_EQ(r.sessions[0].max_z, g.spans[1].z);
    EXPECT_EQ(r.sessions[1].session_id, "sB");
    EXPECT_EQ(r.sessions[1].outlying_spans, 1u);
    EXPECT_DOUBLE_EQ(r.sessions[1].max_z, g.spans[0].z);
    EXPECT_EQ(r.spans_read, 203u);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::EmbeddedStore> store_;
};

TEST_F(OutliersTest, PlantedSlowSpansFromTheHead) {
  CheckPlanted(AddPlanted(), false);
}

TEST_F(OutliersTest, PlantedSlowSpansFromSegmentsAndRollups) {
  std::vector<double> all = AddPlanted();
  ASSERT_TRUE(store_->Flush().ok());
  CheckPlanted(all, true);
}

TEST_F(OutliersTest, TopBoundsTheListNotTheCount) {
  AddPlanted();
  OutlierSpec s = Window();
  s.top = 2;
  s.top_sessions = 1;
  OutlierReport r = Run(s);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].outliers, 3u);
  ASSERT_EQ(r.groups[0].spans.size(), 2u);
  EXPECT_EQ(r.groups[0].spans[0].span_id, "slow3");
  EXPECT_EQ(r.groups[0].spans[1].span_id, "slow2");
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].session_id, "sA");
  // A higher threshold keeps only the slowest.
  s = Window();
  s.threshold = 0.5 * (ExpectedZ(2000, 100, 20).exact + ExpectedZ(2600, 100, 20).exact);
  r = Run(s);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].outliers, 1u);
  EXPECT_EQ(r.groups[0].spans.at(0).span_id, "slow3");
}

TEST_F(OutliersTest, GroupsAreJudgedIndependently) {
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) {
    // Agent slow's usual step takes what would be an outlier for agent fast.
    lines.push_back(
        Step("slow", "s" + std::to_string(i % 5), "sl" + std::to_string(i), i * 1000, 1800 + Normal(i) * 4));
    lines.push_back(Step("fast", "f" + std::to_string(i % 5), "fa" + std::to_string(i), i * 1000, Normal(i)));
    // Likewise tester's read calls against its bash calls.
    lines.push_back(Tool("tester", "read", "t", "rd" + std::to_string(i), i * 1000, 1800 + Normal(i) * 4));
    lines.push_back(Tool("tester", "bash", "t", "bs" + std::to_string(i), i * 1000, Normal(i)));
  }
  lines.push_back(Step("fast", "f9", "fa-slow", 60000, 2000));
  // Only the slow side is judged: a step far faster than slow's usual is not flagged.
  lines.push_back(Step("slow", "s9", "sl-fast", 60000, 10));
  lines.push_back(Tool("tester", "bash", "t9", "bs-slow", 60000, 2000));
  Add(lines);
  OutlierReport r = Run(Window());
  EXPECT_EQ(r.groups.size(), 4u);
  const OutlierGroup* slow = Find(r, SpanKind::kLlmCall, "slow");
  const OutlierGroup* fast = Find(r, SpanKind::kLlmCall, "fast");
  const OutlierGroup* read = Find(r, SpanKind::kToolCall, "tester", "read");
  const OutlierGroup* bash = Find(r, SpanKind::kToolCall, "tester", "bash");
  ASSERT_TRUE(slow && fast && read && bash);
  EXPECT_EQ(slow->outliers, 0u);
  EXPECT_TRUE(slow->spans.empty());
  EXPECT_EQ(read->outliers, 0u);
  EXPECT_EQ(fast->outliers, 1u);
  ASSERT_EQ(fast->spans.size(), 1u);
  EXPECT_EQ(fast->spans[0].span_id, "fa-slow");
  EXPECT_EQ(bash->outliers, 1u);
  ASSERT_EQ(bash->spans.size(), 1u);
  EXPECT_EQ(bash->spans[0].span_id, "bs-slow");
  // Groups with outliers first (then by kind name: llm_call < tool_call).
  EXPECT_EQ(&r.groups[0], fast);
  EXPECT_EQ(&r.groups[1], bash);
  ASSERT_EQ(r.sessions.size(), 2u);
  EXPECT_TRUE((r.sessions[0].session_id == "f9" && r.sessions[1].session_id == "t9") ||
              (r.sessions[0].session_id == "t9" && r.sessions[1].session_id == "f9"));
}

TEST_F(OutliersTest, MadZeroFallsBackToTheUpperQuantileOrIsDegenerate) {
  std::vector<std::string> lines;
  std::vector<double> x;
  // Agent q: 60 steps of exactly 100 ms (MAD 0), 40 of 110..500 ms, one of 5000 ms.
  for (int i = 0; i < 60; ++i) x.push_back(100);
  for (int k = 1; k <= 40; ++k) x.push_back(100 + 10 * k);
  x.push_back(5000);
  for (size_t i = 0; i < x.size(); ++i) {
    lines.push_back(Step("q", "sq", "q" + std::to_string(i), static_cast<int64_t>(i) * 1000, x[i]));
  }
  // Agent d: 95 steps of 100 ms and 5 of 3000 ms: p90 = p50, no scale at all.
  for (int i = 0; i < 100; ++i) {
    lines.push_back(Step("d", "sd", "d" + std::to_string(i), i * 1000, i < 95 ? 100 : 3000));
  }
  Add(lines);
  OutlierReport r = Run(Window());
  const OutlierGroup* q = Find(r, SpanKind::kLlmCall, "q");
  const OutlierGroup* d = Find(r, SpanKind::kLlmCall, "d");
  ASSERT_TRUE(q && d);

  EXPECT_EQ(q->mad_ms, 0);
  EXPECT_TRUE(q->quantile_scale);
  EXPECT_FALSE(q->degenerate);
  std::sort(x.begin(), x.end());
  const double p50 = stats::QuantileSorted(x, 0.5), p90 = stats::QuantileSorted(x, 0.9);  // 100, 410
  EXPECT_DOUBLE_EQ(p90, 410);
  const double scale = (p90 - p50) / kP90Sigmas;
  EXPECT_NEAR(q->scale_ms, scale, kAlpha * (p90 + p50) / kP90Sigmas);
  EXPECT_EQ(q->outliers, 1u);  // 5000 ms only; 500 ms is z ~ 1.6
  ASSERT_EQ(q->spans.size(), 1u);
  EXPECT_DOUBLE_EQ(q->spans[0].duration_ms, 5000);
  EXPECT_NEAR(q->spans[0].z, (5000 - p50) / scale, 0.02 * (5000 - p50) / scale);

  EXPECT_TRUE(d->degenerate);
  EXPECT_FALSE(d->quantile_scale);
  EXPECT_EQ(d->scale_ms, 0);
  EXPECT_EQ(d->outliers, 0u);
  EXPECT_TRUE(d->spans.empty());

  JsonWriter w;
  WriteOutliersJson(r, &w);
  testing::JsonDoc doc(w.str());
  ASSERT_TRUE(doc.ok()) << w.str();
  EXPECT_EQ(doc.Str("/groups/0/agent"), "q");
  EXPECT_EQ(doc.Str("/groups/0/scale_from"), "p90");
  EXPECT_EQ(doc.Len("/groups"), 1u);
  EXPECT_EQ(doc.Str("/not_judged/0/agent"), "d");
  EXPECT_EQ(doc.Bool("/not_judged/0/degenerate"), true);
  EXPECT_EQ(doc.Num("/not_judged/0/scale_ms"), 0.0);
}

TEST_F(OutliersTest, TooFewSpansAreNotJudged) {
  std::vector<std::string> lines;
  for (int i = 0; i < 8; ++i) lines.push_back(Step("rare", "s", "r" + std::to_string(i), i * 1000, Normal(i)));
  lines.push_back(Step("rare", "s", "r-slow", 9000, 100000));
  Add(lines);
  OutlierReport r = Run(Window());
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].count, 9u);
  EXPECT_TRUE(r.groups[0].too_few);
  EXPECT_EQ(r.groups[0].outliers, 0u);
  EXPECT_TRUE(r.groups[0].spans.empty());
  EXPECT_TRUE(r.sessions.empty());
  EXPECT_EQ(r.spans_read, 0u);  // nothing to judge: no scan
  JsonWriter w;
  WriteOutliersJson(r, &w);
  testing::JsonDoc doc(w.str());
  EXPECT_EQ(doc.Len("/groups"), 0u);
  EXPECT_EQ(doc.Num("/groups_examined"), 1.0);
  EXPECT_EQ(doc.Bool("/not_judged/0/too_few"), true);
  EXPECT_EQ(doc.Num("/not_judged/0/count"), 9.0);
  // The tenth span makes the group judged.
  Add({Step("rare", "s", "r8", 8000, Normal(8))});
  r = Run(Window());
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_FALSE(r.groups[0].too_few);
  EXPECT_EQ(r.groups[0].outliers, 1u);
}

TEST_F(OutliersTest, RefusesWindowsOverMaxSpans) {
  AddPlanted();
  OutlierSpec s = Window();
  s.max_spans = 202;
  auto r = FindOutliers(store_.get(), s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("203"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("202"), std::string::npos) << r.status().message();
  s.max_spans = 203;
  EXPECT_TRUE(FindOutliers(store_.get(), s).ok());
  // The scan reads the whole window whatever the label filters: they do not
  // lower the count that is checked.
  Add({Step("other", "o", "o1", 0, 100)});
  query::Matcher m;
  m.label.type = query::Label::kStr;
  m.label.str = event::StrField::kAgent;
  m.values = {"tester"};
  s.filters = {m};
  r = FindOutliers(store_.get(), s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("204"), std::string::npos) << r.status().message();
  // Only the examined kinds count.
  s.kinds = {SpanKind::kToolCall};
  EXPECT_TRUE(FindOutliers(store_.get(), s).ok());
}

TEST_F(OutliersTest, LabelFiltersRestrictTheGroups) {
  std::vector<std::string> lines;
  for (int i = 0; i < 30; ++i) {
    for (const char* agent : {"alpha", "beta"}) {
      const std::string a = agent;
      lines.push_back(Tool(a, "bash", a + "-s", a + std::to_string(i), i * 1000, Normal(i), i % 2 ? "m1" : "m2"));
    }
  }
  for (const char* agent : {"alpha", "beta"}) {
    const std::string a = agent;
    lines.push_back(Tool(a, "bash", a + "-slow", a + "-slow1", 40000, 3000, "m1"));
    lines.push_back(Tool(a, "bash", a + "-slow", a + "-slow2", 41000, 3000, "m2"));
  }
  Add(lines);
  OutlierSpec s = Window();
  query::Matcher m;
  m.label.type = query::Label::kStr;
  m.label.str = event::StrField::kAgent;
  m.values = {"beta"};
  s.filters = {m};
  OutlierReport r = Run(s);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].agent, "beta");
  EXPECT_EQ(r.groups[0].count, 32u);
  EXPECT_EQ(r.groups[0].outliers, 2u);
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].session_id, "beta-slow");
  EXPECT_EQ(r.sessions[0].outlying_spans, 2u);
  // A filter on a label that is not part of the grouping applies span by span.
  query::Matcher model;
  model.label.type = query::Label::kStr;
  model.label.str = event::StrField::kModel;
  model.values = {"m1"};
  s.filters = {m, model};
  r = Run(s);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].count, 16u);
  EXPECT_EQ(r.groups[0].outliers, 1u);
  ASSERT_EQ(r.groups[0].spans.size(), 1u);
  EXPECT_EQ(r.groups[0].spans[0].span_id, "beta-slow1");
}

TEST_F(OutliersTest, SessionSpansUseTheSessionIdAndKindsAreSelectable) {
  std::vector<std::string> lines;
  for (int i = 0; i < 20; ++i) {
    lines.push_back(SpanEvent("session", "ses" + std::to_string(i), "", i * 100000, 0)
                        .Remove("span_id")
                        .Set("duration_ms", Normal(i) * 100)
                        .Str());
  }
  lines.push_back(
      SpanEvent("session", "ses-long", "", 3000000, 0).Remove("span_id").Set("duration_ms", 900000.0).Str());
  Add(lines);
  OutlierReport r = Run(Window());
  const OutlierGroup* g = Find(r, SpanKind::kSession, "coder");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->outliers, 1u);
  ASSERT_EQ(g->spans.size(), 1u);
  EXPECT_EQ(g->spans[0].span_id, "ses-long");
  EXPECT_EQ(g->spans[0].session_id, "ses-long");
  OutlierSpec s = Window();
  s.kinds = {SpanKind::kLlmCall};
  r = Run(s);
  EXPECT_TRUE(r.groups.empty());
}

TEST_F(OutliersTest, InvalidSpecs) {
  OutlierSpec s = Window();
  s.to_us = s.from_us;
  EXPECT_EQ(FindOutliers(store_.get(), s).status().code(), StatusCode::kInvalidArgument);
  s = Window();
  s.kinds = {};
  EXPECT_EQ(FindOutliers(store_.get(), s).status().code(), StatusCode::kInvalidArgument);
  s.kinds = {SpanKind::kSample};
  EXPECT_EQ(FindOutliers(store_.get(), s).status().code(), StatusCode::kInvalidArgument);
  s = Window();
  s.threshold = std::nan("");
  EXPECT_EQ(FindOutliers(store_.get(), s).status().code(), StatusCode::kInvalidArgument);
  s.threshold = -1;
  EXPECT_EQ(FindOutliers(store_.get(), s).status().code(), StatusCode::kInvalidArgument);
  // An empty store: nothing examined.
  OutlierReport r = Run(Window());
  EXPECT_TRUE(r.groups.empty());
  EXPECT_TRUE(r.sessions.empty());
}

TEST_F(OutliersTest, JsonHasTheDocumentedShape) {
  AddPlanted();
  Add({Step("rare", "s", "r1", 0, 100)});
  OutlierReport r = Run(Window());
  JsonWriter w;
  WriteOutliersJson(r, &w);
  testing::JsonDoc doc(w.str());
  ASSERT_TRUE(doc.ok()) << w.str();
  EXPECT_EQ(doc.Num("/threshold"), 3.5);
  EXPECT_EQ(doc.Str("/method"), "modified z = (x - median) / (1.4826 MAD)");
  EXPECT_EQ(doc.Num("/from_ms"), static_cast<double>(kBaseMs));
  EXPECT_EQ(doc.Num("/groups_examined"), 2.0);
  ASSERT_EQ(doc.Len("/groups"), 1u);
  EXPECT_EQ(doc.Str("/groups/0/kind"), "tool_call");
  EXPECT_EQ(doc.Str("/groups/0/agent"), "tester");
  EXPECT_EQ(doc.Str("/groups/0/tool"), "bash");
  EXPECT_EQ(doc.Num("/groups/0/count"), 203.0);
  EXPECT_EQ(doc.Num("/groups/0/outliers"), 3.0);
  EXPECT_EQ(doc.Str("/groups/0/scale_from"), "mad");
  for (const char* f : {"/groups/0/median_ms", "/groups/0/mad_ms", "/groups/0/scale_ms"}) {
    EXPECT_TRUE(doc.Num(f).has_value()) << f;
  }
  ASSERT_EQ(doc.Len("/groups/0/spans"), 3u);
  EXPECT_EQ(doc.Str("/groups/0/spans/0/span_id"), "slow3");
  EXPECT_EQ(doc.Str("/groups/0/spans/0/session_id"), "sB");
  EXPECT_EQ(doc.Str("/groups/0/spans/0/model"), "sim-small");
  EXPECT_EQ(doc.Num("/groups/0/spans/0/start_ms"), static_cast<double>(kBaseMs + 5500));
  EXPECT_EQ(doc.Num("/groups/0/spans/0/duration_ms"), 2600.0);
  EXPECT_EQ(doc.Num("/groups/0/spans/0/z"), r.groups[0].spans[0].z);
  EXPECT_EQ(doc.Num("/groups/0/spans/0/x_median"), r.groups[0].spans[0].x_median);
  ASSERT_EQ(doc.Len("/not_judged"), 1u);
  EXPECT_EQ(doc.Str("/not_judged/0/kind"), "llm_call");
  EXPECT_EQ(doc.Bool("/not_judged/0/too_few"), true);
  ASSERT_EQ(doc.Len("/sessions"), 2u);
  EXPECT_EQ(doc.Str("/sessions/0/session_id"), "sA");
  EXPECT_EQ(doc.Str("/sessions/0/agent"), "tester");
  EXPECT_EQ(doc.Num("/sessions/0/outlying_spans"), 2.0);
  EXPECT_TRUE(doc.Num("/sessions/0/max_z").has_value());
  EXPECT_EQ(doc.Num("/source/spans_read"), 204.0);
}

}  // namespace
}  // namespace agentperf::analysis
