// `agentperf bench analysis`: the analysis engine's latency and memory on a
// large store (issue 5: `report` ≤ 1 s and per-agent baselines ≤ 500 ms over
// 10M events). The store benchmark's workload (bench/workload.h: 30 days of
// history, five agents, ten models, fifteen tools) is appended to an
// embedded store and flushed into segments; then, for each question:
//   - in process, on the store opened once: the first answer (cold: segment
//     summaries not yet read) and the median of --runs warm answers;
//   - as the user runs it: `agentperf report|... --data DIR --json` as a
//     child process (store open included), wall time and peak RSS.
// Questions: baselines by agent over all 30 days, over the last 7 days, and
// over the last 24 h; the full report over 30 days and 7 days; compare of the
// last 7 days with the 7 before, and of the last 24 h with the 24 h before
// (targets: baselines 500 ms, report and compare 1 s).
// JSON lines on stdout (one per question, then a summary with the targets).
//
// No competitor: the issue states absolute targets for this benchmark.
// Thread-safety: a plain function; call from one thread.
#pragma once

#include <cstdint>
#include <string>

namespace agentperf::bench {

struct AnalysisBenchOptions {
  uint64_t events = 10000000;
  int runs = 5;               // warm runs per question (median reported)
  bool json = false;          // JSON lines only (no summary on stderr)
  std::string data_dir;       // parent of the scratch folder (default $TMPDIR or /tmp)
  std::string shared_dir;     // ../shared (token sizes)
  std::string reuse;          // an existing data directory made by --keep: skip generation and loading
  uint64_t seed = 42;
  bool keep = false;          // keep the store (prints its path)
};

int RunAnalysisBench(const AnalysisBenchOptions& options);

}  // namespace agentperf::bench
