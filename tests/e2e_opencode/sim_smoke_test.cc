// Smoke test of `agentperf simulate llm` with the REAL opencode 1.18.33
// (scripts/install-opencode.sh): `opencode run --agent planner` against the
// simulated model, where the planner delegates to tester and coder with two
// parallel `task` calls, the tester runs bash, the coder reads a file, gets a
// scripted 429 (opencode retries) and runs bash. Then opencode's own
// opencode.db must show the subagent sessions under the planner's, the
// completed tool parts, and step-finish tokens equal to what the simulator's
// log says it sent (input = prompt - cached, output = completion,
// cache.read = cached).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "opencode_env.h"
#include "testing/json_doc.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using agentperf::testing::JsonDoc;

constexpr const char* kSimConfig = R"json({
  "seed": 4,
  "models": {
    "sim-large": {"ttfc_ms": {"dist": "uniform", "min": 10, "max": 30}, "tokens_per_s": {"dist": "fixed", "value": 500},
                  "retry_after_ms": 200},
    "sim-small": {"ttfc_ms": 5, "tokens_per_s": 1000}
  },
  "title": {"text": "Sim smoke session"},
  "agents": {
    "planner": {"match": "You are the PLANNER agent", "steps": [
      {"text": "Delegating.", "tools": [
        {"name": "task", "args": {"subagent_type": "tester", "description": "Run the tests", "prompt": "Run the test suite"}},
        {"name": "task", "args": {"subagent_type": "coder", "description": "Fix the bug", "prompt": "Fix the bug in README.md"}}]},
      {"text": "Plan complete: tests pass, bug fixed.", "output_tokens": 40}]},
    "tester": {"match": "You are the TESTER agent", "steps": [
      {"tools": [{"name": "bash", "args": {"command": "echo tests-pass", "description": "Run the tests"}}]},
      {"text": "All tests pass."}]},
    "coder": {"match": "You are the CODER agent", "steps": [
      {"tools": [{"name": "read", "args": {"filePath": "README.md"}}]},
      {"fail": [{"status": 429, "attempts": 1}],
       "tools": [{"name": "bash", "args": {"command": "echo patched", "description": "Apply the patch"}}]},
      {"text": "Patched."}]}
  }
})json";

struct LogEntry {
  std::string session, parent, agent, kind;
  int turn = 0, step = 0, attempt = 0, status = 0;
  int64_t prompt = 0, completion = 0, cached = 0;
};

std::vector<LogEntry> ParseLog(const std::vector<std::string>& lines) {
  std::vector<LogEntry> out;
  for (const auto& l : lines) {
    JsonDoc d(l);
    EXPECT_TRUE(d.ok()) << l;
    LogEntry e;
    e.session = d.Str("/session").value_or("");
    e.parent = d.Str("/parent").value_or("");
    e.agent = d.Str("/agent").value_or("");
    e.kind = d.Str("/kind").value_or("");
    e.turn = static_cast<int>(d.Num("/turn").value_or(-1));
    e.step = static_cast<int>(d.Num("/step").value_or(-1));
    e.attempt = static_cast<int>(d.Num("/attempt").value_or(-1));
    e.status = static_cast<int>(d.Num("/status").value_or(0));
    e.prompt = static_cast<int64_t>(d.Num("/usage/prompt_tokens").value_or(-1));
    e.completion = static_cast<int64_t>(d.Num("/usage/completion_tokens").value_or(-1));
    e.cached = static_cast<int64_t>(d.Num("/usage/cached_tokens").value_or(-1));
    out.push_back(e);
  }
  return out;
}

std::string Dump(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST(SimSmokeTest, PlannerDelegatesToTesterAndCoderThroughTheRealOpencode) {
  if (!RequireOpencode()) return;
  agentperf::testing::TempDir tmp;
  SimProcess sim(tmp.Sub("sim"), kSimConfig);
  ASSERT_TRUE(sim.ok());

  OpencodeEnv env(tmp.Sub("oc"));
  env.WriteProjectConfig(sim.base_url());
  env.WriteAgent({"planner", "primary", "Plans the work and delegates to tester and coder",
                  "You are the PLANNER agent. Delegate test runs to `tester` and fixes to `coder`.", ""});
  env.WriteAgent(
      {"tester", "subagent", "Runs the test suite", "You are the TESTER agent. Run the tests and report.", ""});
  env.WriteAgent({"coder", "subagent", "Fixes bugs", "You are the CODER agent. Fix the code.", ""});
  ASSERT_TRUE(env.Prepare());

  CommandResult run = env.Run({"run", "--agent", "planner", "E2E plan"}, "run-planner");
  const std::vector<std::string> lines = sim.LogLines();
  ASSERT_EQ(run.exit_code, 0) << "opencode run failed after " << run.seconds << " s\nstdout:\n"
                              << run.out << "\nstderr:\n"
                              << run.err << "\nsim log:\n"
                              << Dump(lines) << "\nsim stderr:\n"
                              << sim.stderr_text();
  EXPECT_NE(run.out.find("Plan complete: tests pass, bug fixed."), std::string::npos) << run.out;
  EXPECT_EQ(sim.Stop(), 0) << sim.stderr_text();

  // --- sessions: the planner's and two children under it.
  OpencodeDb db(env.db_path());
  ASSERT_TRUE(db.ok()) << db.error();
  auto sessions = db.Query("SELECT id, parent_id, agent FROM session ORDER BY time_created");
  ASSERT_EQ(sessions.size(), 3u);
  std::string root;
  std::map<std::string, std::string> child_agent;  // session -> agent
  for (const auto& s : sessions) {
    if (!s[1]) {
      EXPECT_TRUE(root.empty()) << "two root sessions";
      root = *s[0];
      EXPECT_EQ(s[2], "planner");
    }
  }
  ASSERT_FALSE(root.empty());
  for (const auto& s : sessions) {
    if (!s[1]) continue;
    EXPECT_EQ(*s[1], root) << "child session " << *s[0] << " is not under the planner's";
    child_agent[*s[0]] = s[2].value_or("");
  }
  std::set<std::string> agents;
  for (const auto& [id, a] : child_agent) agents.insert(a);
  EXPECT_EQ(agents, (std::set<std::string>{"coder", "tester"}));

  // --- tool parts: every one completed; task parts name the child sessions.
  auto tools = db.Query(
      "SELECT session_id, json_extract(data,'$.tool'), json_extract(data,'$.state.status'), "
      "json_extract(data,'$.state.metadata.sessionId') FROM part WHERE json_extract(data,'$.type')='tool'");
  std::multiset<std::string> seen;  // "agent:tool"
  std::set<std::string> task_children;
  for (const auto& t : tools) {
    const std::string agent = *t[0] == root ? "planner" : child_agent[*t[0]];
    seen.insert(agent + ":" + t[1].value_or("?"));
    EXPECT_EQ(t[2], "completed") << agent << " " << t[1].value_or("?");
    if (t[1] == "task" && t[3]) task_children.insert(*t[3]);
  }
  EXPECT_EQ(seen,
            (std::multiset<std::string>{"planner:task", "planner:task", "tester:bash", "coder:read", "coder:bash"}));
  std::set<std::string> children;
  for (const auto& [id, a] : child_agent) children.insert(id);
  EXPECT_EQ(task_children, children);

  // --- tokens: every step-finish equals what the simulator sent for that step.
  std::vector<LogEntry> log = ParseLog(lines);
  std::map<std::string, std::vector<LogEntry>> sent;  // session -> successful agent steps, in order
  int retried = 0;
  for (const auto& e : log) {
    if (e.kind == "title") continue;
    if (e.status == 429) {
      ++retried;
      EXPECT_EQ(e.agent, "coder");
      EXPECT_EQ(e.step, 1);
      EXPECT_EQ(e.attempt, 0);
      continue;
    }
    EXPECT_EQ(e.status, 200);
    sent[e.session].push_back(e);
    // x-parent-session-id reaches the model on subagent calls.
    EXPECT_EQ(e.parent, e.session == root ? "" : root) << e.agent;
  }
  EXPECT_EQ(retried, 1);
  for (auto& [s, v] : sent) {
    std::sort(v.begin(), v.end(), [](const LogEntry& a, const LogEntry& b) {
      return std::tie(a.turn, a.step, a.attempt) < std::tie(b.turn, b.step, b.attempt);
    });
  }
  auto finishes = db.Query(
      "SELECT m.session_id, p.message_id, json_extract(p.data,'$.tokens.input'), "
      "json_extract(p.data,'$.tokens.output'), "
      "json_extract(p.data,'$.tokens.cache.read'), json_extract(p.data,'$.tokens.reasoning') "
      "FROM part p JOIN message m ON m.id = p.message_id WHERE json_extract(p.data,'$.type')='step-finish' "
      "ORDER BY m.session_id, json_extract(m.data,'$.time.created'), p.id");
  std::map<std::string, size_t> next;
  std::set<std::string> messages;
  for (const auto& f : finishes) {
    const std::string& s = *f[0];
    EXPECT_TRUE(messages.insert(*f[1]).second) << "two step-finish parts in message " << *f[1];
    const size_t i = next[s]++;
    ASSERT_LT(i, sent[s].size()) << "more steps in the db than the simulator answered for " << s << "\n" << Dump(lines);
    const LogEntry& e = sent[s][i];
    SCOPED_TRACE(fmt::format("{} step {}", e.agent, e.step));
    EXPECT_EQ(std::stoll(f[2].value_or("-1")), e.prompt - e.cached);
    EXPECT_EQ(std::stoll(f[3].value_or("-1")), e.completion);
    EXPECT_EQ(std::stoll(f[4].value_or("-1")), e.cached);
    EXPECT_EQ(std::stoll(f[5].value_or("-1")), 0);
  }
  for (const auto& [s, v] : sent) EXPECT_EQ(next[s], v.size()) << "steps the db lacks for " << s;
  // Planner 2 steps, tester 2, coder 3.
  EXPECT_EQ(finishes.size(), 7u);
  // The prefix cache really was exercised.
  int64_t cached = 0;
  for (const auto& e : log) cached += std::max<int64_t>(0, e.cached);
  EXPECT_GT(cached, 0);
}

}  // namespace
}  // namespace agentperf::e2e
