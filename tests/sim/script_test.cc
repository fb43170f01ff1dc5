#include "sim/script.h"

#include <gtest/gtest.h>

#include "design_config.h"
#include "sim_testing.h"

namespace agentperf::sim {
namespace {

using testing::ChatBody;
using testing::Msg;

ChatRequest Req(const std::vector<Msg>& msgs, const std::vector<std::string>& tools = testing::OpencodeTools()) {
  server::HttpRequest h;
  h.headers.emplace_back("x-session-affinity", "ses_1");
  auto r = ParseChatRequest(ChatBody(msgs, tools), h);
  EXPECT_TRUE(r.ok());
  return *r;
}

class ScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = ParseConfig(testing::kDesignConfig);
    ASSERT_TRUE(c.ok());
    config_ = std::move(c).value();
  }
  SimConfig config_;
};

TEST_F(ScriptTest, ARequestWithoutToolsIsATitleCall) {
  auto c = SelectScript(config_, Req({{"system", "You are the PLANNER agent"}, {"user", "a"}, {"user", "b"}}, {}));
  EXPECT_EQ(c.kind, ScriptKind::kTitle);
  EXPECT_EQ(c.agent, "title");
  StepChoice s = SelectStep(config_, c, 0);
  EXPECT_EQ(s.step.text, "Sim session title");
  EXPECT_TRUE(s.step.tools.empty());
}

TEST_F(ScriptTest, AgentsAreMatchedInTheSystemPrompt) {
  auto c = SelectScript(config_, Req({{"system", "Intro.\nYou are the CODER agent. Be brief."}, {"user", "fix"}}));
  EXPECT_EQ(c.kind, ScriptKind::kAgent);
  EXPECT_EQ(c.agent, "coder");
  ASSERT_NE(c.script, nullptr);
  EXPECT_EQ(c.script->steps.size(), 3u);
}

TEST_F(ScriptTest, TheFirstMatchingAgentInFileOrderWins) {
  auto c = SelectScript(config_, Req({{"system", "You are the TESTER and You are the PLANNER"}, {"user", "x"}}));
  EXPECT_EQ(c.agent, "planner");
}

TEST_F(ScriptTest, TriggersInTheLastUserMessageComeFirst) {
  auto c = SelectScript(config_, Req({{"system", "You are the PLANNER"}, {"user", "please SIM_PERM now"}}));
  EXPECT_EQ(c.kind, ScriptKind::kTrigger);
  EXPECT_EQ(c.agent, "build");
  // Only the last user message counts.
  auto d = SelectScript(
      config_,
      Req({{"system", "You are the PLANNER"}, {"user", "SIM_PERM"}, {"assistant", "ok"}, {"user", "something else"}}));
  EXPECT_EQ(d.kind, ScriptKind::kAgent);
}

TEST_F(ScriptTest, NothingMatchingGivesTheDefault) {
  auto c = SelectScript(config_, Req({{"system", "You are opencode"}, {"user", "hi"}}));
  EXPECT_EQ(c.kind, ScriptKind::kDefault);
  EXPECT_EQ(SelectStep(config_, c, 0).step.text, "OK");
}

TEST_F(ScriptTest, StepsPlayInOrderAndPastTheEndTheLastTextRepeats) {
  auto c = SelectScript(config_, Req({{"system", "You are the PLANNER"}, {"user", "x"}}));
  StepChoice s0 = SelectStep(config_, c, 0);
  EXPECT_EQ(s0.step.tools.size(), 2u);
  EXPECT_FALSE(s0.past_end);
  StepChoice s1 = SelectStep(config_, c, 1);
  EXPECT_EQ(s1.step.text, "Plan complete: tests pass, bug fixed.");
  StepChoice s5 = SelectStep(config_, c, 5);
  EXPECT_TRUE(s5.past_end);
  EXPECT_EQ(s5.step.text, "Plan complete: tests pass, bug fixed.");
  EXPECT_TRUE(s5.step.tools.empty());
  EXPECT_EQ(s5.step.output_tokens, 40);
}

TEST_F(ScriptTest, PastTheEndOfAToolOnlyScriptTheAnswerIsOk) {
  auto cfg = ParseConfig(R"({"agents": {"a": {"match": "AAA", "steps": [{"tools": [{"name": "bash"}]}]}}})");
  ASSERT_TRUE(cfg.ok());
  auto c = SelectScript(*cfg, Req({{"system", "AAA"}, {"user", "x"}}));
  StepChoice s = SelectStep(*cfg, c, 1);
  EXPECT_TRUE(s.past_end);
  EXPECT_EQ(s.step.text, "OK");
  EXPECT_TRUE(s.step.tools.empty());
}

TEST(ScriptedFailureTest, EntriesApplyToConsecutiveAttempts) {
  StepSpec s;
  s.fail = {{500, 1}, {429, 2}};
  EXPECT_EQ(ScriptedFailure(s, 0), 500);
  EXPECT_EQ(ScriptedFailure(s, 1), 429);
  EXPECT_EQ(ScriptedFailure(s, 2), 429);
  EXPECT_EQ(ScriptedFailure(s, 3), std::nullopt);
  EXPECT_EQ(ScriptedFailure(StepSpec{}, 0), std::nullopt);
}

}  // namespace
}  // namespace agentperf::sim
