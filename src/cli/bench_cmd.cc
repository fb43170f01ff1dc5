// agentperf bench ingest | store | import | plugin | analysis
#include <memory>

#include "bench/import_bench.h"
#include "bench/ingest_bench.h"
#include "bench/analysis_bench.h"
#include "bench/plugin_bench.h"
#include "bench/store_bench.h"
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
  ingest->add_option("--latency-batch", o->latency_batch, "events per request in the HTTP latency run")
      ->capture_default_str();

  auto s = std::make_shared<bench::StoreBenchOptions>();
  CLI::App* store = cmd->add_subcommand(
      "store",
      "storage benchmark: the same agent workload loaded into agentperf (child `serve`, NDJSON over HTTP), SQLite "
      "and PostgreSQL 15 (throwaway cluster when /usr/lib/postgresql/15/bin exists); durable ingest rate, bytes on "
      "disk per event, cold and warm latency of four queries (a) p50/p95/p99 duration per agent, (b) count and p95 per "
      "hour x agent x tool over the last 24 h, (c) the 10 slowest sessions, (d) error rate per model per day; answer "
      "checks, ratios and the storage issue's targets as JSON lines (docs/benchmarks.md). Exit status 0 only when "
      "every engine ran without error and every answer matched");
  store->add_option("--events", s->events, "events to generate (30 days of history; targets are for 10000000)")
      ->capture_default_str();
  store->add_flag("--json", s->json, "JSON lines only on stdout (default: JSON lines plus a summary table)");
  store->add_option("--only", s->only,
                    "comma-separated engines to run: agentperf (over HTTP, then embedded), embedded (agentperf "
                    "embedded ingest only), sqlite, postgres (default: all)");
  store->add_option("--data-dir", s->data_dir,
                    "parent of the scratch folders (default: $TMPDIR or /tmp); must be searchable by the postgres "
                    "user when run as root");
  store->add_option("--shared-dir", s->shared_dir,
                    "the shared folder holding data/llm-traces (default: $AGENTPERF_SHARED_DIR, else ../shared found "
                    "above the binary or the working directory)");
  store->add_option("--seed", s->seed, "workload seed")->capture_default_str();
  store->add_option("--clients", s->clients, "HTTP client threads posting to agentperf")->capture_default_str();
  store->add_option("--batch", s->batch, "events per HTTP request to agentperf")->capture_default_str();
  store->add_option("--sql-batch", s->sql_batch, "rows per SQLite transaction and per PostgreSQL COPY")
      ->capture_default_str();
  store->add_option("--warm", s->warm_runs, "warm runs per query (the median is reported)")->capture_default_str();
  store->add_flag("--keep", s->keep, "keep the scratch folders (agentperf data dir, SQLite file)");

  auto im = std::make_shared<bench::ImportBenchOptions>();
  CLI::App* import = cmd->add_subcommand(
      "import",
      "OpenCode import benchmark: replicates the sessions of a template opencode.db recorded by the real OpenCode "
      "(tests/fixtures/opencode/template.db) under fresh ids into a large opencode.db, then times, in alternating "
      "order, ccusage 20.0.24 (`opencode session --json --offline`, installed by scripts/install-ccusage.sh), "
      "`agentperf import opencode` + a per-session token/cost query (cold), and the same query on the imported store "
      "(warm); checks that the per-session totals agree and prints JSON lines with the ratios (docs/benchmarks.md). "
      "Exit status 0 only when every process ran and every total agreed");
  import
      ->add_option("--sessions", im->sessions,
                   "at least this many sessions, 50x as many messages and 150x as many parts")
      ->capture_default_str();
  import->add_option("--runs", im->runs, "rounds (the medians are reported)")->capture_default_str();
  import->add_flag("--json", im->json, "JSON lines only (default: plus a one-line summary on stderr)");
  import->add_option("--work-dir", im->work_dir, "parent of the scratch folder (default: $TMPDIR or /tmp)");
  import->add_option("--template", im->template_db,
                     "the template opencode.db (default: tests/fixtures/opencode/template.db of the source tree)");
  import->add_option("--ccusage", im->ccusage,
                     "the ccusage executable (default: $AGENTPERF_CCUSAGE, else the native binary installed by "
                     "scripts/install-ccusage.sh)");
  import->add_flag("--keep", im->keep, "keep the scratch folder (the opencode.db, the stores, the outputs)");

  auto pl = std::make_shared<bench::PluginBenchOptions>();
  CLI::App* plugin = cmd->add_subcommand(
      "plugin",
      "OpenCode plugin overhead: pairs of real `opencode run`s (1.18.33, a fixed-timing simulated model, a "
      "--steps-step tool script) without (A) and with (B) the agentperf plugin, in ABBA order; the median B/A "
      "wall-time ratio (target <= 1.01) with a bootstrap 95% interval, and the plugin's own time per hook call, "
      "merged from its stats files (target <= 20 us per span-relevant event); JSON lines (docs/benchmarks.md). Exit "
      "status 0 when every run succeeded");
  plugin->add_option("--pairs", pl->pairs, "pairs of runs, warm-up included")->capture_default_str();
  plugin->add_option("--warmup", pl->warmup, "first pairs run but not counted")->capture_default_str();
  plugin->add_option("--steps", pl->steps, "tool steps per run")->capture_default_str();
  plugin->add_flag("--json", pl->json, "JSON lines only (default: plus a one-line summary on stderr)");
  plugin->add_option("--work-dir", pl->work_dir, "parent of the scratch folder (default: $TMPDIR or /tmp)");
  plugin->add_option("--opencode", pl->opencode, "the opencode binary (default: the pinned install)");
  plugin->add_option("--seed", pl->seed, "simulator and bootstrap seed")->capture_default_str();
  plugin->add_flag("--keep", pl->keep, "keep the scratch folder (project, opencode data, logs, stats files)");
  auto an = std::make_shared<bench::AnalysisBenchOptions>();
  CLI::App* analysis = cmd->add_subcommand(
      "analysis",
      "analysis engine latency and memory: the store benchmark's workload (default 10M events, 30 days) in an "
      "embedded store, then per-agent baselines (30 d, 7 d, 24 h windows; target <= 500 ms) and the full report "
      "(30 d, 7 d; target <= 1 s), in process (cold and warm) and as `agentperf report` processes (wall time and "
      "peak RSS); JSON lines (docs/benchmarks.md)");
  analysis->add_option("--events", an->events, "events to generate")->capture_default_str();
  analysis->add_option("--runs", an->runs, "warm runs per question (the median is reported)")->capture_default_str();
  analysis->add_flag("--json", an->json, "JSON lines only");
  analysis->add_option("--data-dir", an->data_dir, "parent of the scratch folder (default: $TMPDIR or /tmp)");
  analysis->add_option("--shared-dir", an->shared_dir, "the shared data folder (token sizes)");
  analysis->add_option("--reuse", an->reuse, "an existing data directory (from --keep): skip generation and loading");
  analysis->add_option("--seed", an->seed, "workload seed")->capture_default_str();
  analysis->add_flag("--keep", an->keep, "keep the generated store");
  return [o, s, im, pl, an, ingest, store, import, plugin, analysis]() -> int {
    if (analysis->parsed()) return bench::RunAnalysisBench(*an);
    if (ingest->parsed()) return bench::RunIngestBench(*o);
    if (store->parsed()) return bench::RunStoreBench(*s);
    if (import->parsed()) return bench::RunImportBench(*im);
    if (plugin->parsed()) return bench::RunPluginBench(*pl);
    return 2;
  };
}

}  // namespace agentperf::cli
