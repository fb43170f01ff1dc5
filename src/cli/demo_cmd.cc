// agentperf demo [--data DIR | --server URL] [--opencode PATH] [--any-version]
//                [--work-dir DIR] [--keep] [--permission-delay-ms MS] [--json]
//
// Real data in a minute on a machine without OpenCode history
// (docs/demo.md, design docs/design/opencode-integration.md §7.3): starts
// `agentperf simulate llm` and drives the REAL opencode 1.18.33 (installed
// by scripts/install-opencode.sh) with five custom agents — planner →
// tester ∥ coder through `task`, architect → researcher, and one
// `opencode serve` session whose bash call waits for a permission the demo
// grants after a delay — with the agentperf plugin and OpenCode's OTLP
// export sending to agentperf; then prints the per-agent report.
//
// Where the data goes: --server URL (a running `agentperf serve`), else a
// `serve` of its own on --data (default: the default data directory); when
// that directory is held by a running server on the default address, the
// demo sends there instead.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "bench/bench_util.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "drive/agent_report.h"
#include "drive/agentperf_child.h"
#include "drive/five_agents.h"
#include "drive/opencode_serve.h"
#include "drive/opencode_world.h"
#include "ingest/opencode/spool_drain.h"
#include "net/http_client.h"
#include "server/server.h"

namespace agentperf::cli {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct DemoOpts {
  Target target;
  std::string opencode = drive::OpencodeBinary();
  bool any_version = false;
  std::string work_dir;
  bool keep = false;
  int permission_delay_ms = 1000;
  bool json = false;
};

class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet), t0_(Clock::now()) {}
  void Step(const std::string& what) {
    if (!quiet_) fmt::print(stderr, "[{:5.1f} s] {}\n", Seconds(), what);
  }
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

 private:
  bool quiet_;
  Clock::time_point t0_;
};

bool Healthy(const std::string& url, const std::string& token) {
  auto u = net::ParseUrl(url);
  if (!u.ok()) return false;
  net::HttpClientOptions o;
  o.bearer_token = token;
  o.connect_timeout_ms = 1000;
  net::HttpClient c(*u, o);
  auto r = c.Get("/healthz");
  return r.ok() && r->status == 200;
}

// The store's event count (GET /v1/status), -1 when unknown.
int64_t StoredEvents(net::HttpClient* c) {
  auto r = c->Get("/v1/status");
  if (!r.ok() || r->status != 200) return -1;
  const std::string key = "\"events\":";
  size_t k = r->body.find(key);
  return k == std::string::npos ? -1 : std::strtoll(r->body.c_str() + k + key.size(), nullptr, 10);
}

int RunDemo(const DemoOpts& o) {
  Progress progress(false);
  // 1. The pinned opencode.
  Status st = drive::CheckOpencodeInstall(o.opencode);
  if (!st.ok()) return Fail(st);
  if (!o.work_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.work_dir, ec);
  }
  const std::string work = bench::MakeScratchDir(o.work_dir, "agentperf-demo-");
  if (work.empty()) return Fail(Status::IOError("cannot create a work directory under " + o.work_dir));
  struct Cleanup {
    std::string dir;
    bool keep;
    ~Cleanup() {
      std::error_code ec;
      if (!keep) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{work, o.keep};
  drive::OpencodeWorld world(work + "/opencode", o.opencode);
  {
    drive::CommandResult v = world.Run({"--version"}, "version", 60s);
    std::string version = v.out;
    while (!version.empty() && (version.back() == '\n' || version.back() == ' ')) version.pop_back();
    if (v.exit_code != 0) return Fail(Status::Unavailable(fmt::format("{} --version failed: {}", o.opencode, v.err)));
    if (version != drive::kOpencodeVersion) {
      std::string msg = fmt::format("{} is opencode {}, the demo is made for {}", o.opencode, version,
                                    drive::kOpencodeVersion);
      if (!o.any_version) return Fail(Status::FailedPrecondition(msg + " (--any-version to try anyway)"));
      fmt::print(stderr, "agentperf: warning: {}\n", msg);
    }
    progress.Step(fmt::format("opencode {} at {}", version, o.opencode));
  }
  const std::string self = bench::SelfExe();

  // 2. The collector.
  drive::ServeChild own;
  std::string url = o.target.server_url;
  if (url.empty()) {
    st = own.Start(self, work + "/serve", {"--no-opencode-spool"}, o.target.data_dir);
    if (st.ok()) {
      url = own.url();
      progress.Step(fmt::format("agentperf serve on {} (data {})", url, o.target.data_dir));
    } else {
      const std::string fallback = fmt::format("http://{}", server::kDefaultListen);
      if (!Healthy(fallback, o.target.token)) return Fail(st);
      url = fallback;
      progress.Step(fmt::format("{} is in use; sending to the agentperf serve running at {}", o.target.data_dir, url));
    }
  } else {
    if (!Healthy(url, o.target.token)) {
      return Fail(Status::Unavailable(fmt::format("no agentperf serve answers at {} (check --server/--token)", url)));
    }
    progress.Step("sending to the agentperf serve at " + url);
  }
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return Fail(parsed.status());
  net::HttpClientOptions co;
  co.bearer_token = o.target.token;
  net::HttpClient client(*parsed, co);
  const int64_t before = StoredEvents(&client);
  const int64_t from_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();

  // 3. The simulated model and the world of five agents.
  drive::SimChild sim;
  st = sim.Start(self, work + "/sim", drive::FiveAgentsSimConfig(static_cast<uint64_t>(from_ms), "agentperf demo"));
  if (!st.ok()) return Fail(st);
  progress.Step("simulated model on " + sim.base_url());
  st = drive::WriteFiveAgentWorld(world, sim.base_url());
  if (st.ok()) st = world.Prepare();
  if (!st.ok()) return Fail(st);
  {
    drive::CommandResult r = drive::RunCommand({self, "opencode", "install", "--project", world.project(), "--otel"},
                                               world.Env(), "", world.root() + "/out/install", 60s);
    if (r.exit_code != 0) return Fail(Status::Internal("agentperf opencode install failed: " + r.err));
  }
  progress.Step("project " + world.project() + ": agents architect, planner, tester, researcher, coder; plugin installed");
  std::vector<std::string> collector_env = {"AGENTPERF_URL=" + url, "OTEL_EXPORTER_OTLP_ENDPOINT=" + url,
                                            "OTEL_BSP_SCHEDULE_DELAY=200"};
  if (!o.target.token.empty()) collector_env.push_back("AGENTPERF_TOKEN=" + o.target.token);

  // 4. Two `opencode run`s and one `opencode serve` session.
  for (const auto& [agent, prompt] :
       std::vector<std::pair<std::string, std::string>>{{"planner", "Plan the release"}, {"architect", "Design the cache"}}) {
    drive::CommandResult r = world.Run({"run", "--agent", agent, prompt}, "run-" + agent, 180s, collector_env);
    if (r.exit_code != 0) {
      return Fail(Status::Internal(fmt::format("opencode run --agent {} failed (exit {}):\n{}\n{}", agent, r.exit_code,
                                               r.err, sim.stderr_text())));
    }
    progress.Step(fmt::format("opencode run --agent {}: {:.1f} s", agent, r.seconds));
  }
  {
    std::vector<std::string> env = collector_env;
    env.push_back(R"(OPENCODE_PERMISSION={"bash":"ask"})");
    drive::OpencodeServe oc;
    st = oc.Start(world, env);
    if (!st.ok()) return Fail(st);
    auto perm = oc.PermissionSession(drive::kPermissionPrompt, std::chrono::milliseconds(o.permission_delay_ms));
    if (!perm.ok()) return Fail(perm.status().WithContext("opencode serve session"));
    progress.Step(fmt::format("opencode serve session {}: bash permission granted after {:.0f} ms", perm->session_id,
                              perm->wait_ms));
    oc.Stop();
  }
  sim.Stop();

  // 5. What the plugin could not deliver before its process ended, then
  //    wait until the store is quiet.
  ingest::opencode::SpoolDrainer drainer({world.state_dir() + "/agentperf/spool", url, o.target.token, 0});
  auto drained = drainer.DrainOnce();
  if (!drained.ok()) fmt::print(stderr, "agentperf: warning: spool: {}\n", drained.status().ToString());
  int64_t last = StoredEvents(&client);
  for (auto quiet_since = Clock::now(), deadline = Clock::now() + 15s; Clock::now() < deadline;) {
    std::this_thread::sleep_for(250ms);
    int64_t now = StoredEvents(&client);
    if (now != last) {
      last = now;
      quiet_since = Clock::now();
    } else if (Clock::now() - quiet_since >= 1500ms) {
      break;
    }
  }
  progress.Step(fmt::format("{} events stored", before >= 0 && last >= 0 ? last - before : last));

  // 6. The report.
  auto rows = drive::QueryAgentReport(&client, from_ms);
  if (!rows.ok()) return Fail(rows.status());
  if (o.json) {
    fmt::print("{}\n", drive::AgentReportJson(*rows));
  } else {
    fmt::print("\n{}\n", drive::FormatAgentReport(*rows));
  }
  if (own.port() != 0) {
    own.Stop();
    fmt::print(stderr, "The demo's data is in {}: `agentperf serve --data {}` shows it.\n", own.data(), own.data());
  } else {
    fmt::print(stderr, "The demo's data is in the agentperf serve at {}.\n", url);
  }
  if (o.keep) fmt::print(stderr, "Kept the demo's project, logs and opencode data in {}\n", work);
  progress.Step("done");
  return 0;
}

}  // namespace

std::function<int()> SetupDemo(CLI::App* cmd) {
  auto o = std::make_shared<DemoOpts>();
  AddTargetOptions(cmd, &o->target);
  cmd->add_option("--opencode", o->opencode, "the opencode binary (default: $AGENTPERF_OPENCODE or the pinned install)")
      ->capture_default_str();
  cmd->add_flag("--any-version", o->any_version, "run even if opencode is not version 1.18.33 (warn only)");
  cmd->add_option("--work-dir", o->work_dir, "parent of the demo's scratch folder (default $TMPDIR or /tmp)");
  cmd->add_flag("--keep", o->keep, "keep the scratch folder (project, opencode data, logs)");
  cmd->add_option("--permission-delay-ms", o->permission_delay_ms, "grant the serve session's permission after this")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "print the report as JSON on stdout");
  return [o]() -> int { return RunDemo(*o); };
}

}  // namespace agentperf::cli
