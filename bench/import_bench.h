// `agentperf bench import`: the OpenCode importer against ccusage
// (docs/benchmarks.md "import", docs/design/opencode-integration.md §8.6).
//
// 1. A large opencode.db is built by replicating the sessions of the template
//    recorded by the real OpenCode 1.18.33 (import_bench_replicate.h) until it
//    holds at least `sessions`, 50 x `sessions` messages and 150 x `sessions`
//    parts (defaults: 2,000 / 100,000 / 300,000).
// 2. The file is read once (page cache warm for both tools), then `runs`
//    rounds, the order alternating (ccusage first in even rounds), each timing
//    whole processes:
//      ccusage         `ccusage opencode session --json --offline` with
//                      OPENCODE_DATA_DIR = the db's folder (the native binary)
//      agentperf_cold  `agentperf import opencode --db X --data <fresh> --quiet --json`
//                      then `agentperf query <ImportBenchQuery()> --data <same> --json`
//      agentperf_warm  the same query again on that already-imported store
//    and checks that both reports agree per session (import_bench_compare.h).
// 3. One JSON line per round and a summary line: rows, events, bytes, medians,
//    ratios ccusage/cold (target >= 3) and ccusage/warm (target >= 30).
//
// Thread-safety: blocking calls on one thread; they spawn processes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/import_bench_compare.h"
#include "bench/import_bench_replicate.h"
#include "core/status.h"

namespace agentperf::bench {

struct ImportBenchOptions {
  uint64_t sessions = 2000;  // minimum sessions; the message and part minimums are 50x and 150x this
  int runs = 5;
  bool json = false;        // JSON lines only (default: plus a short text summary on stderr)
  std::string work_dir;     // parent of the scratch folder (default $TMPDIR or /tmp)
  std::string template_db;  // default: tests/fixtures/opencode/template.db of the source tree
  std::string ccusage;      // default: CcusageBinary()
  std::string agentperf;    // default: this executable
  bool keep = false;        // keep the scratch folder
};

struct ImportBenchRun {
  int run = 0;
  bool ccusage_first = true;
  double ccusage_ms = 0, import_ms = 0, query_ms = 0, cold_ms = 0, warm_ms = 0;  // wall time
  double ccusage_cpu_ms = 0, cold_cpu_ms = 0, warm_cpu_ms = 0;                   // user + system
  Agreement cold, warm;  // ccusage vs the cold query, vs the warm query
};

struct ImportBenchResult {
  std::string scratch_dir, db_path;
  uint64_t db_bytes = 0;
  ReplicateStats replica;
  std::vector<ImportBenchRun> runs;
  UsageTotals ccusage_total, agentperf_total;
  uint64_t ccusage_sessions = 0;
  std::string import_summary;  // the last `import --json` summary
  double ccusage_median_ms = 0, cold_median_ms = 0, warm_median_ms = 0;
  double ratio_cold = 0, ratio_warm = 0;
  bool agree = false;  // every round, cold and warm
};

// Runs the benchmark; calls `line` with each JSON line as it is produced.
// An error when a process fails, ccusage is missing or read nothing; a
// disagreement is reported in the result (agree = false), not as an error.
Result<ImportBenchResult> RunImportBenchRounds(const ImportBenchOptions& options,
                                               const std::function<void(const std::string&)>& line);

// The CLI entry: prints the JSON lines on stdout; exit status 0 only when
// every process ran and every round agreed.
int RunImportBench(const ImportBenchOptions& options);

// tests/fixtures/opencode/template.db of the source tree (next to the
// binary's ancestors, the working directory's, or the configured source dir).
Result<std::string> FindTemplateDb(const std::string& option);

}  // namespace agentperf::bench
