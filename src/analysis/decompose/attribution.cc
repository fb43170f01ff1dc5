#include "analysis/decompose/attribution.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

namespace agentperf::analysis::decompose {

using event::SpanKind;

int64_t Breakdown::Get(std::string_view category) const {
  for (const auto& [name, us] : categories) {
    if (name == category) return us;
  }
  return 0;
}

double Breakdown::Share(std::string_view category) const {
  return wall_us > 0 ? static_cast<double>(Get(category)) / wall_us : 0.0;
}

std::string SubagentCategory(const Node& session) {
  return "subagent:" + (session.span.agent.empty() ? session.span.session_id : session.span.agent);
}

namespace {

constexpr int kLlmCategory = -1;  // resolved per segment (model / first_chunk / generating)

class Sweep {
 public:
  Sweep(const SpanTree& tree, NodeId root) : tree_(tree), sub_(tree.Subtree(root)) {}

  Breakdown Run();

 private:
  int CategoryId(const std::string& name) {
    auto [it, fresh] = ids_.emplace(name, static_cast<int>(names_.size()));
    if (fresh) names_.push_back(name);
    return it->second;
  }
  int StaticCategory(const Node& n);
  // The category of local node x's share in the current segment.
  int SegmentCategory(int x);
  void Segment(int64_t a, int64_t b);

  const SpanTree& tree_;
  std::vector<NodeId> sub_;           // local index -> node, preorder
  std::vector<int> parent_;           // local parent index, -1 for the root
  std::vector<int> top_child_;        // local index of the topmost child session above, or -1
  std::vector<int> category_;         // static category id, or kLlmCategory
  // llm calls: the self wall time at which each phase ends: overhead (before
  // the model request), first chunk; -1 when unknown.
  std::vector<int64_t> overhead_end_, ttfc_end_;
  std::vector<int64_t> self_wall_;    // time spent as a deepest span so far
  std::vector<int> rank_;             // position in (start, span_id, node id) order
  std::vector<int> by_rank_;
  std::set<int> leaves_;              // ranks of the current deepest spans
  std::vector<int64_t> acc_;          // per category id
  std::vector<int64_t> child_us_;     // per local index (topmost child sessions only)
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> ids_;
  int model_ = 0, overhead_ = 0, first_chunk_ = 0, generating_ = 0;
  int64_t serial_ = 0;
};

int Sweep::StaticCategory(const Node& n) {
  switch (n.span.kind) {
    case SpanKind::kSession: return CategoryId("idle");
    case SpanKind::kTurn: return CategoryId("gap");
    case SpanKind::kLlmCall: return kLlmCategory;
    case SpanKind::kToolCall: return CategoryId("tool:" + (n.span.tool.empty() ? std::string("?") : n.span.tool));
    case SpanKind::kPermissionWait: return CategoryId("permission");
    case SpanKind::kRetry: return CategoryId("retry");
    case SpanKind::kCompaction: return CategoryId("compaction");
    case SpanKind::kSample: break;
  }
  return CategoryId("other");
}

int Sweep::SegmentCategory(int x) {
  if (top_child_[x] >= 0) return category_[top_child_[x]];
  if (category_[x] != kLlmCategory) return category_[x];
  if (ttfc_end_[x] < 0) return model_;
  if (self_wall_[x] < overhead_end_[x]) return overhead_;
  return self_wall_[x] < ttfc_end_[x] ? first_chunk_ : generating_;
}

void Sweep::Segment(int64_t a, int64_t b) {
  const auto k = static_cast<int64_t>(leaves_.size());
  assert(k > 0);
  while (a < b) {
    // Split where an llm call's self wall time reaches the end of a phase.
    int64_t m = b;
    for (int r : leaves_) {
      int x = by_rank_[r];
      if (top_child_[x] >= 0) continue;
      const int64_t self = self_wall_[x];
      for (int64_t end : {overhead_end_[x], ttfc_end_[x]}) {
        if (end >= 0 && self < end && self + (m - a) > end) m = a + (end - self);
      }
    }
    int64_t len = m - a, q = len / k, rem = len % k, i = 0;
    for (int r : leaves_) {
      int x = by_rank_[r];
      int64_t share = q + (i++ < rem ? 1 : 0);
      acc_[SegmentCategory(x)] += share;
      if (top_child_[x] >= 0) child_us_[top_child_[x]] += share;
      self_wall_[x] += len;
    }
    serial_ += len * k;
    a = m;
  }
}

Breakdown Sweep::Run() {
  Breakdown out;
  if (sub_.empty()) return out;
  const Node& root = tree_.node(sub_[0]);
  out.node = sub_[0];
  out.wall_us = root.duration_us();
  out.spans = static_cast<int64_t>(sub_.size());
  const auto n = static_cast<int>(sub_.size());

  model_ = CategoryId("model");
  overhead_ = CategoryId("overhead");
  first_chunk_ = CategoryId("model.first_chunk");
  generating_ = CategoryId("model.generating");
  std::unordered_map<NodeId, int> local;
  local.reserve(sub_.size());
  for (int i = 0; i < n; ++i) local.emplace(sub_[i], i);
  parent_.assign(n, -1);
  top_child_.assign(n, -1);
  category_.assign(n, 0);
  overhead_end_.assign(n, -1);
  ttfc_end_.assign(n, -1);
  self_wall_.assign(n, 0);
  child_us_.assign(n, 0);
  AttributionDiagnostics& d = out.diagnostics;
  for (int i = 0; i < n; ++i) {
    const Node& node = tree_.node(sub_[i]);
    if (i > 0) {
      auto it = local.find(node.parent);  // always there: sub_ is a preorder from the root
      assert(it != local.end());
      int p = it->second;
      parent_[i] = p;
      top_child_[i] = top_child_[p] >= 0 ? top_child_[p] : node.is_session() ? i : -1;
    }
    category_[i] = top_child_[i] == i ? CategoryId(SubagentCategory(node)) : StaticCategory(node);
    if (node.span.kind == SpanKind::kLlmCall && node.span.TtfcUs() >= 0) {
      // The step's first part arrives first_part_ms after its start, TTFC
      // after the request went out: OpenCode's own work before the request
      // is the difference (0 when first_part_ms is unknown).
      const int64_t ttfc = node.span.TtfcUs();
      const int64_t first_part = node.span.first_part_ms >= 0 ? MsToUs(node.span.first_part_ms) : -1;
      overhead_end_[i] = first_part > ttfc ? first_part - ttfc : 0;
      ttfc_end_[i] = overhead_end_[i] + ttfc;
    }
    if (node.duration_us() == 0) ++d.zero_length_spans;
    if (node.clipped_us > 0) {
      ++d.clipped_spans;
      d.clipped_us += node.clipped_us;
    }
    d.missing_parents += node.placed_by_time ? 1 : 0;
    d.synthetic_sessions += node.synthetic ? 1 : 0;
    d.inverted_spans += node.inverted ? 1 : 0;
  }
  acc_.assign(names_.size(), 0);  // every category id exists by now
  by_rank_.resize(n);
  for (int i = 0; i < n; ++i) by_rank_[i] = i;
  std::sort(by_rank_.begin(), by_rank_.end(), [&](int x, int y) {
    const Node &a = tree_.node(sub_[x]), &b = tree_.node(sub_[y]);
    return std::tie(a.start_us, a.span.span_id, sub_[x]) < std::tie(b.start_us, b.span.span_id, sub_[y]);
  });
  rank_.resize(n);
  for (int r = 0; r < n; ++r) rank_[by_rank_[r]] = r;

  // Boundary events: (time, local index, +1 start / -1 end).
  std::vector<std::tuple<int64_t, int, int>> events;
  for (int i = 0; i < n; ++i) {
    const Node& node = tree_.node(sub_[i]);
    if (node.duration_us() <= 0) continue;
    events.emplace_back(node.start_us, i, +1);
    events.emplace_back(node.end_us, i, -1);
  }
  std::sort(events.begin(), events.end());
  std::vector<char> active(n, 0);
  std::vector<int> active_children(n, 0);
  std::vector<int> touched;
  for (size_t e = 0; e < events.size();) {
    int64_t t = std::get<0>(events[e]);
    touched.clear();
    for (; e < events.size() && std::get<0>(events[e]) == t; ++e) {
      auto [time, x, delta] = events[e];
      active[x] = delta > 0;
      touched.push_back(x);
      if (parent_[x] >= 0) {
        active_children[parent_[x]] += delta;
        touched.push_back(parent_[x]);
      }
    }
    for (int x : touched) {
      if (active[x] && active_children[x] == 0) {
        leaves_.insert(rank_[x]);
      } else {
        leaves_.erase(rank_[x]);
      }
    }
    if (e < events.size() && !leaves_.empty()) Segment(t, std::get<0>(events[e]));
  }

  int64_t total = 0;
  for (size_t c = 0; c < names_.size(); ++c) {
    if (acc_[c] > 0) {
      out.categories.emplace_back(names_[c], acc_[c]);
      total += acc_[c];
    }
  }
  assert(total == out.wall_us);
  (void)total;
  std::sort(out.categories.begin(), out.categories.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  out.serial_us = serial_;

  std::vector<int> children;
  for (int i = 1; i < n; ++i) {
    if (top_child_[i] == i) children.push_back(i);
  }
  std::sort(children.begin(), children.end(), [&](int x, int y) { return rank_[x] < rank_[y]; });
  for (int i : children) {
    const Node& s = tree_.node(sub_[i]);
    ChildBreakdown c;
    c.session = sub_[i];
    c.via = s.parent;
    c.session_id = s.span.session_id;
    c.agent = s.span.agent;
    c.attributed_us = child_us_[i];
    c.breakdown = AttributeNode(tree_, sub_[i]);
    out.subagents.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Breakdown AttributeNode(const SpanTree& tree, NodeId node) {
  if (node < 0 || static_cast<size_t>(node) >= tree.size()) return {};
  Sweep sweep(tree, node);
  return sweep.Run();
}

std::vector<TurnBreakdown> AttributeSessionTurns(const SpanTree& tree, std::string_view session_id) {
  std::vector<TurnBreakdown> out;
  NodeId s = tree.FindSession(session_id);
  if (s == kNoNode) return out;
  for (NodeId c : tree.node(s).children) {
    const Node& turn = tree.node(c);
    if (turn.span.kind != SpanKind::kTurn) continue;
    out.push_back({c, turn.span.span_id, turn.span.agent, AttributeNode(tree, c)});
  }
  return out;
}

AgentTimeShares AggregateByAgent(const SpanTree& tree) {
  AgentTimeShares out;
  struct Acc {
    int64_t turns = 0, wall = 0, serial = 0;
    std::map<std::string, int64_t> cats;
  };
  std::map<std::string, Acc> by_agent;
  for (NodeId i = 0; i < static_cast<NodeId>(tree.size()); ++i) {
    const Node& n = tree.node(i);
    if (n.span.kind != SpanKind::kTurn) continue;
    if (n.inverted) {
      ++out.skipped_turns;
      continue;
    }
    std::string agent = n.span.agent;
    if (agent.empty()) agent = tree.node(tree.SessionOf(i)).span.agent;
    if (agent.empty()) agent.push_back('?');  // (not = "?": GCC 12 -Wrestrict false positive)
    Breakdown b = AttributeNode(tree, i);
    Acc& a = by_agent[agent];
    ++a.turns;
    a.wall += b.wall_us;
    a.serial += b.serial_us;
    for (const auto& [name, us] : b.categories) a.cats[name] += us;
  }
  for (auto& [agent, a] : by_agent) {
    AgentShare s;
    s.agent = agent;
    s.turns = a.turns;
    s.wall_us = a.wall;
    s.serial_us = a.serial;
    for (const auto& [name, us] : a.cats) {
      s.categories.push_back({name, us, a.wall > 0 ? static_cast<double>(us) / a.wall : 0.0});
    }
    std::sort(s.categories.begin(), s.categories.end(), [](const auto& x, const auto& y) {
      return x.us != y.us ? x.us > y.us : x.name < y.name;
    });
    out.agents.push_back(std::move(s));
  }
  std::sort(out.agents.begin(), out.agents.end(), [](const auto& x, const auto& y) {
    return x.wall_us != y.wall_us ? x.wall_us > y.wall_us : x.agent < y.agent;
  });
  return out;
}

}  // namespace agentperf::analysis::decompose
