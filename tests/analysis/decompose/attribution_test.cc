#include "analysis/decompose/attribution.h"

#include <gtest/gtest.h>

#include "analysis/decompose/test_spans.h"

namespace agentperf::analysis::decompose {
namespace {

using namespace testing;  // NOLINT
using Cats = std::vector<std::pair<std::string, int64_t>>;

TEST(AttributionTest, UnknownNodeGivesAnEmptyBreakdown) {
  SpanTree t = BuildTree({SessionSpan("ses_a", "build", 0, 10)});
  Breakdown b = AttributeNode(t, 5);
  EXPECT_EQ(b.node, kNoNode);
  EXPECT_EQ(b.wall_us, 0);
  EXPECT_TRUE(b.categories.empty());
  EXPECT_TRUE(AttributeSessionTurns(t, "ses_nope").empty());
}

TEST(AttributionTest, ZeroLengthSpansCoverNothing) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 100),
      TurnSpan("ses_a", "msg_u1", "build", 0, 100),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 10, 10),
  });
  Breakdown b = AttributeNode(t, t.FindSpan("msg_u1"));
  EXPECT_EQ(b.categories, (Cats{{"gap", Us(100)}}));
  EXPECT_EQ(b.diagnostics.zero_length_spans, 1);
  EXPECT_EQ(b.spans, 2);
}

TEST(AttributionTest, GetShareAndParallelism) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 100),
      TurnSpan("ses_a", "msg_u1", "build", 0, 100),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 0, 75),
      CompactionSpan("ses_a", "prt_c", 75, 100),
  });
  Breakdown b = AttributeNode(t, t.FindSession("ses_a"));
  EXPECT_EQ(b.Get("model"), Us(75));
  EXPECT_EQ(b.Get("compaction"), Us(25));
  EXPECT_EQ(b.Get("nope"), 0);
  EXPECT_DOUBLE_EQ(b.Share("model"), 0.75);
  EXPECT_DOUBLE_EQ(b.parallelism(), 1.0);
  EXPECT_EQ(b.node, t.FindSession("ses_a"));
}

TEST(AttributionTest, ToolWithoutNameAndSubagentWithoutAgent) {
  SpanTree t = BuildTree({
      SessionSpan("ses_p", "planner", 0, 100),
      TurnSpan("ses_p", "msg_u1", "planner", 0, 100),
      LlmSpan("ses_p", "msg_a1", "msg_u1", 0, 100),
      ToolSpan("ses_p", "prt_1", "msg_a1", "", 0, 10),
      TaskSpan("ses_p", "prt_k", "msg_a1", "ses_anon", 20, 60),
      SessionSpan("ses_anon", "", 20, 60, "ses_p"),
  });
  Breakdown b = AttributeNode(t, t.FindSpan("msg_u1"));
  EXPECT_EQ(b.categories, (Cats{{"model", Us(50)}, {"subagent:ses_anon", Us(40)}, {"tool:?", Us(10)}}));
  ASSERT_EQ(b.subagents.size(), 1u);
  EXPECT_EQ(b.subagents[0].breakdown.categories, (Cats{{"idle", Us(40)}}));
}

TEST(AttributionTest, TwoSubagentsOfTheSameAgentAddUp) {
  SpanTree t = BuildTree({
      SessionSpan("ses_p", "planner", 0, 100),
      TurnSpan("ses_p", "msg_u1", "planner", 0, 100),
      LlmSpan("ses_p", "msg_a1", "msg_u1", 0, 100),
      TaskSpan("ses_p", "prt_k1", "msg_a1", "ses_t1", 0, 50),
      TaskSpan("ses_p", "prt_k2", "msg_a1", "ses_t2", 25, 75),
      SessionSpan("ses_t1", "tester", 0, 50, "ses_p"),
      SessionSpan("ses_t2", "tester", 25, 75, "ses_p"),
  });
  Breakdown b = AttributeNode(t, t.FindSpan("msg_u1"));
  EXPECT_EQ(b.categories, (Cats{{"subagent:tester", Us(75)}, {"model", Us(25)}}));
  ASSERT_EQ(b.subagents.size(), 2u);
  EXPECT_EQ(b.subagents[0].session_id, "ses_t1");
  EXPECT_EQ(b.subagents[0].attributed_us, Us(37.5));
  EXPECT_EQ(b.subagents[1].attributed_us, Us(37.5));
  EXPECT_EQ(b.serial_us, Us(125));
}

TEST(AttributionTest, AggregateByAgentSumsTurnsAndSkipsOpenOnes) {
  SpanTree t = BuildTree({
      SessionSpan("ses_p", "planner", 0, 10000),
      TurnSpan("ses_p", "msg_pu1", "planner", 0, 4000),
      LlmSpan("ses_p", "msg_pa1", "msg_pu1", 0, 3000),
      TurnSpan("ses_p", "msg_pu2", "", 5000, 10000),  // no agent: the session's
      LlmSpan("ses_p", "msg_pa2", "msg_pu2", 5000, 10000),
      TaskSpan("ses_p", "prt_k", "msg_pa2", "ses_t", 6000, 8000),
      SessionSpan("ses_t", "tester", 6000, 8000, "ses_p"),
      TurnSpan("ses_t", "msg_tu1", "tester", 6000, 8000),
      LlmSpan("ses_t", "msg_ta1", "msg_tu1", 6000, 7000),
      ToolSpan("ses_t", "prt_b", "msg_ta1", "bash", 6200, 6700),
      TurnSpan("ses_t", "msg_tu2", "tester", 9000, 0),  // still open: end < start
  });
  AgentTimeShares a = AggregateByAgent(t);
  EXPECT_EQ(a.skipped_turns, 1);
  ASSERT_EQ(a.agents.size(), 2u);
  const AgentShare& p = a.agents[0];
  EXPECT_EQ(p.agent, "planner");
  EXPECT_EQ(p.turns, 2);
  EXPECT_EQ(p.wall_us, Us(9000));
  ASSERT_EQ(p.categories.size(), 3u);
  EXPECT_EQ(p.categories[0].name, "model");
  EXPECT_EQ(p.categories[0].us, Us(6000));
  EXPECT_DOUBLE_EQ(p.categories[0].share, 6.0 / 9);
  EXPECT_EQ(p.categories[1].name, "subagent:tester");
  EXPECT_EQ(p.categories[1].us, Us(2000));
  EXPECT_EQ(p.categories[2].name, "gap");
  EXPECT_EQ(p.categories[2].us, Us(1000));
  const AgentShare& tt = a.agents[1];
  EXPECT_EQ(tt.agent, "tester");
  EXPECT_EQ(tt.turns, 1);
  EXPECT_EQ(tt.wall_us, Us(2000));
  ASSERT_EQ(tt.categories.size(), 3u);
  EXPECT_EQ(tt.categories[0].name, "gap");
  EXPECT_EQ(tt.categories[0].us, Us(1000));
  EXPECT_DOUBLE_EQ(tt.categories[0].share, 0.5);
  EXPECT_EQ(tt.categories[1].name, "model");
  EXPECT_EQ(tt.categories[1].us, Us(500));
  EXPECT_EQ(tt.categories[2].name, "tool:bash");
  double total = 0;
  for (const auto& c : tt.categories) total += c.share;
  EXPECT_DOUBLE_EQ(total, 1.0);
}

}  // namespace
}  // namespace agentperf::analysis::decompose
