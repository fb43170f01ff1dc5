#include "analysis/decompose/render.h"

#include <gtest/gtest.h>

#include "analysis/decompose/test_spans.h"
#include "core/json_writer.h"

namespace agentperf::analysis::decompose {
namespace {

using namespace testing;  // NOLINT

// planner -> tester || coder; the tester's bash waits for a permission; the
// coder ends last.
SpanTree PlannerTree() {
  Span bash = ToolSpan("ses_t", "prt_bash", "msg_ta1", "bash", 1200, 1314);
  bash.wall_ms = 2000;
  bash.permission_wait_ms = 1886;
  return BuildTree({
      SessionSpan("ses_p", "planner", 0, 10000),
      TurnSpan("ses_p", "msg_pu1", "planner", 0, 10000),
      LlmSpan("ses_p", "msg_pa1", "msg_pu1", 0, 10000, 400),
      TaskSpan("ses_p", "prt_k1", "msg_pa1", "ses_t", 1000, 5000),
      TaskSpan("ses_p", "prt_k2", "msg_pa1", "ses_c", 1000, 8000),
      SessionSpan("ses_t", "tester", 1000, 5000, "ses_p"),
      TurnSpan("ses_t", "msg_tu1", "tester", 1000, 5000),
      LlmSpan("ses_t", "msg_ta1", "msg_tu1", 1000, 5000),
      bash,
      PermissionSpan("ses_t", "per_1", "prt_bash", 1300, 3186),
      SessionSpan("ses_c", "coder", 1000, 8000, "ses_p"),
      TurnSpan("ses_c", "msg_cu1", "coder", 1000, 8000),
      LlmSpan("ses_c", "msg_ca1", "msg_cu1", 1000, 8000),
  });
}

TEST(RenderTest, WaterfallGolden) {
  SpanTree t = PlannerTree();
  const char* want =
      "* session planner                       10.0 s |###############################|\n"
      "*   turn planner                        10.0 s |###############################|\n"
      "*     llm_call sim-large                10.0 s |###############################|\n"
      "        tool_call task                   4.0 s |   =============               |\n"
      "          session tester                 4.0 s |   =============               |\n"
      "            turn tester                  4.0 s |   =============               |\n"
      "              llm_call sim-large         4.0 s |   =============               |\n"
      "                tool_call bash           2.0 s |   =======                     |\n"
      "                  permission_wait b~     1.9 s |    ======                     |\n"
      "*       tool_call task                   7.0 s |   ######################      |\n"
      "*         session coder                  7.0 s |   ######################      |\n"
      "*           turn coder                   7.0 s |   ######################      |\n"
      "*             llm_call sim-large         7.0 s |   ######################      |\n"
      "\n"
      "wall 10.0 s  serial 14.0 s  parallelism 1.40x  spans 13\n"
      "  subagent:coder            50.0%      5.0 s\n"
      "  model.generating          26.0%      2.6 s\n"
      "  subagent:tester           20.0%      2.0 s\n"
      "  model.first_chunk          4.0%   400.0 ms\n"
      "  subagent coder (ses_c): 5.0 s at this level, wall 7.0 s\n"
      "    model                  100.0%      7.0 s\n"
      "  subagent tester (ses_t): 2.0 s at this level, wall 4.0 s\n"
      "    model                   50.0%      2.0 s\n"
      "    permission              47.1%      1.9 s\n"
      "    tool:bash                2.9%   114.0 ms\n";
  EXPECT_EQ(RenderWaterfall(t, t.FindSession("ses_p"), 80, false), want);
}

TEST(RenderTest, WaterfallColorMarksOnlyTheCriticalPath) {
  SpanTree t = PlannerTree();
  std::string plain = RenderWaterfall(t, t.FindSession("ses_p"), 80, false);
  std::string color = RenderWaterfall(t, t.FindSession("ses_p"), 80, true);
  EXPECT_EQ(color.rfind("\x1b[1;31m* session planner", 0), 0u);
  size_t lines = 0, marked = 0, red = 0;
  for (size_t pos = 0; pos < color.size();) {
    size_t nl = color.find('\n', pos);
    std::string line = color.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) break;  // the waterfall ends at the blank line
    ++lines;
    bool is_red = line.rfind("\x1b[1;31m", 0) == 0;
    red += is_red;
    if (is_red) {
      EXPECT_EQ(line.substr(line.size() - 4), "\x1b[0m");
      EXPECT_EQ(line[7], '*');
    }
  }
  for (size_t pos = 0; (pos = plain.find("\n*", pos)) != std::string::npos; ++pos) ++marked;
  EXPECT_EQ(lines, 13u);
  EXPECT_EQ(red, marked + 1);  // + the first line, which has no newline before it
  EXPECT_EQ(red, 7u);
}

SpanTree OneTurn() {
  Span a1 = LlmSpan("ses_a", "msg_a1", "msg_u1", 50, 400, 80);
  a1.agent = "build";
  Span t1 = ToolSpan("ses_a", "prt_1", "msg_a1", "bash", 100, 300);
  t1.agent = "build";
  return BuildTree({
      SessionSpan("ses_a", "build", 0, 1000),
      TurnSpan("ses_a", "msg_u1", "build", 0, 1000),
      a1,
      t1,
      LlmSpan("ses_a", "msg_a2", "msg_u1", 450, 950),
  });
}

TEST(RenderTest, NarrowWaterfallGolden) {
  SpanTree t = OneTurn();
  const char* want =
      "* session build                          1.0 s |##########|\n"
      "*   turn build                           1.0 s |##########|\n"
      "*     llm_call sim-large              350.0 ms |####      |\n"
      "*       tool_call bash                200.0 ms | ##       |\n"
      "*     llm_call sim-large              500.0 ms |    ######|\n"
      "\n"
      "wall 1.0 s  serial 1.0 s  parallelism 1.00x  spans 5\n"
      "  model                     50.0%   500.0 ms\n"
      "  tool:bash                 20.0%   200.0 ms\n"
      "  gap                       15.0%   150.0 ms\n"
      "  model.first_chunk          8.0%    80.0 ms\n"
      "  model.generating           7.0%    70.0 ms\n";
  EXPECT_EQ(RenderWaterfall(t, t.FindSession("ses_a"), 20, false), want);
  EXPECT_EQ(RenderWaterfall(t, kNoNode, 80, false), "");
}

TEST(RenderTest, WaterfallShowsSyntheticSessionsAndDiagnostics) {
  SpanTree t = BuildTree({
      TurnSpan("ses_x", "msg_u1", "scout", 0, 100),
      ToolSpan("ses_x", "prt_1", "msg_gone", "read", 10, 40),  // placed under the turn by time
      ToolSpan("ses_x", "prt_2", "msg_u1", "bash", 50, 120),   // 20 ms outside the turn
  });
  std::string w = RenderWaterfall(t, t.FindSession("ses_x"), 60, false);
  EXPECT_NE(w.find("session scout (no span)"), std::string::npos) << w;
  EXPECT_NE(w.find("diagnostics: 1 clipped (20.0 ms), 1 placed by time, 1 synthetic sessions, 0 inverted\n"),
            std::string::npos)
      << w;
}

TEST(RenderTest, BreakdownJsonGolden) {
  SpanTree t = OneTurn();
  const char* want = R"({
  "unit": "us",
  "node": {
    "kind": "turn",
    "span_id": "msg_u1",
    "session_id": "ses_a",
    "agent": "build",
    "start_us": 1795487000000000,
    "end_us": 1795487001000000
  },
  "wall_us": 1000000,
  "serial_us": 1000000,
  "parallelism": 1,
  "spans": 4,
  "categories": [
    {
      "name": "model",
      "us": 500000,
      "share": 0.5
    },
    {
      "name": "tool:bash",
      "us": 200000,
      "share": 0.2
    },
    {
      "name": "gap",
      "us": 150000,
      "share": 0.15
    },
    {
      "name": "model.first_chunk",
      "us": 80000,
      "share": 0.08
    },
    {
      "name": "model.generating",
      "us": 70000,
      "share": 0.07
    }
  ],
  "subagents": [],
  "diagnostics": {
    "zero_length_spans": 0,
    "clipped_spans": 0,
    "clipped_us": 0,
    "missing_parents": 0,
    "synthetic_sessions": 0,
    "inverted_spans": 0
  },
  "critical_path": [
    {
      "kind": "turn",
      "span_id": "msg_u1",
      "session_id": "ses_a",
      "agent": "build",
      "offset_us": 0,
      "us": 50000
    },
    {
      "kind": "llm_call",
      "span_id": "msg_a1",
      "session_id": "ses_a",
      "agent": "build",
      "offset_us": 50000,
      "us": 50000
    },
    {
      "kind": "tool_call",
      "span_id": "prt_1",
      "session_id": "ses_a",
      "agent": "build",
      "tool": "bash",
      "offset_us": 100000,
      "us": 200000
    },
    {
      "kind": "llm_call",
      "span_id": "msg_a1",
      "session_id": "ses_a",
      "agent": "build",
      "offset_us": 300000,
      "us": 100000
    },
    {
      "kind": "turn",
      "span_id": "msg_u1",
      "session_id": "ses_a",
      "agent": "build",
      "offset_us": 400000,
      "us": 50000
    },
    {
      "kind": "llm_call",
      "span_id": "msg_a2",
      "session_id": "ses_a",
      "agent": "build",
      "offset_us": 450000,
      "us": 500000
    },
    {
      "kind": "turn",
      "span_id": "msg_u1",
      "session_id": "ses_a",
      "agent": "build",
      "offset_us": 950000,
      "us": 50000
    }
  ],
  "tree_diagnostics": {
    "duplicate_spans": 0,
    "missing_parents": 0,
    "synthetic_sessions": 0,
    "sessions_without_task": 0,
    "orphan_sessions": 0,
    "clipped_spans": 0,
    "clipped_us": 0,
    "inverted_spans": 0,
    "cycles_broken": 0,
    "ignored_samples": 0,
    "notes": []
  }
})";
  EXPECT_EQ(PrettyJson(BreakdownJson(t, t.FindSpan("msg_u1"))), want);
}

TEST(RenderTest, BreakdownJsonNestsSubagents) {
  SpanTree t = PlannerTree();
  std::string j = BreakdownJson(t, t.FindSpan("msg_pu1"));
  EXPECT_NE(j.find(R"("categories":[{"name":"subagent:coder","us":5000000,"share":0.5},)"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("subagents":[{"session_id":"ses_c","agent":"coder","via_span_id":"prt_k2",)"
                   R"("attributed_us":5000000,"breakdown":{"node":{"kind":"session","span_id":"ses_c",)"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find(R"({"name":"permission","us":1886000,"share":0.4715})"), std::string::npos) << j;
  // The critical path goes through the coder's step, with the agent of its session.
  EXPECT_NE(j.find(R"({"kind":"llm_call","span_id":"msg_ca1","session_id":"ses_c","agent":"coder",)"
                   R"("offset_us":1000000,"us":7000000})"),
            std::string::npos)
      << j;
  EXPECT_EQ(j.find("msg_ta1"), std::string::npos);
}

TEST(RenderTest, AgentSharesJsonGolden) {
  SpanTree t = OneTurn();
  EXPECT_EQ(AgentSharesJson(AggregateByAgent(t)),
            R"({"unit":"us","skipped_turns":0,"agents":[{"agent":"build","turns":1,"wall_us":1000000,)"
            R"("serial_us":1000000,"categories":[{"name":"model","us":500000,"share":0.5},)"
            R"({"name":"tool:bash","us":200000,"share":0.2},{"name":"gap","us":150000,"share":0.15},)"
            R"({"name":"model.first_chunk","us":80000,"share":0.08},)"
            R"({"name":"model.generating","us":70000,"share":0.07}]}]})");
}

TEST(RenderTest, FormatDuration) {
  EXPECT_EQ(FormatDuration(0), "0 us");
  EXPECT_EQ(FormatDuration(999), "999 us");
  EXPECT_EQ(FormatDuration(1000), "1.0 ms");
  EXPECT_EQ(FormatDuration(123456), "123.5 ms");
  EXPECT_EQ(FormatDuration(999949), "999.9 ms");
  EXPECT_EQ(FormatDuration(999950), "1.0 s");
  EXPECT_EQ(FormatDuration(12345678), "12.3 s");
}

}  // namespace
}  // namespace agentperf::analysis::decompose
