#include "analysis/baseline/baseline.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/events.h"
#include "testing/store_pair.h"
#include "testing/temp_dir.h"

namespace agentperf::analysis {
namespace {

using testing::Decode;
using testing::EventJson;
using testing::kBaseMs;

// coder: 10 steps of 100..1000 ms on claude-sonnet-4 with cost 0 (estimated
// from the bundled price), 2 of them with TTFC; two bash calls (150 ms, and
// 100 ms + a 50 ms permission wait); 2 turns; 1 retry; 1 failed step.
// tester: 4 steps of 400 ms on a model with a recorded cost, 1 turn.
std::vector<std::string> Events() {
  std::vector<std::string> lines;
  for (int i = 0; i < 10; ++i) {
    EventJson e;
    e.Set("span_id", "c" + std::to_string(i)).Set("start_ms", kBaseMs + i * 2000).Set("duration_ms", 100 * (i + 1));
    e.Set("provider", "anthropic").Set("model", "claude-sonnet-4-20250514");
    e.Raw("tokens", R"({"input":100,"output":50,"cache_read":300})").Set("cost", 0.0);
    if (i < 2) e.Set("ttfc_ms", 40.0 + i * 20);
    if (i == 9) e.Set("status", "error");
    lines.push_back(e.Str());
  }
  for (int i = 0; i < 4; ++i) {
    lines.push_back(EventJson()
                        .Set("span_id", "t" + std::to_string(i))
                        .Set("agent", "tester")
                        .Set("start_ms", kBaseMs + 30000 + i * 1000)
                        .Set("duration_ms", 400)
                        .Set("provider", "sim")
                        .Set("model", "sim-small")
                        .Raw("tokens", R"({"input":10,"output":20})")
                        .Set("cost", 0.25)
                        .Str());
  }
  auto span = [&](const char* kind, const char* id, int64_t start, int dur) {
    return EventJson().Set("kind", kind).Set("span_id", id).Set("start_ms", kBaseMs + start).Set("duration_ms", dur);
  };
  lines.push_back(span("tool_call", "b1", 100, 150).Set("tool", "bash").Set("provider", "anthropic").Str());
  lines.push_back(span("tool_call", "b2", 2100, 100).Set("tool", "bash").Set("provider", "anthropic").Str());
  lines.push_back(span("permission_wait", "p1", 2110, 50).Set("tool", "bash").Set("provider", "anthropic").Str());
  lines.push_back(span("turn", "u1", 0, 9000).Str());
  lines.push_back(span("turn", "u2", 10000, 9000).Str());
  lines.push_back(span("retry", "r1", 500, 10).Str());
  lines.push_back(span("turn", "u3", 30000, 4000).Set("agent", "tester").Str());
  return lines;
}

class BaselineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->Append(Decode(testing::Ndjson(Events()))).ok());
  }
  BaselineTable Run(BaselineSpec spec) {
    auto t = ComputeBaselines(store_.get(), spec, PriceTable::Bundled());
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(t).value() : BaselineTable{};
  }
  static BaselineSpec ByAgent() {
    BaselineSpec s;
    s.group_by = {event::StrField::kAgent};
    return s;
  }
  void CheckByAgent() {
    BaselineTable t = Run(ByAgent());
    ASSERT_EQ(t.rows.size(), 2u);
    const BaselineRow& c = t.rows[0];
    ASSERT_EQ(c.labels.at(0).second, "coder");
    EXPECT_EQ(c.count, 10u);
    EXPECT_EQ(c.errors, 1u);
    EXPECT_DOUBLE_EQ(c.error_rate, 0.1);
    EXPECT_DOUBLE_EQ(c.mean_ms, 550);
    // sorted position floor(q * 9): p50 → 500, p90 → 900, p25 → 300, p75 → 700.
    EXPECT_NEAR(c.p50_ms, 500, 500 * 0.005);
    EXPECT_NEAR(c.p90_ms, 900, 900 * 0.005);
    EXPECT_NEAR(c.iqr_ms, 400, 0.005 * (300 + 700));
    EXPECT_NEAR(c.mad_ms, 200, 0.005 * (2 * 500 + 200));
    EXPECT_DOUBLE_EQ(c.total_ms, 5500);
    EXPECT_DOUBLE_EQ(c.tokens_input, 1000);
    EXPECT_DOUBLE_EQ(c.tokens_cache_read, 3000);
    EXPECT_DOUBLE_EQ(c.cache_hit_ratio, 0.75);
    // claude-sonnet-4: $3 in, $15 out, $0.30 cache read per million.
    const double est = (1000 * 3.0 + 500 * 15.0 + 3000 * 0.30) / 1e6;
    EXPECT_NEAR(c.cost, est, 1e-12);
    EXPECT_NEAR(c.cost_estimated, est, 1e-12);
    EXPECT_EQ(c.ttfc_count, 2u);
    EXPECT_NEAR(c.ttfc_p50_ms, 40, 40 * 0.005);
    // model time: 5500 − 250 ms of bash − 50 ms of permission wait.
    EXPECT_DOUBLE_EQ(c.model_ms, 5200);
    EXPECT_NEAR(c.output_tokens_per_s, 500 / 5.2, 1e-9);
    EXPECT_EQ(c.turns, 2u);
    EXPECT_DOUBLE_EQ(c.steps_per_turn, 5);
    EXPECT_DOUBLE_EQ(c.retries_per_turn, 0.5);
    EXPECT_DOUBLE_EQ(c.cost_per_turn, c.cost / 2);
    EXPECT_DOUBLE_EQ(c.tokens_per_turn, (1000 + 500 + 3000) / 2.0);

    const BaselineRow& te = t.rows[1];
    EXPECT_EQ(te.labels.at(0).second, "tester");
    EXPECT_EQ(te.count, 4u);
    EXPECT_DOUBLE_EQ(te.cost, 1.0);  // recorded, nothing estimated
    EXPECT_DOUBLE_EQ(te.cost_estimated, 0);
    EXPECT_TRUE(std::isnan(te.cache_hit_ratio) || te.cache_hit_ratio == 0);
    EXPECT_TRUE(std::isnan(te.ttfc_p50_ms));
    EXPECT_EQ(te.mad_ms, 0);
    EXPECT_DOUBLE_EQ(te.steps_per_turn, 4);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::EmbeddedStore> store_;
};

TEST_F(BaselineTest, PerAgentFromTheHead) { CheckByAgent(); }

TEST_F(BaselineTest, PerAgentFromSegmentsAndRollups) {
  ASSERT_TRUE(store_->Flush().ok());
  CheckByAgent();
  // The duration, token and cost figures came from rollup cells, not rows.
  BaselineTable t = Run(ByAgent());
  EXPECT_GT(t.rollup_cells, 0u);
}

TEST_F(BaselineTest, ByToolDescribesToolCalls) {
  BaselineSpec s;
  s.group_by = {event::StrField::kAgent, event::StrField::kTool};
  BaselineTable t = Run(s);
  EXPECT_EQ(t.spec.kind, event::SpanKind::kToolCall);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].labels.at(1).second, "bash");
  EXPECT_EQ(t.rows[0].count, 2u);
  EXPECT_DOUBLE_EQ(t.rows[0].total_ms, 250);
  JsonWriter w;
  WriteBaselineJson(t, &w);
  EXPECT_EQ(w.str().find("steps_per_turn"), std::string::npos) << w.str();
}

TEST_F(BaselineTest, FiltersAndJson) {
  BaselineSpec s = ByAgent();
  query::Matcher m;
  m.label.type = query::Label::kStr;
  m.label.str = event::StrField::kAgent;
  m.values = {"tester"};
  s.filters.push_back(m);
  BaselineTable t = Run(s);
  ASSERT_EQ(t.rows.size(), 1u);
  JsonWriter w;
  WriteBaselineJson(t, &w);
  EXPECT_NE(w.str().find(R"("labels":{"agent":"tester"},"count":4)"), std::string::npos) << w.str();
  EXPECT_GE(t.queries, 5u);
}

TEST(BaselineGroupBy, ParsesAndRejects) {
  auto g = ParseGroupBy("agent,tool,agent");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->size(), 2u);
  EXPECT_FALSE(ParseGroupBy("session_id").ok());
}

}  // namespace
}  // namespace agentperf::analysis
