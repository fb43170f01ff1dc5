// The end-to-end test of the OpenCode integration (issue 4; design
// docs/design/opencode-integration.md §8.2-8.3): the REAL opencode 1.18.33,
// the simulated model and agentperf on loopback.
//
// Scenario: five custom agents (architect, planner, tester, researcher,
// coder). `opencode run --agent planner` delegates to tester and coder in
// parallel through `task` (the coder gets a scripted 429 once, so opencode
// retries); `opencode run --agent architect` delegates to researcher (glob,
// grep, and a read of a missing file: a failed tool). Then one
// `opencode serve` session whose bash call needs a permission, answered
// after 1.5 s over opencode's HTTP API. The plugin (installed with
// `agentperf opencode install --otel`) and OpenCode's OTLP export both go to
// `agentperf serve` A, which also drains the plugin's exit spool.
//
// Assertions: what A stored equals OpenCode's own opencode.db (sessions and
// parent links, agents, steps, per-step tokens and cost, tool calls and their
// times with the permission wait taken out, turns); the permission wait; the
// retry; `agentperf import opencode` into a fresh store C equals the db
// exactly; the plugin's and the importer's records agree field by field; and
// importing into A afterwards adds nothing (one record per span); the SSE
// watcher (`agentperf watch opencode`, store B) records the serve session
// exactly as the plugin did. A second test stops the collector during a run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>

#include "analysis_truth.h"
#include "ground_truth.h"
#include "net/http_client.h"
#include "net/url.h"
#include "opencode_env.h"
#include "testing/json_doc.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using agentperf::testing::JsonDoc;
using namespace std::chrono_literals;

const std::string kSimConfig = drive::FiveAgentsSimConfig();

// `agentperf serve` as a child process on a free port.
class ServeProcess {
 public:
  ServeProcess(const std::string& dir, const std::vector<std::string>& extra_args) {
    Status st = serve_.Start(agentperf::testing::AgentperfBin(), dir, extra_args);
    if (!st.ok()) error_ = st.ToString();
  }
  bool ok() const { return error_.empty(); }
  std::string url() const { return serve_.url(); }
  std::string data() const { return serve_.data(); }
  std::string log() const { return error_ + serve_.log(); }
  // The store's event count from /v1/status, or -1.
  int64_t Events() const {
    auto u = net::ParseUrl(url());
    if (!u.ok()) return -1;
    net::HttpClient c(*u);
    auto r = c.Get("/v1/status");
    if (!r.ok() || r->status != 200) return -1;
    JsonDoc d(r->body);
    return static_cast<int64_t>(d.Num("/store/events").value_or(-1));
  }
  int Stop() { return serve_.Stop(); }

 private:
  drive::ServeChild serve_;
  std::string error_;
};

CommandResult Agentperf(const std::vector<std::string>& args, const std::string& out_prefix,
                        const std::vector<std::string>& env = BaseEnv()) {
  std::vector<std::string> argv = {agentperf::testing::AgentperfBin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, env, "", out_prefix, std::chrono::seconds(300));
}

std::string Describe(const CommandResult& r) {
  return fmt::format("exit {} after {:.1f} s\nstdout:\n{}\nstderr:\n{}", r.exit_code, r.seconds, r.out, r.err);
}

// Waits until `count` has not changed for `quiet` (and is > 0), up to `limit`.
int64_t WaitQuiet(const std::function<int64_t()>& count, std::chrono::milliseconds quiet,
                  std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int64_t last = count();
  auto since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    int64_t now = count();
    if (now != last) {
      last = now;
      since = std::chrono::steady_clock::now();
    } else if (now > 0 && std::chrono::steady_clock::now() - since >= quiet) {
      break;
    }
  }
  return last;
}

// Fields every source must agree on (R2 of the design): everything except
// `source`, the live-only tool adjustment and the OTLP-joined values.
std::vector<std::string> Disagreements(const RecordIndex& a, const RecordIndex& b, const char* a_name,
                                       const char* b_name) {
  static const std::set<std::string> kLiveOrJoined = {"permission_wait_ms", "wall_ms", "ms_to_finish", "tokens_per_s",
                                                      "response_id", "time_src"};
  std::vector<std::string> bad;
  for (const auto& [kind, recs] : b) {
    for (const auto& [span, rb] : recs) {
      auto ka = a.find(kind);
      if (ka == a.end() || !ka->second.count(span)) {
        bad.push_back(fmt::format("{} {} only in {}", kind, span, b_name));
        continue;
      }
      const Record& ra = ka->second.at(span);
      auto diff = [&](const char* field, const auto& x, const auto& y) {
        if (!(x == y)) bad.push_back(fmt::format("{} {} {}: {} {} vs {} {}", kind, span, field, a_name, x, b_name, y));
      };
      diff("session_id", ra.session_id, rb.session_id);
      diff("parent_session_id", ra.parent_session_id, rb.parent_session_id);
      diff("parent_span_id", ra.parent_span_id, rb.parent_span_id);
      diff("message_id", ra.message_id, rb.message_id);
      diff("agent", ra.agent, rb.agent);
      diff("model", ra.model, rb.model);
      diff("provider", ra.provider, rb.provider);
      diff("tool", ra.tool, rb.tool);
      diff("status", ra.status, rb.status);
      diff("error_class", ra.error_class, rb.error_class);
      diff("start_ms", ra.start_ms, rb.start_ms);
      if (!(kind == "tool_call" && ra.attrs.count("permission_wait_ms") && ra.attrs.at("permission_wait_ms") != "0")) {
        diff("end_ms", ra.end_ms, rb.end_ms);
      }
      diff("tokens", ToString(ra.tokens), ToString(rb.tokens));
      diff("cost", ra.cost.value_or(-1), rb.cost.value_or(-1));
      for (const auto& [k, v] : rb.attrs) {
        if (kLiveOrJoined.count(k)) continue;
        auto it = ra.attrs.find(k);
        if (it == ra.attrs.end()) bad.push_back(fmt::format("{} {} attrs.{} missing in {}", kind, span, k, a_name));
        else if (it->second != v) diff(("attrs." + k).c_str(), it->second, v);
      }
    }
  }
  return bad;
}

std::string Lines(const std::vector<std::string>& v, size_t max = 40) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max; ++i) s += "  " + v[i] + "\n";
  if (v.size() > max) s += fmt::format("  ... and {} more\n", v.size() - max);
  return s;
}

TEST(OpencodeE2E, PluginOtlpAndImportMatchOpencodeDb) {
  if (!RequireOpencode()) return;
  agentperf::testing::TempDir tmp;
  SimProcess sim(tmp.Sub("sim"), kSimConfig);
  ASSERT_TRUE(sim.ok());

  OpencodeEnv env(tmp.Sub("oc"));
  const std::string spool = env.home() + "/.local/state/agentperf/spool";
  ServeProcess a(tmp.Sub("a"), {"--opencode-spool", spool, "--opencode-spool-interval-ms", "500"});
  ASSERT_TRUE(a.ok()) << a.log();

  {
    Status st = drive::WriteFiveAgentWorld(env, sim.base_url());
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  ASSERT_TRUE(env.Prepare());
  {
    CommandResult r = Agentperf({"opencode", "install", "--project", env.project(), "--otel"},
                                env.root() + "/out/install", env.Env());
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }
  const std::vector<std::string> collector_env = {"AGENTPERF_URL=" + a.url(), "OTEL_EXPORTER_OTLP_ENDPOINT=" + a.url(),
                                                  "OTEL_BSP_SCHEDULE_DELAY=200"};

  // --- A1, A2: opencode run.
  for (const auto& [agent, prompt] : std::vector<std::pair<std::string, std::string>>{
           {"planner", "E2E plan"}, {"architect", "E2E design"}}) {
    CommandResult r = env.Run({"run", "--agent", agent, prompt}, "run-" + agent, 180s, collector_env);
    std::printf("opencode run --agent %s: %.1f s\n", agent.c_str(), r.seconds);
    ASSERT_EQ(r.exit_code, 0) << agent << ": " << Describe(r) << "\nsim: " << sim.stderr_text();
  }

  // --- B1: opencode serve with a permission prompt answered after 1.5 s.
  std::vector<std::string> serve_env = collector_env;
  serve_env.push_back(R"(OPENCODE_PERMISSION={"bash":"ask"})");
  drive::OpencodeServe oc;
  {
    Status st = oc.Start(env, serve_env);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  const uint16_t oc_port = oc.port();
  std::printf("opencode serve up\n");
  // The SSE watcher follows this opencode serve into its own store B.
  Child watcher({agentperf::testing::AgentperfBin(), "watch", "opencode", "--url",
                 fmt::format("http://127.0.0.1:{}", oc_port), "--data", tmp.Sub("b")},
                BaseEnv(), "", tmp.Sub("watch.out"), tmp.Sub("watch.err"));
  // And a second collector D follows it with `serve --watch-opencode`.
  ServeProcess d(tmp.Sub("d"), {"--no-opencode-spool", "--watch-opencode", fmt::format("http://127.0.0.1:{}", oc_port)});
  ASSERT_TRUE(d.ok()) << d.log();
  std::this_thread::sleep_for(500ms);
  auto perm = oc.PermissionSession(drive::kPermissionPrompt, 1500ms);
  ASSERT_TRUE(perm.ok()) << perm.status().ToString() << "\n" << oc.last() << "\n" << oc.stderr_text();
  const std::string ses = perm->session_id;
  std::this_thread::sleep_for(500ms);  // the session's final update
  // A graceful stop: OpenCode disposes its instances (the plugin's dispose
  // hook sends what it still holds for the OTLP join), then the process ends
  // (SIGTERM; the plugin spools whatever is left at exit).
  EXPECT_TRUE(oc.Call("POST", "/global/dispose")) << oc.last();
  std::this_thread::sleep_for(1000ms);
  EXPECT_EQ(watcher.Kill(), 0) << watcher.err();  // SIGTERM: a clean stop after a final flush
  {
    net::HttpClient dc(*net::ParseUrl(d.url()));
    auto st = dc.Get("/v1/status");
    ASSERT_TRUE(st.ok());
    JsonDoc sd(st->body);
    EXPECT_EQ(sd.Bool("/server/opencode_watch/0/connected"), true) << st->body;
    EXPECT_GE(sd.Num("/server/opencode_watch/0/stored").value_or(0), 6) << st->body;
  }
  EXPECT_EQ(d.Stop(), 0) << d.log();  // stops its watcher first (a final flush), then the store
  oc.Stop();
  EXPECT_EQ(sim.Stop(), 0) << sim.stderr_text();

  // --- A has everything once the spool is drained and the count is stable.
  WaitQuiet([&] { return a.Events(); }, 3000ms, 60000ms);
  std::error_code ec;
  size_t left = 0;
  for (std::filesystem::directory_iterator it(spool, ec), end; !ec && it != end; it.increment(ec)) ++left;
  EXPECT_EQ(left, 0u) << "spool files left in " << spool;
  ASSERT_EQ(a.Stop(), 0) << a.log();

  // --- Ground truth, and the three stores.
  GroundTruth gt;
  ASSERT_EQ(ReadGroundTruth(env.db_path(), &gt), "");
  ASSERT_GE(gt.sessions.size(), 6u);  // planner+2, architect+1, the permission session
  CommandResult ea = Agentperf({"export", "--data", a.data()}, tmp.Sub("export-a"));
  ASSERT_EQ(ea.exit_code, 0) << Describe(ea);
  CommandResult ic = Agentperf({"import", "opencode", "--db", env.db_path(), "--data", tmp.Sub("c"), "--settle", "0",
                                "--json", "--quiet"},
                               tmp.Sub("import-c"));
  ASSERT_EQ(ic.exit_code, 0) << Describe(ic);
  CommandResult ec_ = Agentperf({"export", "--data", tmp.Sub("c")}, tmp.Sub("export-c"));
  ASSERT_EQ(ec_.exit_code, 0) << Describe(ec_);
  std::vector<Record> ra, rc;
  ASSERT_EQ(ParseExport(ea.out, &ra), "");
  ASSERT_EQ(ParseExport(ec_.out, &rc), "");
  std::vector<std::string> dup_a, dup_c;
  const RecordIndex ia = IndexRecords(ra, &dup_a), ic_idx = IndexRecords(rc, &dup_c);
  EXPECT_TRUE(dup_a.empty()) << "records stored twice in A:\n" << Lines(dup_a);
  EXPECT_TRUE(dup_c.empty()) << "records stored twice in C:\n" << Lines(dup_c);

  // 1. Import = db, exactly.
  auto bad_c = CompareWithDb(gt, ic_idx, /*allow_permission_adjust=*/false);
  EXPECT_TRUE(bad_c.empty()) << "import vs opencode.db:\n" << Lines(bad_c);
  // 2. Plugin (+ OTLP, + spool) = db, with the permission wait taken out of the tool.
  auto bad_a = CompareWithDb(gt, ia, /*allow_permission_adjust=*/true);
  EXPECT_TRUE(bad_a.empty()) << "plugin vs opencode.db:\n" << Lines(bad_a);
  // 3. Plugin and import agree on every field they both know.
  auto disagree = Disagreements(ia, ic_idx, "plugin", "import");
  EXPECT_TRUE(disagree.empty()) << "plugin vs import:\n" << Lines(disagree);

  // 3b. The SSE watcher's records of the serve session equal the plugin's.
  CommandResult eb = Agentperf({"export", "--data", tmp.Sub("b")}, tmp.Sub("export-b"));
  ASSERT_EQ(eb.exit_code, 0) << Describe(eb);
  std::vector<Record> rb;
  ASSERT_EQ(ParseExport(eb.out, &rb), "");
  std::vector<std::string> dup_b;
  const RecordIndex ib = IndexRecords(rb, &dup_b);
  EXPECT_TRUE(dup_b.empty()) << "records stored twice in B:\n" << Lines(dup_b);
  // (Its gap repair at connect also re-derives the sessions the runs made
  // just before: those records must agree with the plugin's as well.)
  size_t b_spans = 0;
  for (const auto& [k, recs] : ib) {
    for (const auto& [span, r] : recs) b_spans += r.session_id == ses;
  }
  EXPECT_GE(b_spans, 6u) << "the serve session: session, turn, 2 llm_calls, tool_call, permission_wait";
  EXPECT_TRUE(ib.count("permission_wait")) << "the watcher saw no permission wait";
  auto sse_disagree = Disagreements(ia, ib, "plugin", "sse");
  EXPECT_TRUE(sse_disagree.empty()) << "plugin vs SSE watcher:\n" << Lines(sse_disagree);
  // 3c. `serve --watch-opencode` (D) stored exactly what `watch opencode` (B) did.
  CommandResult ed = Agentperf({"export", "--data", d.data()}, tmp.Sub("export-d"));
  ASSERT_EQ(ed.exit_code, 0) << Describe(ed);
  std::vector<Record> rd;
  ASSERT_EQ(ParseExport(ed.out, &rd), "");
  std::vector<std::string> dup_d;
  const RecordIndex idx_d = IndexRecords(rd, &dup_d);
  EXPECT_TRUE(dup_d.empty()) << "records stored twice in D:\n" << Lines(dup_d);
  EXPECT_EQ(rd.size(), rb.size());
  auto bd = Disagreements(ib, idx_d, "watch", "serve --watch-opencode");
  auto db = Disagreements(idx_d, ib, "serve --watch-opencode", "watch");
  EXPECT_TRUE(bd.empty() && db.empty()) << "watch vs serve --watch-opencode:\n" << Lines(bd) << Lines(db);
  for (const auto& [span, r] : ib.count("tool_call") ? ib.at("tool_call") : std::map<std::string, Record>{}) {
    EXPECT_EQ(r.end_ms, ia.at("tool_call").at(span).end_ms) << "SSE and plugin take the same wait out of " << span;
  }

  // 4. The permission wait: one span under the bash part, ~1.5 s, inside the tool's time.
  ASSERT_TRUE(ia.count("permission_wait")) << "no permission_wait stored";
  ASSERT_EQ(ia.at("permission_wait").size(), 1u);
  const Record& pw = ia.at("permission_wait").begin()->second;
  EXPECT_EQ(pw.session_id, ses);
  EXPECT_EQ(pw.attrs.count("reply") ? pw.attrs.at("reply") : "", "once");
  EXPECT_GE(pw.duration_ms(), 1500.0);
  EXPECT_LE(pw.duration_ms(), 2500.0);
  ASSERT_TRUE(gt.tools.count(pw.parent_span_id)) << "permission parent " << pw.parent_span_id << " is not a tool part";
  const DbTool& bash = gt.tools.at(pw.parent_span_id);
  EXPECT_EQ(bash.tool, "bash");
  EXPECT_GE(pw.start_ms, double(bash.start));
  EXPECT_LE(pw.end_ms, double(bash.end));
  const Record& bash_rec = ia.at("tool_call").at(bash.id);
  EXPECT_NEAR(bash_rec.duration_ms() + pw.duration_ms(), double(bash.end - bash.start), 5.0);

  // 5. The coder's scripted 429: one retry span in the coder's session.
  ASSERT_TRUE(ia.count("retry")) << "no retry stored";
  int retries_429 = 0;
  for (const auto& [span, r] : ia.at("retry")) {
    retries_429 += r.error_class == "http_429";
    ASSERT_TRUE(gt.sessions.count(r.session_id));
    EXPECT_EQ(gt.sessions.at(r.session_id).agent, "coder");
  }
  EXPECT_EQ(retries_429, 1);

  // 6. Subagent links: every child session's parent is a session whose `task` names it.
  for (const auto& [id, s] : gt.sessions) {
    if (s.parent_id.empty()) continue;
    bool named = false;
    for (const auto& [tid, t] : ia.at("tool_call")) {
      named |= t.tool == "task" && t.session_id == s.parent_id && t.attrs.count("child_session_id") &&
               t.attrs.at("child_session_id") == id;
    }
    EXPECT_TRUE(named) << "no task tool_call in " << s.parent_id << " names child session " << id;
  }

  // 7. One record per span: importing into A afterwards stores nothing new.
  CommandResult id = Agentperf({"import", "opencode", "--db", env.db_path(), "--data", a.data(), "--settle", "0",
                                "--json", "--quiet", "--full"},
                               tmp.Sub("import-a"));
  ASSERT_EQ(id.exit_code, 0) << Describe(id);
  JsonDoc summary(id.out);
  EXPECT_EQ(summary.Num("/accepted").value_or(-1), 0) << id.out;

  // 8. Time to first chunk from OTLP: report coverage (OpenCode's exporter can
  // lose spans at process exit, FACTS §1e), and check the values found against
  // the simulator's log.
  int with_ttfc = 0;
  int steps = 0, aux = 0;
  for (const auto& [span, r] : ia.at("llm_call")) {
    if (r.attrs.count("aux")) {
      ++aux;
      continue;
    }
    ++steps;
    with_ttfc += r.ttfc_ms.has_value();
  }
  std::printf("ttfc_ms from OTLP on %d of %d steps; %d auxiliary (title) calls from OTLP\n", with_ttfc, steps, aux);

  // 9. The analysis agrees with opencode.db (the issue's golden test): the
  // real CLI's `report` and `explain` on A (plugin) and C (import) give the
  // figures OpenCode itself recorded (analysis_truth.h). Expected values all
  // come from gt, plus, for A, what the db cannot know: the OTLP-only
  // auxiliary (title) calls and the permission wait taken out of a tool.
  {
    const auto [first_ms, last_ms] = RunRangeMs(gt);
    ASSERT_LT(first_ms, last_ms);
    const int64_t from_ms = first_ms - 60000, to_ms = last_ms + 60000;
    const GroupTruths agents_a = AgentTruth(gt, AuxCalls(ia, gt)), agents_c = AgentTruth(gt, {});
    const GroupTruths tools_a = ToolTruth(gt, PermissionWaits(ia), /*slack_ms=*/5.0), tools_c = ToolTruth(gt, {}, 0);
    // The scenario's agents and its failed tool are in the db, so the checks below are not vacuous.
    for (const char* agent : {"planner", "tester", "coder", "architect", "researcher"}) {
      EXPECT_TRUE(agents_c.count({agent, ""})) << "no step of " << agent << " in opencode.db";
    }
    int64_t db_tool_errors = 0;
    for (const auto& [key, g] : tools_c) db_tool_errors += g.errors;
    EXPECT_GE(db_tool_errors, 1) << "the researcher's read of a missing file is not an error in opencode.db";

    // The planner's root session (explain's subject below).
    std::string planner;
    for (const auto& [id, s] : gt.sessions) {
      if (s.agent != "planner" || !s.parent_id.empty()) continue;
      EXPECT_TRUE(planner.empty()) << "two planner root sessions: " << planner << ", " << id;
      planner = id;
    }
    ASSERT_FALSE(planner.empty()) << "no planner root session in opencode.db";

    struct Analysed {
      const char* name;
      std::string data;
      const RecordIndex* idx;
      const GroupTruths *agents, *tools;
      ReportRows agent_rows, tool_rows;
    };
    Analysed stores[] = {{"A (plugin)", a.data(), &ia, &agents_a, &tools_a, {}, {}},
                      {"C (import)", tmp.Sub("c"), &ic_idx, &agents_c, &tools_c, {}, {}}};
    for (Analysed& st : stores) {
      SCOPED_TRACE(st.name);
      // 9a. `agentperf report` over the whole run: per agent (llm_call) and
      // per agent x tool (tool_call), counts, errors, tokens, recorded cost,
      // turns, p50 and max.
      CommandResult rep = Agentperf({"report", "--data", st.data, "--json", "--from", std::to_string(from_ms), "--to",
                                     std::to_string(to_ms)},
                                    tmp.Sub(fmt::format("report-{}", st.name[0])));
      ASSERT_EQ(rep.exit_code, 0) << Describe(rep);
      JsonDoc rd(rep.out);
      ASSERT_TRUE(rd.ok()) << rep.out;
      EXPECT_EQ(rd.Num("/window/from_ms").value_or(-1), double(from_ms)) << rep.out;
      EXPECT_EQ(rd.Num("/window/to_ms").value_or(-1), double(to_ms)) << rep.out;
      ASSERT_EQ(ParseReportRows(rep.out, "/agents", "llm_call", &st.agent_rows), "") << rep.out;
      ASSERT_EQ(ParseReportRows(rep.out, "/tools", "tool_call", &st.tool_rows), "") << rep.out;
      int percentile_checks = 0;
      auto bad_agents = CompareReportRows("agents", *st.agents, st.agent_rows, /*llm=*/true, &percentile_checks);
      EXPECT_TRUE(bad_agents.empty()) << "report on " << st.name << " vs opencode.db:\n" << Lines(bad_agents);
      EXPECT_GT(percentile_checks, 0) << "no agent group with every step completed: p50 never checked";
      const int agent_checks = percentile_checks;
      auto bad_tools = CompareReportRows("tools", *st.tools, st.tool_rows, /*llm=*/false, &percentile_checks);
      EXPECT_TRUE(bad_tools.empty()) << "report on " << st.name << " vs opencode.db:\n" << Lines(bad_tools);
      EXPECT_GT(percentile_checks, agent_checks) << "no tool group with known durations: p50 never checked";

      // 9b. `agentperf explain` of the planner's root session: the categories
      // add up to the stored session's wall time, the subagents are the db's
      // child sessions (tester and coder), each within its db duration.
      ASSERT_TRUE(st.idx->count("session") && st.idx->at("session").count(planner))
          << "planner session " << planner << " not stored in " << st.name;
      const Record& ps = st.idx->at("session").at(planner);
      const int64_t stored_wall_us = std::llround(ps.end_ms * 1000) - std::llround(ps.start_ms * 1000);
      CommandResult ex = Agentperf({"explain", planner, "--data", st.data, "--json"},
                                   tmp.Sub(fmt::format("explain-{}", st.name[0])));
      ASSERT_EQ(ex.exit_code, 0) << Describe(ex);
      auto bad_explain = CheckExplain(ex.out, gt, planner, stored_wall_us, {"subagent:tester", "subagent:coder"});
      EXPECT_TRUE(bad_explain.empty()) << "explain " << planner << " on " << st.name << ":\n" << Lines(bad_explain);
    }
    // 9c. Import = plugin in the analysis too: the db's groups read the same on A and C.
    auto same_agents = SameReportRows("agents", stores[0].agent_rows, stores[1].agent_rows, agents_c, /*llm=*/true,
                                      "A", "C");
    auto same_tools = SameReportRows("tools", stores[0].tool_rows, stores[1].tool_rows, tools_c, /*llm=*/false, "A", "C");
    EXPECT_TRUE(same_agents.empty() && same_tools.empty())
        << "report on A (plugin) vs C (import):\n" << Lines(same_agents) << Lines(same_tools);
  }
}

// The collector is down during the run: the agent is unaffected (exit 0, same
// answer, no plugin errors), the plugin spools at exit, and once a collector
// is up it drains the spool: every span arrives, once, equal to opencode.db.
TEST(OpencodeE2E, AgentCarriesOnWhileTheCollectorIsDownAndItsSpansArriveLater) {
  if (!RequireOpencode()) return;
  agentperf::testing::TempDir tmp;
  SimProcess sim(tmp.Sub("sim"), kSimConfig);
  ASSERT_TRUE(sim.ok());
  OpencodeEnv env(tmp.Sub("oc"));
  env.WriteProjectConfig(sim.base_url());
  env.WriteAgent({"planner", "primary", "Plans", "You are the PLANNER agent. Delegate.", ""});
  env.WriteAgent({"tester", "subagent", "Tests", "You are the TESTER agent. Run the tests.", ""});
  env.WriteAgent({"coder", "subagent", "Codes", "You are the CODER agent. Fix the code.", ""});
  ASSERT_TRUE(env.Prepare());
  CommandResult inst =
      Agentperf({"opencode", "install", "--project", env.project()}, env.root() + "/out/install", env.Env());
  ASSERT_EQ(inst.exit_code, 0) << Describe(inst);
  const std::string spool = env.home() + "/.local/state/agentperf/spool";
  const std::string stats = tmp.Sub("plugin-stats.json");
  const std::string dead = fmt::format("http://127.0.0.1:{}", drive::FreeLoopbackPort());
  CommandResult r = env.Run({"run", "--agent", "planner", "E2E plan"}, "run-down", 180s,
                            {"AGENTPERF_URL=" + dead, "AGENTPERF_PLUGIN_STATS=" + stats});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("Plan complete."), std::string::npos) << r.out;
  EXPECT_EQ(sim.Stop(), 0);
  JsonDoc st(ReadFile(stats));
  ASSERT_TRUE(st.ok()) << "no plugin stats file " << stats;
  EXPECT_EQ(st.Num("/errors").value_or(-1), 0) << ReadFile(stats);
  EXPECT_EQ(st.Num("/dropped_total").value_or(-1), 0) << ReadFile(stats);
  EXPECT_GT(st.Num("/spooled").value_or(0), 0) << ReadFile(stats);
  size_t files = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(spool, ec), end; !ec && it != end; it.increment(ec)) ++files;
  EXPECT_GE(files, 1u) << "nothing spooled in " << spool;

  // The collector comes back: serve drains the spool.
  ServeProcess a(tmp.Sub("a"), {"--opencode-spool", spool, "--opencode-spool-interval-ms", "500"});
  ASSERT_TRUE(a.ok()) << a.log();
  WaitQuiet([&] { return a.Events(); }, 2000ms, 30000ms);
  files = 0;
  for (std::filesystem::directory_iterator it(spool, ec), end; !ec && it != end; it.increment(ec)) ++files;
  EXPECT_EQ(files, 0u) << "spool not drained";
  ASSERT_EQ(a.Stop(), 0) << a.log();
  GroundTruth gt;
  ASSERT_EQ(ReadGroundTruth(env.db_path(), &gt), "");
  CommandResult ex = Agentperf({"export", "--data", a.data()}, tmp.Sub("export"));
  ASSERT_EQ(ex.exit_code, 0) << Describe(ex);
  std::vector<Record> recs;
  ASSERT_EQ(ParseExport(ex.out, &recs), "");
  std::vector<std::string> dups;
  const RecordIndex idx = IndexRecords(recs, &dups);
  EXPECT_TRUE(dups.empty()) << Lines(dups);
  auto bad = CompareWithDb(gt, idx, /*allow_permission_adjust=*/true);
  EXPECT_TRUE(bad.empty()) << "spooled plugin spans vs opencode.db:\n" << Lines(bad);
}

}  // namespace
}  // namespace agentperf::e2e
