// SpanTree: the spans of one or more OpenCode sessions linked into one forest,
// child sessions (subagents) hanging under the `task` tool call that started
// them. Input of the attribution (attribution.h) and the critical path
// (critical_path.h).
//
// Linking rules (BuildTree):
//  - session: under the tool_call (of another session) whose child_session_id
//    names it; else under the turn of its parent session that contains its
//    start; else under the parent session itself; else a root.
//  - turn: under its session.
//  - compaction: under the turn of its session that contains its start, else
//    under its session (its parent_span_id is not reliable).
//  - any other span: under the span named by parent_span_id when that span
//    exists in the same session; else ("missing parent") under the innermost
//    span of its session of a higher kind (turn < llm_call|compaction <
//    tool_call|retry < permission_wait) whose real interval contains it; else
//    under its session.
//  - a session whose own span is missing gets a synthetic root (interval: the
//    hull of its spans, agent: its first turn's), recorded in diagnostics.
//  - spans with a span_id already seen are dropped (the first in input order
//    wins) and counted; spans of kind kSample are ignored and counted.
//  - parent links that would form a cycle are cut (the span goes under its
//    session, a session becomes a root) and counted.
//
// Intervals. Each node's [start_us, end_us) is its real interval (tool calls:
// [start, start + wall_ms) when wall_ms is known; spans with end < start are
// taken as zero length at start and counted) clipped to its parent's interval,
// so children always nest inside their parent. The clipped microseconds are
// kept per node and summed in diagnostics.
// Children are ordered by (start_us, span_id, node id).
//
// Thread-safety: BuildTree is a pure function; a built SpanTree is immutable
// and may be read from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/decompose/span.h"

namespace agentperf::analysis::decompose {

using NodeId = int32_t;
constexpr NodeId kNoNode = -1;

struct Node {
  Span span;
  NodeId parent = kNoNode;
  std::vector<NodeId> children;  // by (start_us, span_id, id)
  int depth = 0;                 // 0 for roots
  int64_t start_us = 0;          // real interval clipped to the parent's
  int64_t end_us = 0;
  int64_t clipped_us = 0;        // real duration - clipped duration
  bool synthetic = false;        // a session root made up for a missing session span
  bool placed_by_time = false;   // parent_span_id missing or unknown: placed by containment
  bool inverted = false;         // the span had end < start

  int64_t duration_us() const { return end_us - start_us; }
  bool is_session() const { return span.kind == event::SpanKind::kSession; }
};

struct TreeDiagnostics {
  int64_t duplicate_spans = 0;     // dropped: span_id seen before
  int64_t missing_parents = 0;     // parent_span_id not found in the session: placed by time
  int64_t synthetic_sessions = 0;  // session span missing: synthetic root made
  int64_t sessions_without_task = 0;  // child session placed without a task call naming it
  int64_t orphan_sessions = 0;     // parent_session_id names a session not in the input
  int64_t clipped_spans = 0;       // spans whose real interval stuck out of the parent's
  int64_t clipped_us = 0;          // total microseconds clipped off
  int64_t inverted_spans = 0;      // end < start
  int64_t cycles_broken = 0;
  int64_t ignored_samples = 0;
  std::vector<std::string> notes;  // the first kMaxNotes messages, for humans

  static constexpr size_t kMaxNotes = 50;
  bool empty() const;
};

// Node ids are indexes into nodes(); accessors taking a NodeId require a valid
// one unless they say otherwise.
class SpanTree {
 public:
  size_t size() const { return nodes_.size(); }
  const Node& node(NodeId id) const { return nodes_[static_cast<size_t>(id)]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  // Nodes without a parent, by (start_us, span_id).
  const std::vector<NodeId>& roots() const { return roots_; }
  const TreeDiagnostics& diagnostics() const { return diag_; }

  // kNoNode when unknown. A session's node may be synthetic.
  NodeId FindSession(std::string_view session_id) const;
  NodeId FindSpan(std::string_view span_id) const;
  // The session node a node belongs to (the node itself for a session).
  NodeId SessionOf(NodeId id) const;
  // True when `ancestor` is `id` or one of its ancestors.
  bool IsAncestor(NodeId ancestor, NodeId id) const;
  // Every node of the subtree rooted at `root`, parents before children,
  // children in order (a depth-first preorder).
  std::vector<NodeId> Subtree(NodeId root) const;

 private:
  friend SpanTree BuildTree(std::vector<Span> spans);
  std::vector<Node> nodes_;
  std::vector<NodeId> roots_;
  std::vector<NodeId> session_of_;
  std::map<std::string, NodeId, std::less<>> by_span_;
  std::map<std::string, NodeId, std::less<>> by_session_;
  TreeDiagnostics diag_;
};

SpanTree BuildTree(std::vector<Span> spans);

// Rank of a kind in the nesting (session 0, turn 1, llm_call and compaction 2,
// tool_call and retry 3, permission_wait 4).
int KindRank(event::SpanKind kind);

}  // namespace agentperf::analysis::decompose
