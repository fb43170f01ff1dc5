#include "analysis/decompose/critical_path.h"

#include <algorithm>
#include <tuple>
#include <unordered_set>

namespace agentperf::analysis::decompose {

namespace {

struct Frame {
  NodeId node;
  int64_t cursor;
  std::vector<NodeId> by_end;  // children by end desc, then longer first
  size_t pos = 0;
};

Frame MakeFrame(const SpanTree& tree, NodeId id) {
  const Node& n = tree.node(id);
  Frame f{id, n.end_us, {}, 0};
  for (NodeId c : n.children) {
    if (tree.node(c).duration_us() > 0) f.by_end.push_back(c);
  }
  // Children are already in (start, span_id, id) order: a stable sort keeps it
  // as the last tie-break.
  std::stable_sort(f.by_end.begin(), f.by_end.end(), [&](NodeId x, NodeId y) {
    const Node &a = tree.node(x), &b = tree.node(y);
    if (a.end_us != b.end_us) return a.end_us > b.end_us;
    return a.duration_us() > b.duration_us();
  });
  return f;
}

}  // namespace

std::vector<PathSegment> CriticalPath(const SpanTree& tree, NodeId root) {
  std::vector<PathSegment> out;  // built backward, reversed at the end
  if (root < 0 || static_cast<size_t>(root) >= tree.size()) return out;
  if (tree.node(root).duration_us() <= 0) return out;
  std::vector<Frame> stack;
  stack.push_back(MakeFrame(tree, root));
  while (!stack.empty()) {
    Frame& f = stack.back();
    while (f.pos < f.by_end.size() && tree.node(f.by_end[f.pos]).end_us > f.cursor) ++f.pos;
    if (f.pos < f.by_end.size()) {
      const Node& c = tree.node(f.by_end[f.pos]);
      NodeId cid = f.by_end[f.pos++];
      if (c.end_us < f.cursor) out.push_back({f.node, c.end_us, f.cursor});
      f.cursor = c.start_us;
      stack.push_back(MakeFrame(tree, cid));  // invalidates f
      continue;
    }
    const Node& n = tree.node(f.node);
    if (f.cursor > n.start_us) out.push_back({f.node, n.start_us, f.cursor});
    stack.pop_back();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<NodeId> PathNodes(const std::vector<PathSegment>& path) {
  std::vector<NodeId> out;
  std::unordered_set<NodeId> seen;
  for (const PathSegment& s : path) {
    if (seen.insert(s.node).second) out.push_back(s.node);
  }
  return out;
}

}  // namespace agentperf::analysis::decompose
