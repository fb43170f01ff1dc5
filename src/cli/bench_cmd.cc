// agentperf bench ingest
#include <memory>

#include "bench/ingest_bench.h"
#include "cli/commands.h"
#include "cli/common.h"

namespace agentperf::cli {

std::function<int()> SetupBench(CLI::App* cmd) {
  cmd->require_subcommand(1);
  auto o = std::make_shared<bench::IngestBenchOptions>();
  CLI::App* ingest = cmd->add_subcommand("ingest", "durable ingest rate over HTTP and in-process, ack latency, RSS");
  ingest->add_flag("--json", o->json, "JSON lines only (default: JSON lines plus a summary)");
  ingest->add_option("--events", o->events, "events per run")->capture_default_str();
  ingest->add_option("--batch", o->batch, "events per request / batch")->capture_default_str();
  ingest->add_option("--clients", o->clients, "concurrent HTTP clients")->capture_default_str();
  ingest->add_option("--threads", o->threads, "concurrent in-process submitters")->capture_default_str();
  ingest->add_option("--dir", o->dir, "scratch directory (default: a fresh one under $TMPDIR)");
  ingest->add_option("--only", o->only, "run only one of: inprocess, store, http, sqlite");
  ingest->add_option("--latency-batch", o->latency_batch, "events per request in the HTTP latency run")->capture_default_str();
  return [o, ingest]() -> int {
    if (ingest->parsed()) return bench::RunIngestBench(*o);
    return 2;
  };
}

}  // namespace agentperf::cli
