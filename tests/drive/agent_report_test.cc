#include "drive/agent_report.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "testing/events.h"
#include "testing/server_fixture.h"

namespace agentperf::drive {
namespace {

using testing::EventJson;

std::string Ev(const char* kind, const char* agent, int n, double duration_ms) {
  return EventJson()
      .Set("kind", kind)
      .Set("agent", agent)
      .Set("span_id", fmt::format("{}-{}-{}", kind, agent, n))
      .Set("duration_ms", duration_ms)
      .Str();
}

TEST(AgentReport, ReadsEveryKindPerAgentFromARunningServer) {
  testing::TestServer server;
  net::HttpClient c = server.Client();
  std::vector<std::string> lines;
  for (int i = 0; i < 20; ++i) {
    lines.push_back(EventJson()
                        .Set("kind", "llm_call")
                        .Set("agent", "coder")
                        .Set("span_id", fmt::format("llm-{}", i))
                        .Set("duration_ms", 10.0 * (i + 1))
                        .Raw("tokens", R"({"input": 10, "output": 5})")
                        .Set("cost", 0.05)
                        .Set("ttfc_ms", 40.0)
                        .Str());
  }
  lines.push_back(Ev("tool_call", "coder", 0, 30));
  lines.push_back(EventJson()
                      .Set("kind", "tool_call")
                      .Set("agent", "coder")
                      .Set("span_id", "tool-err")
                      .Set("duration_ms", 20.0)
                      .Set("status", "error")
                      .Str());
  lines.push_back(Ev("retry", "coder", 0, 200));
  lines.push_back(Ev("session", "coder", 0, 5000));
  lines.push_back(Ev("permission_wait", "build", 0, 1500));
  lines.push_back(Ev("llm_call", "build", 0, 50));
  auto r = c.Post("/v1/events", testing::Ndjson(lines), "application/x-ndjson");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;

  auto rows = QueryAgentReport(&c, testing::kBaseMs - 1000);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  const AgentRow& build = (*rows)[0];
  const AgentRow& coder = (*rows)[1];
  EXPECT_EQ(build.agent, "build");
  EXPECT_EQ(build.permission_waits, 1u);
  EXPECT_DOUBLE_EQ(build.permission_wait_ms, 1500);
  EXPECT_FALSE(build.mean_ttfc_ms.has_value());
  EXPECT_EQ(coder.agent, "coder");
  EXPECT_EQ(coder.steps, 20u);
  EXPECT_EQ(coder.sessions, 1u);
  // 10, 20, ... 200 ms: quantiles from a sketch, within one rank and its error.
  EXPECT_NEAR(coder.p50_step_ms, 100, 15);
  EXPECT_NEAR(coder.p95_step_ms, 190, 15);
  ASSERT_TRUE(coder.mean_ttfc_ms.has_value());
  EXPECT_DOUBLE_EQ(*coder.mean_ttfc_ms, 40);
  EXPECT_EQ(coder.tokens_input, 200u);
  EXPECT_EQ(coder.tokens_output, 100u);
  EXPECT_NEAR(coder.cost, 1.0, 1e-9);
  EXPECT_EQ(coder.tool_calls, 2u);
  EXPECT_EQ(coder.tool_errors, 1u);
  EXPECT_DOUBLE_EQ(coder.tool_ms, 50);
  EXPECT_EQ(coder.retries, 1u);

  // Nothing after the events: no rows.
  auto later = QueryAgentReport(&c, testing::kBaseMs + 3600 * 1000);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->empty());

  const std::string text = FormatAgentReport(*rows);
  EXPECT_NE(text.find("agent "), std::string::npos);
  EXPECT_NE(text.find("coder "), std::string::npos);
  EXPECT_NE(text.find("cost: $1.000000 in all, coder $1.000000"), std::string::npos) << text;
  const std::string json = AgentReportJson(*rows);
  EXPECT_NE(json.find("\"agent\":\"build\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"mean_ttfc_ms\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"retries\":1"), std::string::npos) << json;
}

TEST(AgentReport, AServerThatIsDownIsAnError) {
  net::HttpClient c(*net::ParseUrl("http://127.0.0.1:9"));
  EXPECT_FALSE(QueryAgentReport(&c, 0).ok());
}

}  // namespace
}  // namespace agentperf::drive
