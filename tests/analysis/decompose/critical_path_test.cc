#include "analysis/decompose/critical_path.h"

#include <gtest/gtest.h>

#include "analysis/decompose/test_spans.h"

namespace agentperf::analysis::decompose {
namespace {

using namespace testing;  // NOLINT

TEST(CriticalPathTest, SequentialStepsAndTools) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 50, 400),
      ToolSpan("ses_a", "prt_1", "msg_a1", "bash", 100, 300),
      LlmSpan("ses_a", "msg_a2", "msg_u1", 450, 950),
  });
  auto id = [&](std::string_view s) { return t.FindSpan(s); };
  std::vector<PathSegment> want = {
      {id("msg_u1"), At(0), At(50)},     {id("msg_a1"), At(50), At(100)},   {id("prt_1"), At(100), At(300)},
      {id("msg_a1"), At(300), At(400)},  {id("msg_u1"), At(400), At(450)},  {id("msg_a2"), At(450), At(950)},
      {id("msg_u1"), At(950), At(1000)},
  };
  EXPECT_EQ(CriticalPath(t, id("msg_u1")), want);
  // From the session: the session itself has no own time here (turn = session).
  EXPECT_EQ(CriticalPath(t, id("ses_a")), want);
  EXPECT_EQ(PathNodes(want), (std::vector<NodeId>{id("msg_u1"), id("msg_a1"), id("prt_1"), id("msg_a2")}));
}

TEST(CriticalPathTest, ParallelToolsTheLaterEndWinsTiesTheLongerOne) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 0, 1000),
      ToolSpan("ses_a", "prt_short", "msg_a1", "read", 300, 600),
      ToolSpan("ses_a", "prt_long", "msg_a1", "grep", 100, 600),
      ToolSpan("ses_a", "prt_early", "msg_a1", "glob", 50, 500),
  });
  auto id = [&](std::string_view s) { return t.FindSpan(s); };
  std::vector<PathSegment> want = {
      {id("msg_a1"), At(0), At(100)},
      {id("prt_long"), At(100), At(600)},
      {id("msg_a1"), At(600), At(1000)},
  };
  EXPECT_EQ(CriticalPath(t, id("msg_a1")), want);
}

TEST(CriticalPathTest, ChainOfOverlappingChildren) {
  // b ends last and is picked; a ends after b's start (they overlapped), so it
  // is skipped; c ends before b's start and is next.
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 100),
      TurnSpan("ses_a", "msg_u1", "build", 0, 100),
      LlmSpan("ses_a", "msg_c", "msg_u1", 5, 20),
      LlmSpan("ses_a", "msg_a", "msg_u1", 10, 60),
      LlmSpan("ses_a", "msg_b", "msg_u1", 40, 90),
  });
  auto id = [&](std::string_view s) { return t.FindSpan(s); };
  std::vector<PathSegment> want = {
      {id("msg_u1"), At(0), At(5)},   {id("msg_c"), At(5), At(20)},   {id("msg_u1"), At(20), At(40)},
      {id("msg_b"), At(40), At(90)},  {id("msg_u1"), At(90), At(100)},
  };
  EXPECT_EQ(CriticalPath(t, id("msg_u1")), want);
}

TEST(CriticalPathTest, EmptyAndUnknownRoots) {
  SpanTree t = BuildTree({SessionSpan("ses_a", "build", 0, 0), TurnSpan("ses_a", "msg_u1", "build", 0, 0)});
  EXPECT_TRUE(CriticalPath(t, t.FindSpan("msg_u1")).empty());
  EXPECT_TRUE(CriticalPath(t, kNoNode).empty());
  EXPECT_TRUE(CriticalPath(t, 99).empty());
}

TEST(CriticalPathTest, DeepChainDoesNotRecurse) {
  std::vector<Span> spans = {SessionSpan("ses_a", "build", 0, 1e6), TurnSpan("ses_a", "msg_u1", "build", 0, 1e6)};
  std::string parent = "msg_u1";
  for (int i = 0; i < 20000; ++i) {
    std::string id = "prt_" + std::to_string(i);
    spans.push_back(ToolSpan("ses_a", id, parent, "bash", i * 0.01, 1e6 - i * 0.01));
    parent = id;
  }
  SpanTree t = BuildTree(std::move(spans));
  auto path = CriticalPath(t, t.FindSession("ses_a"));
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(path.front().begin_us, At(0));
  EXPECT_EQ(path.back().end_us, At(1e6));
  for (size_t i = 1; i < path.size(); ++i) EXPECT_EQ(path[i - 1].end_us, path[i].begin_us);
}

}  // namespace
}  // namespace agentperf::analysis::decompose
