// The two reports `agentperf bench import` compares, read into one shape:
// per OpenCode session, the sums of input, output, cache-read and
// cache-write tokens and of cost.
//   * ccusage 20.0.24 `opencode session --json --offline`:
//     sessions[].{sessionId, inputTokens, outputTokens, cacheReadTokens,
//     cacheCreationTokens, totalCost} and totals.{...}. It counts the
//     assistant messages of opencode.db's `message` table that carry tokens;
//     with --offline it takes each message's own `cost` (our sim models have
//     no price list, so a recomputed cost would be 0 and could not agree).
//   * agentperf: `agentperf query` over kind=llm_call grouped by session_id
//     with sum(tokens.input|output|cache_read|cache_write) and sum(cost)
//     (ImportBenchQuery()).
// Reasoning tokens are in neither side's figures.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace agentperf::bench {

// The install command printed when ccusage is missing.
inline constexpr const char* kCcusageInstallCommand = "scripts/install-ccusage.sh";
inline constexpr const char* kCcusageVersion = "20.0.24";

// $AGENTPERF_CCUSAGE, else the native binary that scripts/install-ccusage.sh
// installs under ${XDG_CACHE_HOME:-$HOME/.cache}/agentperf/ccusage-20.0.24/
// (what ccusage's npm shim execs; running it directly keeps Node's start-up
// out of the competitor's time).
std::string CcusageBinary();

struct UsageTotals {
  int64_t input = 0, output = 0, cache_read = 0, cache_write = 0;
  double cost = 0;
  void Add(const UsageTotals& o) {
    input += o.input;
    output += o.output;
    cache_read += o.cache_read;
    cache_write += o.cache_write;
    cost += o.cost;
  }
};

struct UsageReport {
  std::map<std::string, UsageTotals> sessions;
  UsageTotals total;  // as reported (ccusage's `totals`), else the sum over sessions
};

Result<UsageReport> ParseCcusageSessions(std::string_view json);
Result<UsageReport> ParseAgentperfQuery(std::string_view json);

// The `agentperf query` spec of the benchmark.
std::string ImportBenchQuery();

struct Agreement {
  bool agree = false;
  uint64_t sessions_competitor = 0, sessions_ours = 0;
  uint64_t sessions_differing = 0;  // sessions whose sums differ (a session absent on one side counts as zeros)
  std::string first_difference;     // "" when they agree
};

// Tokens must be equal, cost within `cost_rel` relative (per session and in
// total). An error, not a disagreement, when the competitor reported no
// session at all: "competitor read nothing".
Result<Agreement> CompareUsage(const UsageReport& competitor, const UsageReport& ours, double cost_rel = 1e-9);

std::string TotalsJson(const UsageTotals& t);

}  // namespace agentperf::bench
