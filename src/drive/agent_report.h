// AgentReport: the per-agent summary `agentperf demo` prints, read from a
// running `agentperf serve` through POST /v1/query (docs/query.md), for
// events since `from_ms`:
//   steps (llm_call count), p50/p95 step time, mean time to first chunk
//   (from OpenCode's OTLP export; null when none joined), tokens, cost,
//   tool calls and their time, tool errors, permission waits, retries,
//   sessions.
// Thread-safety: pure functions over one client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "net/http_client.h"

namespace agentperf::drive {

struct AgentRow {
  std::string agent;
  uint64_t sessions = 0, steps = 0, tool_calls = 0, tool_errors = 0, retries = 0, permission_waits = 0;
  double p50_step_ms = 0, p95_step_ms = 0;
  std::optional<double> mean_ttfc_ms;
  uint64_t tokens_input = 0, tokens_output = 0;
  double cost = 0, tool_ms = 0, permission_wait_ms = 0;
};

// Rows sorted by agent name; agents with no event are absent.
Result<std::vector<AgentRow>> QueryAgentReport(net::HttpClient* client, int64_t from_ms);
// A fixed-width text table with a header.
std::string FormatAgentReport(const std::vector<AgentRow>& rows);
// {"agents":[{...}, ...]}
std::string AgentReportJson(const std::vector<AgentRow>& rows);

}  // namespace agentperf::drive
