// Hand-built sessions with decompositions computed by hand, checked to the
// microsecond (design §4, golden cases 1-7).
#include <gtest/gtest.h>

#include "analysis/decompose/attribution.h"
#include "analysis/decompose/critical_path.h"
#include "analysis/decompose/session_tree.h"
#include "analysis/decompose/test_spans.h"

namespace agentperf::analysis::decompose {
namespace {

using namespace testing;  // NOLINT
using Cats = std::vector<std::pair<std::string, int64_t>>;

int64_t Sum(const Breakdown& b) {
  int64_t s = 0;
  for (const auto& c : b.categories) s += c.second;
  return s;
}

Breakdown Of(const SpanTree& t, std::string_view span_id) {
  NodeId n = t.FindSpan(span_id);
  EXPECT_NE(n, kNoNode) << span_id;
  Breakdown b = AttributeNode(t, n);
  EXPECT_EQ(Sum(b), b.wall_us) << span_id;
  return b;
}

// (1) One turn, two steps, a bash call inside step 1, gaps around the steps.
std::vector<Span> OneTurnTwoSteps(double ttfc1_ms) {
  return {
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 50, 400, ttfc1_ms),
      ToolSpan("ses_a", "prt_1", "msg_a1", "bash", 100, 300),
      LlmSpan("ses_a", "msg_a2", "msg_u1", 450, 950),
  };
}

TEST(GoldenTest, OneTurnTwoStepsBashAndGaps) {
  SpanTree t = BuildTree(OneTurnTwoSteps(std::nan("")));
  Breakdown b = Of(t, "msg_u1");
  EXPECT_EQ(b.wall_us, Us(1000));
  // model: step 1 350 - 200 (bash) + step 2 500; gap: 50 before, 50 between, 50 after.
  EXPECT_EQ(b.categories, (Cats{{"model", Us(650)}, {"tool:bash", Us(200)}, {"gap", Us(150)}}));
  EXPECT_EQ(b.serial_us, Us(1000));
  EXPECT_EQ(b.spans, 4);
  EXPECT_TRUE(b.subagents.empty());
  // The session is the turn here: the same breakdown, no idle time.
  Breakdown s = Of(t, "ses_a");
  EXPECT_EQ(s.categories, b.categories);
  EXPECT_EQ(s.spans, 5);
}

TEST(GoldenTest, TtfcIsTheFirstPartOfTheStepsSelfTimeInTimeOrder) {
  // Step 1's self time: [50,100) then, after bash, [300,400). TTFC 80 ms covers
  // [50,100) and [300,330).
  SpanTree t = BuildTree(OneTurnTwoSteps(80));
  Breakdown b = Of(t, "msg_u1");
  EXPECT_EQ(b.categories, (Cats{{"model", Us(500)},
                                {"tool:bash", Us(200)},
                                {"gap", Us(150)},
                                {"model.first_chunk", Us(80)},
                                {"model.generating", Us(70)}}));
  // A TTFC longer than the self time: all of it is first_chunk.
  SpanTree t2 = BuildTree(OneTurnTwoSteps(10000));
  EXPECT_EQ(Of(t2, "msg_a1").categories, (Cats{{"tool:bash", Us(200)}, {"model.first_chunk", Us(150)}}));
  // Zero TTFC: all generating.
  SpanTree t3 = BuildTree(OneTurnTwoSteps(0));
  EXPECT_EQ(Of(t3, "msg_a1").categories, (Cats{{"tool:bash", Us(200)}, {"model.generating", Us(150)}}));
}

TEST(GoldenTest, OverheadBeforeTheRequestComesFromFirstPartMinusTtfc) {
  // Step 1 (self time [50,100) then [300,400)) got its first part 90 ms after
  // its start with a TTFC of 30 ms: 60 ms of OpenCode's own work, then 30 ms
  // to the first chunk ([50,100) is 50 ms: overhead 50, then at 300: overhead
  // 10, first chunk 30, generating 60).
  auto spans = OneTurnTwoSteps(30);
  for (auto& s : spans) {
    if (s.span_id == "msg_a1") s.first_part_ms = 90;
  }
  SpanTree t = BuildTree(spans);
  EXPECT_EQ(Of(t, "msg_a1").categories, (Cats{{"tool:bash", Us(200)},
                                               {"model.generating", Us(60)},
                                               {"overhead", Us(60)},
                                               {"model.first_chunk", Us(30)}}));
  // first_part_ms below the TTFC (clock skew): no overhead.
  for (auto& s : spans) {
    if (s.span_id == "msg_a1") s.first_part_ms = 10;
  }
  SpanTree t2 = BuildTree(spans);
  EXPECT_EQ(Of(t2, "msg_a1").Get("overhead"), 0);
  EXPECT_EQ(Of(t2, "msg_a1").Get("model.first_chunk"), Us(30));
}

// (2) Two parallel tools inside one step share their overlap equally.
TEST(GoldenTest, ParallelToolsShareTheOverlapEqually) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 0, 1000),
      ToolSpan("ses_a", "prt_r", "msg_a1", "read", 100, 400),
      ToolSpan("ses_a", "prt_g", "msg_a1", "grep", 200, 500),
  });
  Breakdown b = Of(t, "msg_u1");
  // read: [100,200) + half of [200,400); grep: half of [200,400) + [400,500).
  EXPECT_EQ(b.categories, (Cats{{"model", Us(600)}, {"tool:grep", Us(200)}, {"tool:read", Us(200)}}));
  EXPECT_EQ(b.serial_us, Us(1200));
  EXPECT_DOUBLE_EQ(b.parallelism(), 1.2);
}

TEST(GoldenTest, RemainderMicrosecondsGoToTheEarliestSpans) {
  Span session = SessionSpan("ses_a", "build", 0, 0);
  session.end_us = session.start_us + 20;
  Span turn = TurnSpan("ses_a", "msg_u1", "build", 0, 0);
  turn.end_us = turn.start_us + 20;
  Span llm = LlmSpan("ses_a", "msg_a1", "msg_u1", 0, 0);
  llm.end_us = llm.start_us + 20;
  auto tool = [&](std::string id, std::string name, int64_t s, int64_t e) {
    Span x = ToolSpan("ses_a", std::move(id), "msg_a1", std::move(name), 0, 0);
    x.start_us = kT0 + s;
    x.end_us = kT0 + e;
    return x;
  };
  // Three tools on [0,4) whose span-id order differs from their names: 4 us / 3
  // = 1 rem 1, the extra us to prt_1 (tool z). A [10,15) and B [12,17): the
  // 3 us overlap gives 2 to A (earlier start) and 1 to B.
  SpanTree t = BuildTree({session, turn, llm, tool("prt_3", "x", 0, 4), tool("prt_2", "y", 0, 4),
                          tool("prt_1", "z", 0, 4), tool("prt_a", "A", 10, 15), tool("prt_b", "B", 12, 17)});
  Breakdown b = Of(t, "msg_a1");
  EXPECT_EQ(b.wall_us, 20);
  EXPECT_EQ(b.categories,
            (Cats{{"model", 9}, {"tool:A", 4}, {"tool:B", 3}, {"tool:z", 2}, {"tool:x", 1}, {"tool:y", 1}}));
  EXPECT_EQ(b.serial_us, 9 + 4 * 3 + 5 + 5);
}

// (3) A permission wait inside a tool: the tool's real interval comes from
// wall_ms, and the wait is taken out of the tool's time.
TEST(GoldenTest, PermissionWaitIsTakenOutOfTheTool) {
  Span bash = ToolSpan("ses_a", "prt_1", "msg_a1", "bash", 100, 314);  // stored end: real end - wait
  bash.wall_ms = 8734;
  bash.permission_wait_ms = 8520;
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 9000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 9000),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 0, 9000),
      bash,
      PermissionSpan("ses_a", "per_1", "prt_1", 150, 8670),
  });
  Breakdown b = Of(t, "msg_u1");
  EXPECT_EQ(b.categories, (Cats{{"permission", Us(8520)}, {"model", Us(266)}, {"tool:bash", Us(214)}}));
  EXPECT_EQ(b.serial_us, Us(9000));
  EXPECT_EQ(b.diagnostics.clipped_us, 0);
}

// (4) A retry inside a step; TTFC counts the step's own time around it.
TEST(GoldenTest, RetryInsideAStep) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 5000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 5000),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 0, 5000, 2500),
      RetrySpan("ses_a", "msg_a1:retry:1", "msg_a1", 100, 2100),
  });
  Breakdown b = Of(t, "msg_u1");
  EXPECT_EQ(b.categories,
            (Cats{{"model.first_chunk", Us(2500)}, {"retry", Us(2000)}, {"model.generating", Us(500)}}));
}

// (5a) A planner turn with one task call running a tester session.
TEST(GoldenTest, TaskCallRunsASubagent) {
  SpanTree t = BuildTree({
      SessionSpan("ses_p", "planner", 0, 10000),
      TurnSpan("ses_p", "msg_pu1", "planner", 0, 10000),
      LlmSpan("ses_p", "msg_pa1", "msg_pu1", 0, 10000),
      TaskSpan("ses_p", "prt_task", "msg_pa1", "ses_t", 1000, 6500),
      SessionSpan("ses_t", "tester", 1500, 6400, "ses_p"),
      TurnSpan("ses_t", "msg_tu1", "tester", 1500, 6400),
      LlmSpan("ses_t", "msg_ta1", "msg_tu1", 1600, 6300),
      ToolSpan("ses_t", "prt_bash", "msg_ta1", "bash", 2000, 4000),
  });
  Breakdown b = Of(t, "msg_pu1");
  // task self: [1000,1500) + [6400,6500); the tester's subtree 4900 ms.
  EXPECT_EQ(b.categories, (Cats{{"subagent:tester", Us(4900)}, {"model", Us(4500)}, {"tool:task", Us(600)}}));
  ASSERT_EQ(b.subagents.size(), 1u);
  const ChildBreakdown& c = b.subagents[0];
  EXPECT_EQ(c.session_id, "ses_t");
  EXPECT_EQ(c.agent, "tester");
  EXPECT_EQ(c.via, t.FindSpan("prt_task"));
  EXPECT_EQ(c.attributed_us, Us(4900));
  EXPECT_EQ(c.breakdown.wall_us, Us(4900));
  EXPECT_EQ(c.breakdown.categories, (Cats{{"model", Us(2700)}, {"tool:bash", Us(2000)}, {"gap", Us(200)}}));
  EXPECT_EQ(c.breakdown.categories, Of(t, "ses_t").categories);
  // The same subagent seen from the planner's session and from the task call.
  EXPECT_EQ(Of(t, "ses_p").Get("subagent:tester"), Us(4900));
  Breakdown task = Of(t, "prt_task");
  EXPECT_EQ(task.categories, (Cats{{"subagent:tester", Us(4900)}, {"tool:task", Us(600)}}));
}

// (5b) tester || coder in parallel, the coder with a helper of its own.
std::vector<Span> PlannerTesterCoder() {
  return {
      SessionSpan("ses_p", "planner", 0, 10000),
      TurnSpan("ses_p", "msg_pu1", "planner", 0, 10000),
      LlmSpan("ses_p", "msg_pa1", "msg_pu1", 0, 10000),
      TaskSpan("ses_p", "prt_k1", "msg_pa1", "ses_t", 1000, 5000),
      TaskSpan("ses_p", "prt_k2", "msg_pa1", "ses_c", 1000, 8000),
      SessionSpan("ses_t", "tester", 1000, 5000, "ses_p"),
      TurnSpan("ses_t", "msg_tu1", "tester", 1000, 5000),
      LlmSpan("ses_t", "msg_ta1", "msg_tu1", 1000, 5000),
      SessionSpan("ses_c", "coder", 1000, 8000, "ses_p"),
      TurnSpan("ses_c", "msg_cu1", "coder", 1000, 8000),
      LlmSpan("ses_c", "msg_ca1", "msg_cu1", 1000, 8000),
      TaskSpan("ses_c", "prt_k3", "msg_ca1", "ses_h", 2000, 4000),
      SessionSpan("ses_h", "helper", 2000, 4000, "ses_c"),
      TurnSpan("ses_h", "msg_hu1", "helper", 2000, 4000),
      LlmSpan("ses_h", "msg_ha1", "msg_hu1", 2000, 4000),
  };
}

TEST(GoldenTest, ParallelSubagentsShareTimeAndNest) {
  SpanTree t = BuildTree(PlannerTesterCoder());
  EXPECT_TRUE(t.diagnostics().empty());
  Breakdown b = Of(t, "msg_pu1");
  // [1000,5000): tester || coder (or its helper) share; [5000,8000) coder alone.
  EXPECT_EQ(b.categories, (Cats{{"subagent:coder", Us(5000)}, {"model", Us(3000)}, {"subagent:tester", Us(2000)}}));
  EXPECT_EQ(b.serial_us, Us(3000 + 2 * 4000 + 3000));
  ASSERT_EQ(b.subagents.size(), 2u);
  // Both start at 1000: ordered by span id (ses_c < ses_t).
  const ChildBreakdown& coder = b.subagents[0];
  const ChildBreakdown& tester = b.subagents[1];
  EXPECT_EQ(coder.agent, "coder");
  EXPECT_EQ(coder.attributed_us, Us(5000));
  EXPECT_EQ(coder.breakdown.wall_us, Us(7000));
  EXPECT_EQ(coder.breakdown.categories, (Cats{{"model", Us(5000)}, {"subagent:helper", Us(2000)}}));
  ASSERT_EQ(coder.breakdown.subagents.size(), 1u);
  EXPECT_EQ(coder.breakdown.subagents[0].agent, "helper");
  EXPECT_EQ(coder.breakdown.subagents[0].attributed_us, Us(2000));
  EXPECT_EQ(coder.breakdown.subagents[0].breakdown.categories, (Cats{{"model", Us(2000)}}));
  EXPECT_EQ(tester.agent, "tester");
  EXPECT_EQ(tester.attributed_us, Us(2000));
  EXPECT_EQ(tester.breakdown.categories, (Cats{{"model", Us(4000)}}));
}

TEST(GoldenTest, CriticalPathGoesThroughTheSubagentThatEndedLast) {
  SpanTree t = BuildTree(PlannerTesterCoder());
  auto id = [&](std::string_view s) { return t.FindSpan(s); };
  std::vector<PathSegment> path = CriticalPath(t, id("msg_pu1"));
  std::vector<PathSegment> want = {
      {id("msg_pa1"), At(0), At(1000)},     {id("msg_ca1"), At(1000), At(2000)},
      {id("msg_ha1"), At(2000), At(4000)},  {id("msg_ca1"), At(4000), At(8000)},
      {id("msg_pa1"), At(8000), At(10000)},
  };
  EXPECT_EQ(path, want);
  for (const PathSegment& s : path) {
    EXPECT_FALSE(t.IsAncestor(t.FindSession("ses_t"), s.node)) << "the tester is not critical";
  }
}

// (6) A missing parent, a clipped child, a duplicate id and a child session
// without its session span, all recorded in diagnostics.
TEST(GoldenTest, DiagnosticsForImperfectData) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 0, 1000),
      ToolSpan("ses_a", "prt_m", "msg_gone", "bash", 100, 200),  // parent missing
      ToolSpan("ses_a", "prt_c", "msg_a1", "read", 900, 1200),   // 200 ms outside msg_a1
      ToolSpan("ses_a", "prt_m", "msg_a1", "edit", 300, 400),    // duplicate id: dropped
      TaskSpan("ses_a", "prt_k", "msg_a1", "ses_x", 400, 600),
      TurnSpan("ses_x", "msg_xu1", "scout", 420, 580),          // ses_x has no session span
  });
  const TreeDiagnostics& d = t.diagnostics();
  EXPECT_EQ(d.duplicate_spans, 1);
  EXPECT_EQ(d.missing_parents, 1);
  EXPECT_EQ(d.clipped_spans, 1);
  EXPECT_EQ(d.clipped_us, Us(200));
  EXPECT_EQ(d.synthetic_sessions, 1);
  EXPECT_EQ(t.node(t.FindSpan("prt_m")).parent, t.FindSpan("msg_a1"));
  Breakdown b = Of(t, "msg_u1");
  EXPECT_EQ(b.categories, (Cats{{"model", Us(600)},
                                {"subagent:scout", Us(160)},
                                {"tool:bash", Us(100)},
                                {"tool:read", Us(100)},
                                {"tool:task", Us(40)}}));
  EXPECT_EQ(b.diagnostics.missing_parents, 1);
  EXPECT_EQ(b.diagnostics.clipped_spans, 1);
  EXPECT_EQ(b.diagnostics.clipped_us, Us(200));
  EXPECT_EQ(b.diagnostics.synthetic_sessions, 1);
  ASSERT_EQ(b.subagents.size(), 1u);
  EXPECT_EQ(b.subagents[0].breakdown.categories, (Cats{{"gap", Us(160)}}));
}

// (7) Idle time between two turns of a session.
TEST(GoldenTest, IdleBetweenTurns) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 10000),
      TurnSpan("ses_a", "msg_u1", "build", 1000, 3000),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 1000, 3000),
      TurnSpan("ses_a", "msg_u2", "build", 6000, 9000),
      LlmSpan("ses_a", "msg_a2", "msg_u2", 6500, 9000),
  });
  Breakdown s = Of(t, "ses_a");
  EXPECT_EQ(s.categories, (Cats{{"idle", Us(5000)}, {"model", Us(4500)}, {"gap", Us(500)}}));
  auto turns = AttributeSessionTurns(t, "ses_a");
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(turns[0].turn_id, "msg_u1");
  EXPECT_EQ(turns[0].breakdown.categories, (Cats{{"model", Us(2000)}}));
  EXPECT_EQ(turns[1].turn_id, "msg_u2");
  EXPECT_EQ(turns[1].agent, "build");
  EXPECT_EQ(turns[1].breakdown.categories, (Cats{{"model", Us(2500)}, {"gap", Us(500)}}));
}

}  // namespace
}  // namespace agentperf::analysis::decompose
