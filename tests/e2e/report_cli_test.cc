// `agentperf report`: from a data directory and from a running server, the
// same text; the figures are those of the stored events; bad options fail
// with a clear message.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "testing/events.h"
#include "testing/server_fixture.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using testing::AgentperfBin;
using testing::EventJson;
using testing::kBaseMs;
using testing::ProcessResult;

ProcessResult Agentperf(std::vector<std::string> args) {
  args.insert(args.begin(), AgentperfBin());
  return testing::RunProcess(args, "", {"AGENTPERF_LOG=warn", "NO_COLOR="});
}

std::string Events() {
  std::vector<std::string> lines;
  for (int i = 0; i < 20; ++i) {
    lines.push_back(EventJson()
                        .Set("span_id", "s" + std::to_string(i))
                        .Set("agent", i % 2 ? "coder" : "tester")
                        .Set("start_ms", kBaseMs + i * 1000)
                        .Set("duration_ms", 100 * (i + 1))
                        .Set("provider", "anthropic")
                        .Set("model", "claude-sonnet-4")
                        .Raw("tokens", R"({"input":1000,"output":100})")
                        .Set("cost", 0.0)
                        .Str());
  }
  lines.push_back(EventJson()
                      .Set("kind", "tool_call")
                      .Set("span_id", "b1")
                      .Set("agent", "tester")
                      .Set("tool", "bash")
                      .Set("start_ms", kBaseMs + 100)
                      .Set("duration_ms", 1500)
                      .Str());
  return testing::Ndjson(lines);
}

const std::vector<std::string> kWindow = {"--from", "2025-12-31", "--to", "2026-01-02", "--color", "never"};

std::vector<std::string> With(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(ReportCli, SameTextFromTheDataDirectoryAndFromTheServer) {
  testing::TempDir dir;
  const std::string file = dir.Sub("events.ndjson");
  std::ofstream(file) << Events();
  const std::string data = dir.Sub("data");
  ProcessResult in = Agentperf({"ingest", "--data", data, file});
  ASSERT_EQ(in.exit_code, 0) << in.err;

  ProcessResult local = Agentperf(With({"report", "--data", data}, kWindow));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  // Both agents, the tool, and the estimated cost: 10 steps × (1000 × $3 + 100 × $15) / 1e6 = $0.045.
  EXPECT_NE(local.out.find("Model steps per agent"), std::string::npos) << local.out;
  EXPECT_NE(local.out.find("\ncoder "), std::string::npos) << local.out;
  EXPECT_NE(local.out.find("\ntester "), std::string::npos) << local.out;
  EXPECT_NE(local.out.find("$0.045*"), std::string::npos) << local.out;
  EXPECT_NE(local.out.find("tester  bash"), std::string::npos) << local.out;
  EXPECT_NE(local.out.find("Top bottlenecks"), std::string::npos) << local.out;
  EXPECT_EQ(local.out.find("\x1b["), std::string::npos) << "no colour with --color never";

  ProcessResult json = Agentperf(With({"report", "--data", data, "--json"}, kWindow));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find(R"("labels":{"agent":"coder"},"count":10)"), std::string::npos) << json.out;

  // The same data behind a server.
  testing::TestServerOptions so;
  so.store.data_dir = data;
  {
    testing::TestServer server(so);
    ProcessResult remote = Agentperf(With({"report", "--server", server.url()}, kWindow));
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    EXPECT_EQ(remote.out, local.out);
    ProcessResult one = Agentperf(With({"report", "--server", server.url(), "--agent", "coder"}, kWindow));
    ASSERT_EQ(one.exit_code, 0) << one.err;
    EXPECT_EQ(one.out.find("\ntester "), std::string::npos) << one.out;
  }
}

TEST(ReportCli, ExplainsAnEmptyWindowAndRejectsBadOptions) {
  testing::TempDir dir;
  ProcessResult empty = Agentperf({"report", "--data", dir.Sub("data"), "--color", "never"});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_NE(empty.out.find("No model steps in this window"), std::string::npos) << empty.out;
  ProcessResult bad = Agentperf({"report", "--data", dir.Sub("data"), "--since", "soon"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--since 'soon'"), std::string::npos) << bad.err;
  ProcessResult order = Agentperf({"report", "--data", dir.Sub("data"), "--from", "2026-01-02", "--to", "2026-01-01"});
  EXPECT_EQ(order.exit_code, 1);
  EXPECT_NE(order.err.find("from must be before to"), std::string::npos) << order.err;
}

// 40 tester bash calls of 100-139 ms and one of 5 s (in session ses_slow);
// 40 coder steps whose duration grows with their input tokens.
std::string FindingsEvents() {
  std::vector<std::string> lines;
  for (int i = 0; i < 41; ++i) {
    lines.push_back(EventJson()
                        .Set("kind", "tool_call")
                        .Set("span_id", "t" + std::to_string(i))
                        .Set("session_id", i == 40 ? "ses_slow" : "ses_" + std::to_string(i % 4))
                        .Set("agent", "tester")
                        .Set("tool", "bash")
                        .Set("start_ms", kBaseMs + i * 1000)
                        .Set("duration_ms", i == 40 ? 5000 : 100 + i)
                        .Str());
    if (i == 40) break;
    lines.push_back(EventJson()
                        .Set("span_id", "c" + std::to_string(i))
                        .Set("agent", "coder")
                        .Set("model", "m-big")
                        .Set("start_ms", kBaseMs + i * 1000 + 500)
                        .Set("duration_ms", 1000 + 50 * i + (i % 3) * 7)
                        .Raw("tokens", fmt::format(R"({{"input":{},"output":100}})", 1000 * (i + 1)))
                        .Str());
  }
  return testing::Ndjson(lines);
}

TEST(FindingsCli, OutliersAndCorrelationsFromTheDataDirectoryAndTheServer) {
  testing::TempDir dir;
  const std::string file = dir.Sub("events.ndjson");
  std::ofstream(file) << FindingsEvents();
  const std::string data = dir.Sub("data");
  ProcessResult in = Agentperf({"ingest", "--data", data, file});
  ASSERT_EQ(in.exit_code, 0) << in.err;

  ProcessResult outliers = Agentperf(With({"outliers", "--data", data}, kWindow));
  ASSERT_EQ(outliers.exit_code, 0) << outliers.err;
  EXPECT_NE(outliers.out.find("tool_call  tester  bash"), std::string::npos) << outliers.out;
  EXPECT_NE(outliers.out.find("ses_slow"), std::string::npos) << outliers.out;
  EXPECT_EQ(outliers.out.find("coder"), std::string::npos) << "the coder's steps are spread evenly\n" << outliers.out;
  ProcessResult oj = Agentperf(With({"outliers", "--data", data, "--json", "--kind", "tool_call"}, kWindow));
  ASSERT_EQ(oj.exit_code, 0) << oj.err;
  EXPECT_NE(oj.out.find(R"("span_id":"t40")"), std::string::npos) << oj.out;
  EXPECT_NE(oj.out.find(R"("outliers":1,)"), std::string::npos) << oj.out;

  ProcessResult corr = Agentperf(With({"correlations", "--data", data}, kWindow));
  ASSERT_EQ(corr.exit_code, 0) << corr.err;
  EXPECT_NE(corr.out.find("coder  m-big"), std::string::npos) << corr.out;
  EXPECT_NE(corr.out.find("tokens.input"), std::string::npos) << corr.out;
  ProcessResult bad = Agentperf(With({"correlations", "--data", data, "--alpha", "2"}, kWindow));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("alpha"), std::string::npos) << bad.err;

  testing::TestServerOptions so;
  so.store.data_dir = data;
  testing::TestServer server(so);
  ProcessResult ro = Agentperf(With({"outliers", "--server", server.url()}, kWindow));
  ASSERT_EQ(ro.exit_code, 0) << ro.err;
  ProcessResult rc = Agentperf(With({"correlations", "--server", server.url()}, kWindow));
  ASSERT_EQ(rc.exit_code, 0) << rc.err;
  // The same answers, but for the time the scan took.
  auto strip = [](std::string s) { return s.substr(0, s.find("groups examined")); };
  EXPECT_EQ(strip(ro.out), strip(outliers.out));
  EXPECT_EQ(rc.out, corr.out);
}

// A planner turn that hands work to a tester through `task`; a permission
// wait inside the tester's bash call.
std::string SessionEvents() {
  const auto span = testing::SpanEvent;
  return testing::Ndjson({
      span("session", "ses_p", "ses_p", 0, 10000).Set("agent", "planner").Str(),
      span("turn", "ses_p", "msg_u", 0, 10000).Set("agent", "planner").Str(),
      span("llm_call", "ses_p", "msg_a", 500, 9000).Set("agent", "planner").Set("parent_span_id", "msg_u").Str(),
      span("tool_call", "ses_p", "prt_t", 1000, 8000)
          .Set("agent", "planner")
          .Set("tool", "task")
          .Set("parent_span_id", "msg_a")
          .Raw("attrs", R"({"child_session_id":"ses_t"})")
          .Str(),
      span("session", "ses_t", "ses_t", 1000, 8000).Set("agent", "tester").Set("parent_session_id", "ses_p").Str(),
      span("turn", "ses_t", "msg_tu", 1000, 8000).Set("agent", "tester").Str(),
      span("llm_call", "ses_t", "msg_ta", 1000, 8000).Set("agent", "tester").Set("parent_span_id", "msg_tu").Str(),
      span("tool_call", "ses_t", "prt_b", 2000, 4000)
          .Set("agent", "tester")
          .Set("tool", "bash")
          .Set("parent_span_id", "msg_ta")
          .Raw("attrs", R"({"wall_ms":5000,"permission_wait_ms":1000})")
          .Str(),
      span("permission_wait", "ses_t", "per_1", 2500, 1000)
          .Set("agent", "tester")
          .Set("tool", "bash")
          .Set("parent_span_id", "prt_b")
          .Str(),
  });
}

TEST(ExplainCli, WaterfallAndBreakdownFromTheDataDirectoryAndTheServer) {
  testing::TempDir dir;
  const std::string file = dir.Sub("events.ndjson");
  std::ofstream(file) << SessionEvents();
  const std::string data = dir.Sub("data");
  ASSERT_EQ(Agentperf({"ingest", "--data", data, file}).exit_code, 0);

  ProcessResult local = Agentperf({"explain", "ses_p", "--data", data, "--width", "100", "--color", "never"});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  // The tester's session sits under the planner's task call; the bash call's
  // permission wait under it. Where the time went (10 s): model 2 s (step
  // 9 s minus the 8 s task... minus nothing else: 500 ms before the step is
  // a gap), the tester's 8 s as a subagent.
  EXPECT_NE(local.out.find("subagent:tester"), std::string::npos) << local.out;
  EXPECT_NE(local.out.find("permission"), std::string::npos) << local.out;
  EXPECT_NE(local.out.find("80.0%"), std::string::npos) << local.out;  // the subagent: 8 s of 10 s
  ProcessResult json = Agentperf({"explain", "ses_p", "--data", data, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find(R"("name":"subagent:tester","us":8000000)"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find(R"("name":"permission","us":1000000)"), std::string::npos) << json.out;

  testing::TestServerOptions so;
  so.store.data_dir = data;
  {
    testing::TestServer server(so);
    ProcessResult remote =
        Agentperf({"explain", "ses_p", "--server", server.url(), "--width", "100", "--color", "never"});
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    EXPECT_EQ(remote.out, local.out);
    ProcessResult missing = Agentperf({"explain", "ses_nope", "--server", server.url()});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("ses_nope"), std::string::npos) << missing.err;
  }
  // compare: the planner's step was alone in the "after" window, nothing before: a clear message, no crash.
  ProcessResult cmp = Agentperf({"compare", "--data", data, "--before", "2025-12-01..2025-12-02", "--after",
                                 "2025-12-31..2026-01-02", "--color", "never"});
  ASSERT_EQ(cmp.exit_code, 0) << cmp.err;
  EXPECT_NE(cmp.out.find("Not enough spans in one of the windows"), std::string::npos) << cmp.out;
  ProcessResult bad = Agentperf({"compare", "--data", data, "--before", "yesterday", "--after", "-1d..now"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("before"), std::string::npos) << bad.err;
  ProcessResult report = Agentperf(With({"report", "--data", data}, kWindow));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("Where the time went"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("subagent:tester 80.0%"), std::string::npos) << report.out;
}

}  // namespace
}  // namespace agentperf::e2e
