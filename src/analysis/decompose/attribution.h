// Attribution: where the wall time of a node of a SpanTree went, as integer
// microseconds per category that add up EXACTLY to the node's wall time.
//
// Contract (AttributeNode). Over N = [start, end) (N's clipped interval) the
// boundaries of every interval in N's subtree cut the time into elementary
// segments. A segment belongs to the DEEPEST spans covering it (spans covering
// it none of whose children covers it). k such spans share a segment of L us
// equally: each gets L / k, and the L % k remainder microseconds go one each
// to the first spans in (start_us, span_id, node id) order. A deepest span's
// share goes to:
//   llm_call         "model"; when ttfc_ms is known, its self wall time
//                    (time in which it is a deepest span, in time order) is
//                    split into phases: first "overhead" (OpenCode's own work
//                    before the model request: first_part_ms - ttfc_ms, 0
//                    when first_part_ms is unknown or smaller), then
//                    "model.first_chunk" (ttfc_ms), the rest
//                    "model.generating" (segments are split at those points)
//   tool_call        "tool:<tool>" ("tool:?" without a tool name)
//   permission_wait  "permission";  retry "retry";  compaction "compaction"
//   turn             "gap"  (inside a turn, outside its steps)
//   session          "idle" (outside any turn)
//   anything inside a child session below N (the topmost session node in N's
//   subtree other than N) -> "subagent:<child agent>" (the child's session id
//   when it has no agent); that child's own breakdown is reported nested.
// Σ categories == wall_us always (asserted in debug builds).
// serial_us = Σ over segments of L × (number of deepest spans), i.e. the sum
// of the self wall times of the deepest-level spans; parallelism =
// serial_us / wall_us (>= 1 when wall_us > 0).
//
// AggregateByAgent sums the breakdowns of every turn of the tree (nested
// subagent time appears as "subagent:<agent>" in the parent's turn AND in the
// child agent's own turns, so totals across agents double count subagents by
// design). Turns whose span has end < start (still open, or malformed) are
// skipped and counted.
//
// Thread-safety: pure functions of an immutable SpanTree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/decompose/session_tree.h"

namespace agentperf::analysis::decompose {

struct ChildBreakdown;

// Facts about the subtree that was attributed (see TreeDiagnostics).
struct AttributionDiagnostics {
  int64_t zero_length_spans = 0;   // spans that cover no time (skipped by the sweep)
  int64_t clipped_spans = 0;
  int64_t clipped_us = 0;
  int64_t missing_parents = 0;     // spans placed by time
  int64_t synthetic_sessions = 0;
  int64_t inverted_spans = 0;
};

struct Breakdown {
  NodeId node = kNoNode;
  int64_t wall_us = 0;
  // Sorted by time descending, ties by name; only categories with time > 0.
  std::vector<std::pair<std::string, int64_t>> categories;
  int64_t serial_us = 0;
  int64_t spans = 0;  // nodes in the subtree, N included
  // One per child session directly below N's level, in (start, span_id) order.
  std::vector<ChildBreakdown> subagents;
  AttributionDiagnostics diagnostics;

  // Microseconds of a category (0 when absent).
  int64_t Get(std::string_view category) const;
  double Share(std::string_view category) const;
  double parallelism() const { return wall_us > 0 ? static_cast<double>(serial_us) / wall_us : 0.0; }
};

struct ChildBreakdown {
  NodeId session = kNoNode;   // the child session's node
  NodeId via = kNoNode;       // its parent node (normally the task tool call)
  std::string session_id;
  std::string agent;
  int64_t attributed_us = 0;  // its "subagent:<agent>" time at the parent's level
  Breakdown breakdown;        // its own full breakdown (wall = its clipped interval)
};

struct TurnBreakdown {
  NodeId turn = kNoNode;
  std::string turn_id;
  std::string agent;
  Breakdown breakdown;
};

struct CategoryTotal {
  std::string name;
  int64_t us = 0;
  double share = 0;  // us / wall_us of the agent, 0..1
};

struct AgentShare {
  std::string agent;
  int64_t turns = 0;
  int64_t wall_us = 0;
  int64_t serial_us = 0;
  std::vector<CategoryTotal> categories;  // by time descending, ties by name
};

struct AgentTimeShares {
  std::vector<AgentShare> agents;  // by wall time descending, ties by name
  int64_t skipped_turns = 0;       // end < start
};

Breakdown AttributeNode(const SpanTree& tree, NodeId node);
// The turns directly under the session's node, in start order. Empty when the
// session is unknown.
std::vector<TurnBreakdown> AttributeSessionTurns(const SpanTree& tree, std::string_view session_id);
AgentTimeShares AggregateByAgent(const SpanTree& tree);

// The category name of a subagent at its parent's level.
std::string SubagentCategory(const Node& session);

}  // namespace agentperf::analysis::decompose
