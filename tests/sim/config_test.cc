#include "sim/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "design_config.h"
#include "testing/temp_dir.h"

namespace agentperf::sim {
namespace {

TEST(SimConfigTest, ParsesTheDesignExample) {
  auto c = ParseConfig(testing::kDesignConfig);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->seed, 42u);
  ASSERT_EQ(c->models.size(), 2u);
  const ModelConfig& large = c->Model("sim-large");
  EXPECT_EQ(large.name, "sim-large");
  EXPECT_EQ(large.ttfc_ms.kind, Distribution::Kind::kLognormal);
  EXPECT_EQ(large.ttfc_ms.a, 400);
  EXPECT_EQ(large.ttfc_ms.b, 1200);
  EXPECT_EQ(large.tokens_per_s.kind, Distribution::Kind::kNormal);
  EXPECT_EQ(large.tokens_per_s.min, 5);
  EXPECT_DOUBLE_EQ(large.rate_limit_rate, 0.02);
  EXPECT_EQ(large.retry_after_ms, 300);
  EXPECT_TRUE(large.prefix_cache);
  EXPECT_EQ(c->Model("sim-small").ttfc_ms.kind, Distribution::Kind::kFixed);
  EXPECT_EQ(c->Model("sim-small").ttfc_ms.a, 80);
  EXPECT_EQ(c->title_text, "Sim session title");
  // Agents keep the file's order.
  ASSERT_EQ(c->agents.size(), 5u);
  EXPECT_EQ(c->agents[0].name, "planner");
  EXPECT_EQ(c->agents[4].name, "researcher");
  const auto& planner = c->agents[0].script.steps;
  ASSERT_EQ(planner.size(), 2u);
  ASSERT_EQ(planner[0].tools.size(), 2u);
  EXPECT_EQ(planner[0].tools[1].name, "task");
  EXPECT_EQ(planner[0].tools[0].args_json,
            R"({"subagent_type":"tester","description":"Run the tests","prompt":"Run the test suite"})");
  EXPECT_EQ(planner[1].output_tokens, 40);
  const auto& coder = c->agents[2].script.steps;
  ASSERT_EQ(coder[1].fail.size(), 1u);
  EXPECT_EQ(coder[1].fail[0].status, 429);
  EXPECT_EQ(coder[1].fail[0].attempts, 1);
  ASSERT_EQ(c->triggers.size(), 1u);
  EXPECT_EQ(c->triggers[0].user_contains, "SIM_PERM");
  EXPECT_EQ(c->triggers[0].agent, "build");
  ASSERT_EQ(c->default_script.steps.size(), 1u);
  EXPECT_EQ(c->default_script.steps[0].text, "OK");
}

TEST(SimConfigTest, UnknownModelsFallBackToStarThenDefaults) {
  auto c = ParseConfig(R"({"models": {"a": {"ttfc_ms": 5}}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Model("a").ttfc_ms.a, 5);
  EXPECT_EQ(c->Model("zzz").name, "*");  // built-in defaults
  EXPECT_EQ(c->Model("zzz").ttfc_ms.kind, Distribution::Kind::kFixed);
  auto s = ParseConfig(R"({"models": {"*": {"ttfc_ms": 7}, "a": {"ttfc_ms": 5}}})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->Model("zzz").ttfc_ms.a, 7);
  EXPECT_EQ(s->Model("a").ttfc_ms.a, 5);
}

TEST(SimConfigTest, AnEmptyConfigAnswersOk) {
  auto c = ParseConfig("{}");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->default_script.steps.size(), 1u);
  EXPECT_EQ(c->default_script.steps[0].text, "OK");
  EXPECT_TRUE(c->agents.empty());
}

TEST(SimConfigTest, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* where;
  };
  for (const Case& k : std::initializer_list<Case>{
           {"[1]", "JSON object"},
           {"{", "not valid JSON"},
           {R"({"sed": 1})", "sed: unknown key"},
           {R"({"models": {"m": {"ttfc_ms": {"dist": "gamma"}}}})", "models.m.ttfc_ms: unknown dist"},
           {R"({"models": {"m": {"ttfc_ms": {"dist": "normal", "mean": 3}}}})", "needs \"sd\""},
           {R"({"models": {"m": {"rate_limit_rate": 2}}})", "models.m.rate_limit_rate: must be between 0 and 1"},
           {R"({"models": {"m": {"tokens_per_s": 0}}})", "models.m.tokens_per_s: must be > 0"},
           {R"({"agents": {"a": {"steps": [{"text": "x"}]}}})", "agents.a: needs a non-empty \"match\""},
           {R"({"agents": {"a": {"match": "A", "steps": []}}})", "agents.a.steps: needs at least one step"},
           {R"({"agents": {"a": {"match": "A", "steps": [{"fail": [{"status": 200}]}]}}})",
            "agents.a.steps[0].fail[0].status"},
           {R"({"agents": {"a": {"match": "A", "steps": [{"tools": [{"args": {}}]}]}}})",
            "agents.a.steps[0].tools[0]: needs a \"name\""},
           {R"({"agents": {"a": {"match": "A", "steps": [{"tools": [{"name": "x", "args": [1]}]}]}}})",
            "tools[0].args: must be an object"},
           {R"({"triggers": [{"steps": [{"text": "x"}]}]})", "triggers[0]: needs a non-empty \"user_contains\""},
           {R"({"agents": {"a": {"match": "A", "steps": [{"txt": "x"}]}}})", "agents.a.steps[0].txt: unknown key"},
       }) {
    auto c = ParseConfig(k.json);
    ASSERT_FALSE(c.ok()) << k.json;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find(k.where), std::string::npos) << c.status().message();
  }
}

TEST(SimConfigTest, LoadConfigReadsAFileAndNamesItInErrors) {
  agentperf::testing::TempDir dir;
  {
    std::ofstream(dir.Sub("ok.json")) << testing::kDesignConfig;
    std::ofstream(dir.Sub("bad.json")) << R"({"seed": "x"})";
  }
  auto ok = LoadConfig(dir.Sub("ok.json"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->agents.size(), 5u);
  auto bad = LoadConfig(dir.Sub("bad.json"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.json"), std::string::npos);
  EXPECT_EQ(LoadConfig(dir.Sub("missing.json")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace agentperf::sim
