#include "sim/plan.h"

#include <gtest/gtest.h>

#include <set>

#include "design_config.h"
#include "sim_testing.h"

namespace agentperf::sim {
namespace {

using testing::ChatBody;
using testing::Msg;

ChatRequest Req(const std::string& session, const std::vector<Msg>& msgs,
                const std::vector<std::string>& tools = testing::OpencodeTools(),
                const std::string& model = "sim-large") {
  server::HttpRequest h;
  h.headers.emplace_back("x-session-affinity", session);
  auto r = ParseChatRequest(ChatBody(msgs, tools, true, model), h);
  EXPECT_TRUE(r.ok());
  return *r;
}

SimConfig Design() {
  auto c = ParseConfig(testing::kDesignConfig);
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

std::vector<Msg> Coder(int step) {
  std::vector<Msg> m = {{"system", "You are the CODER agent."}, {"user", "fix it"}};
  for (int i = 0; i < step; ++i) {
    m.push_back({"assistant", "", 1});
    m.push_back({"tool", "result"});
  }
  return m;
}

TEST(PlanTest, PlansTheScriptedStepWithUsageAndIds) {
  SimConfig cfg = Design();
  cfg.models[0].rate_limit_rate = 0;  // no random 429 here
  SessionState st;
  ChatRequest req = Req("ses_p", {{"system", "You are the PLANNER agent."}, {"user", "plan"}});
  ResponsePlan p = PlanResponse(cfg, req, st);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.agent, "planner");
  EXPECT_EQ(p.kind, "agent");
  EXPECT_EQ(p.step, 0);
  EXPECT_EQ(p.attempt, 0);
  ASSERT_EQ(p.tool_calls.size(), 2u);
  EXPECT_EQ(p.tool_calls[0].name, "task");
  EXPECT_NE(p.tool_calls[0].id, p.tool_calls[1].id);
  EXPECT_EQ(p.finish_reason, "tool_calls");
  EXPECT_EQ(p.usage.prompt_tokens, PromptTokens(req.prompt_bytes, 4));
  EXPECT_EQ(p.usage.cached_tokens, 0);
  EXPECT_EQ(p.usage.completion_tokens, ArgTokens(p.tool_calls[0].args_json) + ArgTokens(p.tool_calls[1].args_json));
  EXPECT_GT(p.ttfc_ms, 0);
  EXPECT_GE(p.tokens_per_s, 5);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_NE(p.response_id.find("chatcmpl-sim-"), std::string::npos);

  // The next step of the same session: the earlier prompt is cached.
  ChatRequest req2 = Req(
      "ses_p",
      {{"system", "You are the PLANNER agent."}, {"user", "plan"}, {"assistant", "", 2}, {"tool", "a"}, {"tool", "b"}});
  ResponsePlan p2 = PlanResponse(cfg, req2, st);
  EXPECT_EQ(p2.step, 1);
  EXPECT_EQ(p2.text, "Plan complete: tests pass, bug fixed.");
  EXPECT_TRUE(p2.tool_calls.empty());
  EXPECT_EQ(p2.finish_reason, "stop");
  EXPECT_EQ(p2.usage.completion_tokens, 40);
  EXPECT_EQ(p2.usage.cached_tokens, p.usage.prompt_tokens);
  EXPECT_GT(p2.usage.prompt_tokens, p.usage.prompt_tokens);
  EXPECT_NE(p2.response_id, p.response_id);
}

TEST(PlanTest, AScriptedFailureAnswersTheFirstAttemptThenSucceeds) {
  SimConfig cfg = Design();
  cfg.models[0].rate_limit_rate = 0;
  SessionState st;
  ResponsePlan a0 = PlanResponse(cfg, Req("ses_c", Coder(1)), st);
  EXPECT_EQ(a0.status, 429);
  EXPECT_EQ(a0.error, "scripted");
  EXPECT_EQ(a0.retry_after_ms, 300);
  EXPECT_EQ(a0.attempt, 0);
  ResponsePlan a1 = PlanResponse(cfg, Req("ses_c", Coder(1)), st);
  EXPECT_EQ(a1.status, 200);
  EXPECT_EQ(a1.attempt, 1);
  ASSERT_EQ(a1.tool_calls.size(), 1u);
  EXPECT_EQ(a1.tool_calls[0].name, "bash");
  EXPECT_NE(a0.response_id, a1.response_id);
  // A failed attempt does not feed the prefix cache: the retry sees the step-0 prompt.
  SessionState fresh;
  (void)PlanResponse(cfg, Req("ses_d", Coder(0)), fresh);
  ResponsePlan f0 = PlanResponse(cfg, Req("ses_d", Coder(1)), fresh);
  ResponsePlan f1 = PlanResponse(cfg, Req("ses_d", Coder(1)), fresh);
  EXPECT_EQ(f0.status, 429);
  EXPECT_EQ(f1.usage.cached_tokens, PromptTokens(Req("ses_d", Coder(0)).prompt_bytes, 4));
}

TEST(PlanTest, RandomRatesFollowTheConfiguredProbability) {
  SimConfig cfg = Design();
  cfg.models[0].rate_limit_rate = 0.3;
  cfg.models[0].error_rate = 0.2;
  cfg.models[0].error_status = 503;
  SessionState st;
  int limited = 0, errors = 0, ok = 0;
  constexpr int kN = 3000;
  for (int i = 0; i < kN; ++i) {
    ResponsePlan p = PlanResponse(cfg, Req("ses_" + std::to_string(i), Coder(0)), st);
    if (p.status == 429) {
      ++limited;
      EXPECT_EQ(p.error, "rate_limit");
    } else if (p.status == 503) {
      ++errors;
      EXPECT_EQ(p.error, "error");
    } else {
      ++ok;
    }
  }
  EXPECT_NEAR(limited / double(kN), 0.3, 0.04);
  EXPECT_NEAR(errors / double(kN), 0.7 * 0.2, 0.04);  // drawn after the rate limit
  EXPECT_EQ(limited + errors + ok, kN);
}

TEST(PlanTest, ResultsDoNotDependOnTheOrderOfSessions) {
  SimConfig cfg = Design();
  SessionState s1, s2;
  ResponsePlan a1 = PlanResponse(cfg, Req("ses_a", Coder(0)), s1);
  ResponsePlan b1 = PlanResponse(cfg, Req("ses_b", Coder(0)), s1);
  ResponsePlan b2 = PlanResponse(cfg, Req("ses_b", Coder(0)), s2);
  ResponsePlan a2 = PlanResponse(cfg, Req("ses_a", Coder(0)), s2);
  EXPECT_EQ(a1.ttfc_ms, a2.ttfc_ms);
  EXPECT_EQ(a1.tokens_per_s, a2.tokens_per_s);
  EXPECT_EQ(b1.ttfc_ms, b2.ttfc_ms);
  EXPECT_NE(a1.ttfc_ms, b1.ttfc_ms);  // different sessions draw differently
  EXPECT_EQ(a1.response_id, a2.response_id);
  // Another seed, other draws.
  cfg.seed = 43;
  SessionState s3;
  EXPECT_NE(PlanResponse(cfg, Req("ses_a", Coder(0)), s3).ttfc_ms, a1.ttfc_ms);
}

TEST(PlanTest, TitleCallsAreKeptApartFromTheAgentsFirstStep) {
  SimConfig cfg = Design();
  cfg.models[0].rate_limit_rate = 0;
  SessionState st;
  ResponsePlan title = PlanResponse(cfg, Req("ses_t", {{"system", "title"}, {"user", "a"}, {"user", "b"}}, {}), st);
  ResponsePlan step = PlanResponse(cfg, Req("ses_t", Coder(0)), st);
  EXPECT_EQ(title.kind, "title");
  EXPECT_EQ(title.text, "Sim session title");
  EXPECT_EQ(title.attempt, 0);
  EXPECT_EQ(step.attempt, 0);
  EXPECT_EQ(step.usage.cached_tokens, 0);  // the title's prompt is not this prefix
  EXPECT_NE(title.response_id, step.response_id);
}

TEST(PlanTest, ToolCallIdsAreUniqueAcrossTurnsAndSteps) {
  SimConfig cfg = Design();
  cfg.models[0].rate_limit_rate = 0;
  SessionState st;
  std::set<std::string> ids;
  std::vector<Msg> m = {{"system", "You are the RESEARCHER"}, {"user", "one"}};
  for (int turn = 0; turn < 3; ++turn) {
    ResponsePlan p = PlanResponse(cfg, Req("ses_r", m), st);
    ASSERT_EQ(p.tool_calls.size(), 2u);
    for (const auto& c : p.tool_calls) EXPECT_TRUE(ids.insert(c.id).second) << c.id;
    m.push_back({"assistant", "", 2});
    m.push_back({"tool", "x"});
    m.push_back({"tool", "y"});
    m.push_back({"assistant", "Found 2 files."});
    m.push_back({"user", "again"});
  }
}

TEST(PlanTest, ToolsTheRequestDoesNotOfferAreWarnedAbout) {
  SimConfig cfg = Design();
  cfg.models[0].rate_limit_rate = 0;
  SessionState st;
  ResponsePlan p =
      PlanResponse(cfg, Req("ses_w", {{"system", "You are the PLANNER"}, {"user", "x"}}, {"bash", "read"}), st);
  EXPECT_EQ(p.status, 200);
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_NE(p.warnings[0].find("'task'"), std::string::npos);
}

TEST(PlanTest, GenerationTimeFollowsTokensPerSecond) {
  ResponsePlan p;
  p.usage.completion_tokens = 50;
  p.tokens_per_s = 200;
  EXPECT_DOUBLE_EQ(p.GenerationMs(), 250);
}

}  // namespace
}  // namespace agentperf::sim
