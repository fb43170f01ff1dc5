// CriticalPath: the chain of spans that determined when a node ended.
//
// Contract. Walking backward from root.end with a cursor: repeatedly pick the
// child that ended last at or before the cursor (ties: the longer one, then
// the earlier in (start, span_id, node id) order); the root's own time between
// that child's end and the cursor is a segment of the root; recurse into the
// child (its own critical path); move the cursor to the child's start; at the
// end, [root.start, cursor) is the root's. Children that overlap a picked
// sibling are thus skipped (they ran in parallel and finished earlier).
// Zero-length children are ignored. Child sessions under a task call are
// children like any other. Intervals are the tree's clipped ones.
//
// The segments (node, begin_us, end_us), each non-empty, tile
// [root.start, root.end) exactly, in time order (empty for a zero-length or
// unknown root). Iterative: deep trees do not grow the call stack.
//
// Thread-safety: pure functions of an immutable SpanTree.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/decompose/session_tree.h"

namespace agentperf::analysis::decompose {

struct PathSegment {
  NodeId node = kNoNode;
  int64_t begin_us = 0;
  int64_t end_us = 0;

  int64_t duration_us() const { return end_us - begin_us; }
  bool operator==(const PathSegment&) const = default;
};

std::vector<PathSegment> CriticalPath(const SpanTree& tree, NodeId root);

// The distinct nodes of a path, in order of their first segment.
std::vector<NodeId> PathNodes(const std::vector<PathSegment>& path);

}  // namespace agentperf::analysis::decompose
