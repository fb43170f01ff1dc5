// `agentperf bench plugin`: what the OpenCode plugin costs the agent
// (docs/benchmarks.md "plugin", design docs/design/opencode-integration.md §8.5).
//
// Workload: the REAL opencode 1.18.33 (`opencode run`, default agent `build`)
// against `agentperf simulate llm` with fixed timing (time to first chunk
// 50 ms, 200 tokens/s, no errors) running a `steps`-step script of tool calls
// (bash, read, glob, grep in turn); `agentperf serve` is up and receives the
// plugin's events; OpenCode's OpenTelemetry is off, to isolate the plugin.
//
// Pairs: `pairs` pairs of runs, A = plugin absent, B = plugin present, in
// ABBA order (pair i runs AB when i is even, BA when odd); the first
// `warmup` pairs are run and reported but not counted. The plugin file is
// moved in and out of .opencode/plugin/ between runs, so that both variants
// share the project, its caches and config. Metric: the wall time of the
// `opencode run` process, fork to exit; ratio_i = B_i / A_i.
//
// Per-hook cost: each B run writes the plugin's own stats
// (AGENTPERF_PLUGIN_STATS: per hook and per event type, calls and time spent
// inside the hook, measured with performance.now()); they are merged over
// the B runs. Targets: median ratio <= 1.01, mean time per span-relevant
// event hook call (every event type but message.part.delta, which the plugin
// returns from at once) <= 20 us.
//
// Thread-safety: blocking calls on one thread; they spawn processes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_util.h"  // Median
#include "core/status.h"

namespace agentperf::bench {

struct PluginBenchOptions {
  int pairs = 24;    // counted pairs = pairs - warmup (the issue asks for >= 20)
  int warmup = 2;
  int steps = 12;    // tool steps per run (then one text step)
  bool json = false;  // JSON lines only (default: plus a summary on stderr)
  std::string work_dir;  // parent of the scratch folder (default $TMPDIR or /tmp)
  std::string opencode;  // default: the pinned install (drive::OpencodeBinary())
  std::string agentperf;  // default: this executable
  bool keep = false;
  uint64_t seed = 1;
};

struct HookCost {
  uint64_t calls = 0;
  double total_ms = 0, max_ms = 0;
  double mean_us() const { return calls ? total_ms * 1000.0 / static_cast<double>(calls) : 0; }
};

// The plugin's counters, summed over runs.
struct PluginStats {
  std::map<std::string, HookCost> hooks;        // event, config, dispose
  std::map<std::string, HookCost> event_types;  // per OpenCode event type
  uint64_t runs = 0, queued = 0, sent = 0, dropped = 0, errors = 0, spooled = 0;
  double warmup_ms = 0;  // the plugin's warm-up at load (outside the hooks), summed
  // Per-call times of span-relevant event hook calls: the plugin's histogram
  // (bucket 0 <= 0.125 us; bucket b >= 1: [0.125 * 2^((b-1)/4), 0.125 * 2^(b/4)) us).
  std::vector<uint64_t> span_hist;
  // Every event type except message.part.delta (returned from at once).
  HookCost SpanRelevant() const;
  // The q-quantile of span_hist, in us (the bucket's geometric middle; 0 when empty).
  double SpanQuantileUs(double q) const;
};

// Adds one stats file (the plugin's JSON) to `into`.
Status MergePluginStats(const std::string& json, PluginStats* into);

// A 95% percentile-bootstrap interval of the median of `v` (`resamples`
// resamples drawn with a fixed seed).
std::pair<double, double> BootstrapMedianCi95(const std::vector<double>& v, uint64_t seed, int resamples = 2000);

struct PluginPair {
  int pair = 0;
  bool ab = true;  // A ran first
  bool warmup = false;
  double a_ms = 0, b_ms = 0;
  double ratio() const { return a_ms > 0 ? b_ms / a_ms : 0; }
};

struct PluginBenchResult {
  std::vector<PluginPair> pairs;
  PluginStats stats;
  double median_ratio = 0, p90_ratio = 0, ci_low = 0, ci_high = 0, median_a_ms = 0, median_b_ms = 0;
  double mean_hook_us = 0;  // span-relevant event hook calls
  bool pass_ratio = false, pass_hook = false;
};

// Runs the benchmark; calls `line` with each JSON line as it is produced.
// An error when a run fails, its answer is wrong, or the plugin was not
// active in a B run (or was in an A run).
Result<PluginBenchResult> RunPluginBenchPairs(const PluginBenchOptions& options,
                                              const std::function<void(const std::string&)>& line);

// The CLI entry: JSON lines on stdout; exit status 0 when every run
// succeeded (the targets are `pass` flags, not the exit status).
int RunPluginBench(const PluginBenchOptions& options);

}  // namespace agentperf::bench
