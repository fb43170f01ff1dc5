#include "analysis/decompose/session_tree.h"

#include <gtest/gtest.h>

#include "analysis/decompose/test_spans.h"

namespace agentperf::analysis::decompose {
namespace {

using namespace testing;  // NOLINT
using event::SpanKind;

const Node& ByspanId(const SpanTree& t, std::string_view id) {
  NodeId n = t.FindSpan(id);
  EXPECT_NE(n, kNoNode) << id;
  return t.node(n);
}

std::string ParentId(const SpanTree& t, std::string_view id) {
  const Node& n = ByspanId(t, id);
  return n.parent == kNoNode ? "(root)" : t.node(n.parent).span.span_id;
}

TEST(SessionTreeTest, LinksByParentSpanIdAndPutsTurnsUnderSessions) {
  SpanTree t = BuildTree({
      LlmSpan("ses_a", "msg_a1", "msg_u1", 10, 400),  // before its parent in input order
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      ToolSpan("ses_a", "prt_1", "msg_a1", "bash", 100, 300),
      PermissionSpan("ses_a", "per_1", "prt_1", 120, 200),
      RetrySpan("ses_a", "msg_a1:retry:1", "msg_a1", 20, 50),
  });
  EXPECT_TRUE(t.diagnostics().empty()) << t.diagnostics().notes.size();
  EXPECT_EQ(ParentId(t, "ses_a"), "(root)");
  EXPECT_EQ(ParentId(t, "msg_u1"), "ses_a");
  EXPECT_EQ(ParentId(t, "msg_a1"), "msg_u1");
  EXPECT_EQ(ParentId(t, "prt_1"), "msg_a1");
  EXPECT_EQ(ParentId(t, "per_1"), "prt_1");
  EXPECT_EQ(ParentId(t, "msg_a1:retry:1"), "msg_a1");
  ASSERT_EQ(t.roots().size(), 1u);
  EXPECT_EQ(t.roots()[0], t.FindSession("ses_a"));
  EXPECT_EQ(ByspanId(t, "per_1").depth, 4);
  // Children in start order: the retry (20 ms) before the tool (100 ms).
  const Node& llm = ByspanId(t, "msg_a1");
  ASSERT_EQ(llm.children.size(), 2u);
  EXPECT_EQ(t.node(llm.children[0]).span.span_id, "msg_a1:retry:1");
  EXPECT_EQ(t.SessionOf(t.FindSpan("per_1")), t.FindSession("ses_a"));
  EXPECT_TRUE(t.IsAncestor(t.FindSession("ses_a"), t.FindSpan("per_1")));
  EXPECT_FALSE(t.IsAncestor(t.FindSpan("prt_1"), t.FindSpan("msg_a1")));
  EXPECT_EQ(t.Subtree(t.FindSpan("msg_a1")).size(), 4u);
  EXPECT_EQ(t.FindSpan("nope"), kNoNode);
  EXPECT_EQ(t.FindSession("nope"), kNoNode);
}

TEST(SessionTreeTest, ToolCallsUseTheirRealInterval) {
  Span tool = ToolSpan("ses_a", "prt_1", "msg_a1", "bash", 100, 314);
  tool.wall_ms = 8734;
  SpanTree t = BuildTree({SessionSpan("ses_a", "build", 0, 10000), TurnSpan("ses_a", "msg_u1", "build", 0, 10000),
                          LlmSpan("ses_a", "msg_a1", "msg_u1", 0, 9000), tool});
  const Node& n = ByspanId(t, "prt_1");
  EXPECT_EQ(n.start_us, At(100));
  EXPECT_EQ(n.end_us, At(8834));
  EXPECT_EQ(n.clipped_us, 0);
}

TEST(SessionTreeTest, ChildSessionGoesUnderTheTaskCallThatNamesIt) {
  SpanTree t = BuildTree({
      SessionSpan("ses_t", "tester", 1500, 6400, "ses_p"),
      SessionSpan("ses_p", "planner", 0, 10000),
      TurnSpan("ses_p", "msg_u1", "planner", 0, 10000),
      LlmSpan("ses_p", "msg_a1", "msg_u1", 0, 10000),
      TaskSpan("ses_p", "prt_task", "msg_a1", "ses_t", 1000, 6500),
      TurnSpan("ses_t", "msg_tu1", "tester", 1500, 6400),
  });
  EXPECT_TRUE(t.diagnostics().empty());
  EXPECT_EQ(ParentId(t, "ses_t"), "prt_task");
  EXPECT_EQ(ParentId(t, "msg_tu1"), "ses_t");
  EXPECT_EQ(ByspanId(t, "msg_tu1").depth, 5);
  EXPECT_EQ(t.roots().size(), 1u);
  EXPECT_EQ(t.SessionOf(t.FindSpan("msg_tu1")), t.FindSession("ses_t"));
}

TEST(SessionTreeTest, ChildSessionWithoutTaskCallGoesUnderTheParentsTurn) {
  SpanTree t = BuildTree({
      SessionSpan("ses_p", "planner", 0, 10000),
      TurnSpan("ses_p", "msg_u1", "planner", 0, 4000),
      TurnSpan("ses_p", "msg_u2", "planner", 5000, 10000),
      SessionSpan("ses_t", "tester", 6000, 7000, "ses_p"),
      SessionSpan("ses_idle", "tester", 4500, 4600, "ses_p"),  // between turns
      SessionSpan("ses_orphan", "coder", 0, 100, "ses_gone"),
  });
  EXPECT_EQ(ParentId(t, "ses_t"), "msg_u2");
  EXPECT_EQ(ParentId(t, "ses_idle"), "ses_p");
  EXPECT_EQ(ParentId(t, "ses_orphan"), "(root)");
  EXPECT_EQ(t.diagnostics().sessions_without_task, 2);
  EXPECT_EQ(t.diagnostics().orphan_sessions, 1);
  EXPECT_EQ(t.roots().size(), 2u);
}

TEST(SessionTreeTest, MissingParentIsPlacedUnderTheInnermostContainingSpan) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      LlmSpan("ses_a", "msg_a1", "msg_u1", 0, 500),
      ToolSpan("ses_a", "prt_1", "msg_gone", "bash", 100, 200),   // inside msg_a1
      ToolSpan("ses_a", "prt_2", "msg_gone", "bash", 100, 200),   // same interval: not under prt_1
      ToolSpan("ses_a", "prt_3", "", "read", 600, 700),           // no llm call contains it
      LlmSpan("ses_a", "msg_a2", "msg_u1", 800, 1100),  // sticks out of its turn: clipped
      ToolSpan("ses_a", "prt_4", "msg_a1", "edit", 5000, 6000),   // parent in the session, but elsewhere
      ToolSpan("ses_b", "prt_5", "msg_a1", "bash", 100, 200),     // parent in another session
  });
  EXPECT_EQ(ParentId(t, "prt_1"), "msg_a1");
  EXPECT_EQ(ParentId(t, "prt_2"), "msg_a1");
  EXPECT_EQ(ParentId(t, "prt_3"), "msg_u1");
  EXPECT_EQ(ParentId(t, "prt_4"), "msg_a1");  // linked by id, then clipped to zero length
  EXPECT_EQ(ByspanId(t, "prt_4").duration_us(), 0);
  EXPECT_EQ(ByspanId(t, "prt_4").clipped_us, Us(1000));
  EXPECT_TRUE(ByspanId(t, "prt_1").placed_by_time);
  EXPECT_FALSE(ByspanId(t, "prt_4").placed_by_time);
  const auto& d = t.diagnostics();
  EXPECT_EQ(d.missing_parents, 4);  // prt_1, prt_2, prt_3, prt_5
  EXPECT_EQ(d.synthetic_sessions, 1);  // ses_b
  EXPECT_EQ(ParentId(t, "prt_5"), "ses_b");
  EXPECT_TRUE(t.node(t.FindSession("ses_b")).synthetic);
  EXPECT_EQ(d.clipped_spans, 2);  // msg_a2 (100 ms) and prt_4 (1000 ms)
  EXPECT_EQ(d.clipped_us, Us(1100));
  EXPECT_EQ(ByspanId(t, "msg_a2").end_us, At(1000));
  EXPECT_FALSE(d.notes.empty());
}

TEST(SessionTreeTest, SyntheticSessionRootTakesTheHullAndTheFirstTurnsAgent) {
  SpanTree t = BuildTree({
      LlmSpan("ses_x", "msg_a1", "msg_u1", 150, 900),
      TurnSpan("ses_x", "msg_u2", "coder", 1000, 2500),
      TurnSpan("ses_x", "msg_u1", "coder-first", 100, 950),
  });
  NodeId s = t.FindSession("ses_x");
  ASSERT_NE(s, kNoNode);
  const Node& root = t.node(s);
  EXPECT_TRUE(root.synthetic);
  EXPECT_EQ(root.span.agent, "coder-first");
  EXPECT_EQ(root.start_us, At(100));
  EXPECT_EQ(root.end_us, At(2500));
  EXPECT_EQ(root.children.size(), 2u);
  EXPECT_EQ(t.diagnostics().synthetic_sessions, 1);
  EXPECT_EQ(t.diagnostics().missing_parents, 0);
}

TEST(SessionTreeTest, DuplicatesKeepTheFirstAndAreCounted) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      ToolSpan("ses_a", "prt_1", "msg_u1", "bash", 100, 200),
      ToolSpan("ses_a", "prt_1", "msg_u1", "read", 300, 400),
      SessionSpan("ses_a", "other", 0, 2000),
  });
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.diagnostics().duplicate_spans, 2);
  EXPECT_EQ(ByspanId(t, "prt_1").span.tool, "bash");
  EXPECT_EQ(t.node(t.FindSession("ses_a")).span.agent, "build");
}

TEST(SessionTreeTest, CompactionIsPlacedByTimeInItsTurn) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 3000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u2", "build", 1000, 2000),
      Make(SpanKind::kCompaction, "ses_a", "prt_c", "msg_u1", 1200, 1500),  // parent id ignored
      CompactionSpan("ses_a", "prt_c2", 2500, 2600),
  });
  EXPECT_EQ(ParentId(t, "prt_c"), "msg_u2");
  EXPECT_EQ(ParentId(t, "prt_c2"), "ses_a");
  EXPECT_EQ(t.diagnostics().missing_parents, 0);
}

TEST(SessionTreeTest, CyclesAreCut) {
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "a", 0, 1000),
      SessionSpan("ses_b", "b", 0, 1000),
      TaskSpan("ses_a", "prt_a", "", "ses_b", 0, 1000),
      TaskSpan("ses_b", "prt_b", "", "ses_a", 0, 1000),
      ToolSpan("ses_a", "prt_x", "prt_y", "bash", 0, 10),
      ToolSpan("ses_a", "prt_y", "prt_x", "bash", 0, 10),
  });
  EXPECT_GE(t.diagnostics().cycles_broken, 2);
  // Every node reaches a root.
  for (NodeId i = 0; i < static_cast<NodeId>(t.size()); ++i) {
    int steps = 0;
    NodeId v = i;
    while (t.node(v).parent != kNoNode && steps < 100) {
      v = t.node(v).parent;
      ++steps;
    }
    EXPECT_LT(steps, 100);
  }
  size_t total = 0;
  for (NodeId r : t.roots()) total += t.Subtree(r).size();
  EXPECT_EQ(total, t.size());
}

TEST(SessionTreeTest, InvertedSpansAndSamplesAreCounted) {
  Span sample = Make(SpanKind::kSample, "ses_a", "smp", "", 0, 10);
  SpanTree t = BuildTree({
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 500, 100),
      sample,
  });
  EXPECT_EQ(t.diagnostics().inverted_spans, 1);
  EXPECT_EQ(t.diagnostics().ignored_samples, 1);
  EXPECT_TRUE(ByspanId(t, "msg_u1").inverted);
  EXPECT_EQ(ByspanId(t, "msg_u1").duration_us(), 0);
  EXPECT_EQ(t.size(), 2u);
}

TEST(SessionTreeTest, EmptyInput) {
  SpanTree t = BuildTree({});
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.roots().empty());
  EXPECT_TRUE(t.Subtree(0).empty());
  EXPECT_EQ(t.SessionOf(0), kNoNode);
}

}  // namespace
}  // namespace agentperf::analysis::decompose
