// SharesFromSums: "where the time went" per agent from the store's rollups
// (sums of span durations), for windows too large to decompose span by span
// within the report's latency budget. Per agent, over the window:
//   tool:<name>  Σ tool_call durations (permission waits already taken out)
//   permission   Σ permission_wait durations
//   retry        Σ retry durations;  compaction  Σ compaction durations
//   model        Σ llm_call durations − the tool, permission and retry time
//                inside them (clamped at 0)
//   gap          Σ turn durations − Σ llm_call durations (clamped at 0)
// wall_us = Σ turn durations. Unlike the exact decomposition, time that ran
// in parallel (tools, subagents) is counted once per span, so the parts may
// add up to more than the wall time: shares are of the SUM of the parts
// (serial_us), and `task` tool time stands for its subagents ("tool:task").
// Agents come sorted like AggregateByAgent's (wall time descending).
//
// Thread-safety: a free function; safe wherever Store::Query is.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/decompose/attribution.h"
#include "core/status.h"
#include "query/spec.h"
#include "store/store.h"

namespace agentperf::analysis {

Result<decompose::AgentTimeShares> SharesFromSums(store::Store* store, int64_t from_us, int64_t to_us,
                                                  const std::vector<query::Matcher>& filters);

}  // namespace agentperf::analysis
