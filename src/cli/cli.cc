#include "cli/cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace agentperf::cli {

namespace {

// For benchmarks: with $AGENTPERF_PEAK_RSS_FILE set, the process writes its
// peak resident set (VmHWM, bytes) there when the command returns. A
// parent's wait4() cannot tell: its ru_maxrss includes the parent's own peak
// when the child was started by posix_spawn (vfork semantics).
void WritePeakRss() {
  const char* path = std::getenv("AGENTPERF_PEAK_RSS_FILE");
  if (path == nullptr || *path == '\0') return;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::ofstream(path) << std::strtoull(line.c_str() + 6, nullptr, 10) * 1024 << "\n";
      return;
    }
  }
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"agentperf: performance analytics for AI coding agents (OpenCode and any OpenTelemetry GenAI source)",
               "agentperf"};
  app.set_version_flag("--version", std::string("agentperf ") + AGENTPERF_VERSION);
  app.require_subcommand(1);
  app.footer(
      "\nData lives in --data DIR (default $AGENTPERF_DATA or ~/.local/share/agentperf), or on a running server "
      "(--server URL).\nRun 'agentperf COMMAND --help' for a command's options.");
  std::vector<std::pair<CLI::App*, std::function<int()>>> commands;
  auto add = [&](const char* name, const char* help, std::function<int()> (*setup)(CLI::App*)) {
    CLI::App* sub = app.add_subcommand(name, help);
    commands.emplace_back(sub, setup(sub));
  };
  add("serve", "run the collector, store and HTTP API", SetupServe);
  add("ingest", "store events from NDJSON / JSON array files (optionally gzip or zstd)", SetupIngest);
  add("query", "run a query (JSON spec or flags) and print the result", SetupQuery);
  add("verify", "check every checksum of a data directory", SetupVerify);
  add("inspect", "show where a data directory's bytes go: per column, dictionary, section and file, with codecs",
      SetupInspect);
  add("bench", "run a benchmark and print JSON lines", SetupBench);
  add("import", "import history from another tool (opencode)", SetupImport);
  add("export", "write stored events as NDJSON (one record per span, with its id)", SetupExport);
  add("opencode", "install or remove the agentperf plugin for OpenCode", SetupOpencode);
  add("watch", "follow a live event stream and store its spans (opencode: the opencode serve /global/event stream)",
      SetupWatch);
  add("demo", "drive the real opencode (five agents) against a simulated model and report what agentperf saw",
      SetupDemo);
  add("report",
      "per-agent performance over a time window: step latency percentiles and spread, time to first chunk, "
      "throughput, tokens, cache hits, cost (estimated from model prices where OpenCode recorded 0: "
      "docs/prices.md), tools, permission waits, top bottlenecks",
      SetupReport);
  add("explain",
      "one session: a waterfall of its spans and subagents with the critical path marked, and where its time "
      "went (model, tools, permission waits, retries, subagents, gaps), adding up to its wall time",
      SetupExplain);
  add("compare",
      "two time windows: how a span kind's duration, error rate, cost, TTFC or tokens changed (mean, p50, p95, "
      "Mann-Whitney U, bootstrap intervals) and which agent, model, provider or tool explains it",
      SetupCompare);
  add("outliers",
      "spans far slower than their group's usual (agent x kind, x tool for tool calls; modified z-score from the "
      "median and MAD), and the sessions holding most of them",
      SetupOutliers);
  add("correlations",
      "per agent and model, what step, turn and tool durations go with (input tokens, steps, output size, "
      "permission waits): Spearman rho with Benjamini-Hochberg q-values, only significant and large effects",
      SetupCorrelations);
  add("simulate", "run a simulated component for tests and demos (llm: an OpenAI-compatible model)", SetupSimulate);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    fmt::print(stderr, "agentperf: error: {}\nRun 'agentperf --help' for usage.\n", e.what());
    return 2;
  }
  for (auto& [sub, run] : commands) {
    if (sub->parsed()) {
      const int rc = run();
      WritePeakRss();
      return rc;
    }
  }
  return 2;
}

}  // namespace agentperf::cli
