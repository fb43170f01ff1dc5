#include "analysis/decompose/session_tree.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace agentperf::analysis::decompose {

using event::SpanKind;

int KindRank(SpanKind kind) {
  switch (kind) {
    case SpanKind::kSession: return 0;
    case SpanKind::kTurn: return 1;
    case SpanKind::kLlmCall:
    case SpanKind::kCompaction: return 2;
    case SpanKind::kToolCall:
    case SpanKind::kRetry: return 3;
    case SpanKind::kPermissionWait: return 4;
    case SpanKind::kSample: return 5;
  }
  return 5;
}

bool TreeDiagnostics::empty() const {
  return duplicate_spans == 0 && missing_parents == 0 && synthetic_sessions == 0 &&
         sessions_without_task == 0 && orphan_sessions == 0 && clipped_spans == 0 &&
         inverted_spans == 0 && cycles_broken == 0 && ignored_samples == 0;
}

NodeId SpanTree::FindSession(std::string_view session_id) const {
  auto it = by_session_.find(session_id);
  return it == by_session_.end() ? kNoNode : it->second;
}

NodeId SpanTree::FindSpan(std::string_view span_id) const {
  auto it = by_span_.find(span_id);
  return it == by_span_.end() ? kNoNode : it->second;
}

NodeId SpanTree::SessionOf(NodeId id) const {
  return id < 0 || static_cast<size_t>(id) >= session_of_.size() ? kNoNode : session_of_[id];
}

bool SpanTree::IsAncestor(NodeId ancestor, NodeId id) const {
  for (NodeId v = id; v != kNoNode; v = node(v).parent) {
    if (v == ancestor) return true;
  }
  return false;
}

std::vector<NodeId> SpanTree::Subtree(NodeId root) const {
  std::vector<NodeId> out;
  if (root < 0 || static_cast<size_t>(root) >= nodes_.size()) return out;
  std::vector<NodeId> stack{root};
  while (!stack.empty()) {
    NodeId v = stack.back();
    stack.pop_back();
    out.push_back(v);
    const auto& ch = node(v).children;
    for (auto it = ch.rbegin(); it != ch.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

namespace {

// Builder state shared by the linking steps.
struct Builder {
  std::vector<Node>& nodes;
  TreeDiagnostics& diag;
  std::vector<int64_t> rs, re;  // real intervals (before clipping)
  // Non-session nodes of each session, in node order.
  std::unordered_map<std::string, std::vector<NodeId>> members;

  void Note(std::string msg) {
    if (diag.notes.size() < TreeDiagnostics::kMaxNotes) diag.notes.push_back(std::move(msg));
  }

  // The turn of `session` containing t (latest start wins, then the smaller
  // span id), or kNoNode.
  NodeId TurnContaining(const std::string& session, int64_t t) const {
    auto it = members.find(session);
    if (it == members.end()) return kNoNode;
    NodeId best = kNoNode;
    for (NodeId c : it->second) {
      if (nodes[c].span.kind != SpanKind::kTurn) continue;
      if (!(rs[c] <= t && t < re[c])) continue;
      if (best == kNoNode || rs[c] > rs[best] ||
          (rs[c] == rs[best] && nodes[c].span.span_id < nodes[best].span.span_id)) {
        best = c;
      }
    }
    return best;
  }

  // The smallest span of x's session of a higher kind containing x's real
  // interval (ties: deeper kind, then the smaller span id), or kNoNode.
  NodeId InnermostContaining(NodeId x) const {
    auto it = members.find(nodes[x].span.session_id);
    if (it == members.end()) return kNoNode;
    int rank = KindRank(nodes[x].span.kind);
    NodeId best = kNoNode;
    for (NodeId c : it->second) {
      int crank = KindRank(nodes[c].span.kind);
      if (c == x || crank >= rank) continue;
      if (!(rs[c] <= rs[x] && re[x] <= re[c])) continue;
      if (best == kNoNode) {
        best = c;
        continue;
      }
      int64_t dc = re[c] - rs[c], db = re[best] - rs[best];
      int brank = KindRank(nodes[best].span.kind);
      if (dc < db || (dc == db && (crank > brank || (crank == brank &&
                                                     nodes[c].span.span_id < nodes[best].span.span_id)))) {
        best = c;
      }
    }
    return best;
  }
};

std::string Describe(const Span& s) {
  return fmt::format("{} {}", event::KindName(s.kind), s.span_id.empty() ? "(no id)" : s.span_id);
}

}  // namespace

SpanTree BuildTree(std::vector<Span> spans) {
  SpanTree t;
  auto& nodes = t.nodes_;
  Builder b{nodes, t.diag_, {}, {}, {}};
  auto& diag = t.diag_;

  // 1. Nodes, without duplicates or samples.
  nodes.reserve(spans.size());
  std::vector<std::string> session_order;  // session ids in order of first appearance
  for (Span& s : spans) {
    if (s.kind == SpanKind::kSample) {
      ++diag.ignored_samples;
      continue;
    }
    bool is_session = s.kind == SpanKind::kSession;
    if (is_session && s.span_id.empty()) s.span_id = s.session_id;
    bool dup = (!s.span_id.empty() && t.by_span_.count(s.span_id) > 0) ||
               (is_session && t.by_session_.count(s.session_id) > 0);
    if (dup) {
      ++diag.duplicate_spans;
      b.Note(fmt::format("duplicate {} dropped (the first one is kept)", Describe(s)));
      continue;
    }
    auto id = static_cast<NodeId>(nodes.size());
    if (!s.span_id.empty()) t.by_span_.emplace(s.span_id, id);
    if (is_session) t.by_session_.emplace(s.session_id, id);
    if (!b.members.count(s.session_id)) session_order.push_back(s.session_id);
    auto& m = b.members[s.session_id];
    if (!is_session) m.push_back(id);
    Node n;
    n.span = std::move(s);
    nodes.push_back(std::move(n));
  }
  for (Node& n : nodes) {
    int64_t start = n.span.start_us, end = n.span.RealEndUs();
    if (end < start) {
      n.inverted = true;
      ++diag.inverted_spans;
      b.Note(fmt::format("{}: end before start, taken as zero length", Describe(n.span)));
      end = start;
    }
    b.rs.push_back(start);
    b.re.push_back(end);
  }

  // 2. Synthetic roots for sessions whose own span is missing.
  for (const std::string& sid : session_order) {
    if (t.by_session_.count(sid)) continue;
    const auto& m = b.members[sid];
    Span root;
    root.kind = SpanKind::kSession;
    root.session_id = sid;
    root.span_id = sid;
    int64_t lo = b.rs[m[0]], hi = b.re[m[0]];
    NodeId first_turn = kNoNode, first_agent = kNoNode;
    auto earlier = [&](NodeId x, NodeId y) {  // y may be kNoNode
      return y == kNoNode || std::tie(b.rs[x], nodes[x].span.span_id) < std::tie(b.rs[y], nodes[y].span.span_id);
    };
    for (NodeId c : m) {
      lo = std::min(lo, b.rs[c]);
      hi = std::max(hi, b.re[c]);
      const Span& cs = nodes[c].span;
      if (cs.agent.empty()) continue;
      if (cs.kind == SpanKind::kTurn && earlier(c, first_turn)) first_turn = c;
      if (earlier(c, first_agent)) first_agent = c;
    }
    NodeId from = first_turn != kNoNode ? first_turn : first_agent;
    if (from != kNoNode) root.agent = nodes[from].span.agent;
    root.start_us = lo;
    root.end_us = hi;
    auto id = static_cast<NodeId>(nodes.size());
    if (!t.by_span_.count(sid)) t.by_span_.emplace(sid, id);
    t.by_session_.emplace(sid, id);
    Node n;
    n.span = std::move(root);
    n.synthetic = true;
    nodes.push_back(std::move(n));
    b.rs.push_back(lo);
    b.re.push_back(hi);
    ++diag.synthetic_sessions;
    b.Note(fmt::format("session {}: session span missing, synthetic root made", sid));
  }

  // 3. Parents.
  // Child session id -> the task call naming it (several: the earliest start,
  // then the smaller span id).
  std::unordered_map<std::string_view, NodeId> task_of;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Span& s = nodes[i].span;
    if (s.kind != SpanKind::kToolCall || s.child_session_id.empty() || s.child_session_id == s.session_id) continue;
    auto [it, fresh] = task_of.emplace(s.child_session_id, static_cast<NodeId>(i));
    const Span& old = nodes[it->second].span;
    if (!fresh && std::tie(s.start_us, s.span_id) < std::tie(old.start_us, old.span_id)) {
      it->second = static_cast<NodeId>(i);
    }
  }
  const auto n_nodes = static_cast<NodeId>(nodes.size());
  auto session_root = [&](const std::string& sid) { return t.by_session_.find(sid)->second; };
  for (NodeId i = 0; i < n_nodes; ++i) {
    Node& n = nodes[i];
    const Span& s = n.span;
    NodeId p = kNoNode;
    switch (s.kind) {
      case SpanKind::kSession: {
        auto task = task_of.find(s.session_id);
        if (task != task_of.end()) {
          p = task->second;
        } else if (!s.parent_session_id.empty() && s.parent_session_id != s.session_id) {
          NodeId ps = t.FindSession(s.parent_session_id);
          if (ps != kNoNode) {
            NodeId turn = b.TurnContaining(s.parent_session_id, b.rs[i]);
            p = turn != kNoNode ? turn : ps;
            ++diag.sessions_without_task;
            b.Note(fmt::format("session {}: no task call names it, placed under {}", s.session_id,
                               Describe(nodes[p].span)));
          } else {
            ++diag.orphan_sessions;
            b.Note(fmt::format("session {}: parent session {} not in the input", s.session_id,
                               s.parent_session_id));
          }
        }
        break;
      }
      case SpanKind::kTurn:
        p = session_root(s.session_id);
        break;
      case SpanKind::kCompaction: {
        NodeId turn = b.TurnContaining(s.session_id, b.rs[i]);
        p = turn != kNoNode ? turn : session_root(s.session_id);
        break;
      }
      default: {
        NodeId q = s.parent_span_id.empty() ? kNoNode : t.FindSpan(s.parent_span_id);
        if (q != kNoNode && q != i && nodes[q].span.session_id == s.session_id) {
          p = q;
        } else {
          NodeId c = b.InnermostContaining(i);
          p = c != kNoNode ? c : session_root(s.session_id);
          n.placed_by_time = true;
          ++diag.missing_parents;
          b.Note(fmt::format("{}: parent {} not found in session {}, placed under {}", Describe(s),
                             s.parent_span_id.empty() ? "(none)" : s.parent_span_id, s.session_id,
                             Describe(nodes[p].span)));
        }
      }
    }
    n.parent = p;
  }

  // 4. Cut cycles: walk up from every node; a node met twice on one walk is
  // moved under its session (a session becomes a root).
  {
    std::vector<uint8_t> state(nodes.size(), 0);  // 0 unseen, 1 on the current walk, 2 done
    std::vector<NodeId> path;
    for (NodeId i = 0; i < n_nodes; ++i) {
      path.clear();
      NodeId v = i;
      while (v != kNoNode && state[v] != 2) {
        if (state[v] == 1) {
          Node& cut = nodes[v];
          ++diag.cycles_broken;
          b.Note(fmt::format("{}: parent link forms a cycle, cut", Describe(cut.span)));
          NodeId root = session_root(cut.span.session_id);
          cut.parent = cut.is_session() || root == v ? kNoNode : root;
          v = cut.parent;
          continue;
        }
        state[v] = 1;
        path.push_back(v);
        v = nodes[v].parent;
      }
      for (NodeId w : path) state[w] = 2;
    }
  }

  // 5. Children, depths and clipped intervals (top-down from the roots).
  for (NodeId i = 0; i < n_nodes; ++i) {
    if (nodes[i].parent == kNoNode) {
      t.roots_.push_back(i);
    } else {
      nodes[nodes[i].parent].children.push_back(i);
    }
  }
  std::deque<NodeId> queue(t.roots_.begin(), t.roots_.end());
  while (!queue.empty()) {
    NodeId v = queue.front();
    queue.pop_front();
    Node& n = nodes[v];
    int64_t s = b.rs[v], e = b.re[v];
    if (n.parent != kNoNode) {
      const Node& p = nodes[n.parent];
      n.depth = p.depth + 1;
      int64_t cs = std::clamp(s, p.start_us, p.end_us), ce = std::clamp(e, p.start_us, p.end_us);
      n.clipped_us = (e - s) - (ce - cs);
      if (n.clipped_us > 0) {
        ++diag.clipped_spans;
        diag.clipped_us += n.clipped_us;
        b.Note(fmt::format("{}: {} us outside its parent {}, clipped", Describe(n.span), n.clipped_us,
                           Describe(p.span)));
      }
      s = cs;
      e = ce;
    }
    n.start_us = s;
    n.end_us = e;
    for (NodeId c : n.children) queue.push_back(c);
  }
  auto by_start = [&](NodeId x, NodeId y) {
    const Node &a = nodes[x], &c = nodes[y];
    return std::tie(a.start_us, a.span.span_id, x) < std::tie(c.start_us, c.span.span_id, y);
  };
  for (Node& n : nodes) std::sort(n.children.begin(), n.children.end(), by_start);
  std::sort(t.roots_.begin(), t.roots_.end(), by_start);

  t.session_of_.resize(nodes.size(), kNoNode);
  for (NodeId i = 0; i < n_nodes; ++i) {
    t.session_of_[i] = nodes[i].is_session() ? i : session_root(nodes[i].span.session_id);
  }
  return t;
}

}  // namespace agentperf::analysis::decompose
