// Randomized trees (seeded, reproducible): nested sessions, parallel tools and
// task calls, permission waits, retries, compactions, plus broken data
// (missing parents, spans sticking out, duplicates, inverted spans, missing
// session spans). Checks that every breakdown adds up exactly to its wall time
// and that every critical path tiles its root exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

#include "analysis/decompose/attribution.h"
#include "analysis/decompose/critical_path.h"
#include "analysis/decompose/session_tree.h"

namespace agentperf::analysis::decompose {
namespace {

using event::SpanKind;

class Generator {
 public:
  Generator(uint64_t seed, bool broken) : rng_(seed), broken_(broken) {}

  std::vector<Span> Build() {
    int64_t start = 1'700'000'000'000'000 + Int(0, 1000);
    Session("ses_root", "", start, start + Int(1000, 5'000'000), 0);
    return std::move(spans_);
  }
  bool made_duplicates() const { return made_duplicates_; }

 private:
  int64_t Int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::string Id(const char* prefix) { return prefix + std::to_string(next_id_++); }
  // A random sub-interval of [lo, hi], sometimes sticking out when broken.
  std::pair<int64_t, int64_t> Inside(int64_t lo, int64_t hi) {
    int64_t a = Int(lo, hi), b = Int(lo, hi);
    if (a > b) std::swap(a, b);
    if (broken_ && Chance(0.05)) b += Int(1, 5000);
    if (broken_ && Chance(0.03)) a -= Int(1, 5000);
    return {a, b};
  }
  Span Make(SpanKind kind, const std::string& session, std::string id, std::string parent, int64_t s, int64_t e) {
    Span x;
    x.kind = kind;
    x.session_id = session;
    x.span_id = std::move(id);
    x.parent_span_id = std::move(parent);
    x.start_us = s;
    x.end_us = e;
    if (broken_ && Chance(0.02)) std::swap(x.start_us, x.end_us);  // inverted
    if (broken_ && Chance(0.03) && !x.parent_span_id.empty()) x.parent_span_id = "gone";
    return x;
  }
  void Push(Span s) {
    if (broken_ && Chance(0.03) && !spans_.empty()) {  // a duplicate id
      Span dup = s;
      dup.span_id = spans_[static_cast<size_t>(Int(0, static_cast<int64_t>(spans_.size()) - 1))].span_id;
      spans_.push_back(std::move(dup));
      made_duplicates_ = true;
    }
    spans_.push_back(std::move(s));
  }

  void Session(const std::string& sid, const std::string& parent_sid, int64_t s, int64_t e, int depth) {
    static const char* kAgents[] = {"planner", "tester", "coder", "scout"};
    std::string agent = kAgents[Int(0, 3)];
    if (!(broken_ && depth > 0 && Chance(0.2))) {
      Span x = Make(SpanKind::kSession, sid, sid, "", s, e);
      x.agent = agent;
      x.parent_session_id = parent_sid;
      Push(std::move(x));
    }
    // Turns one after another (OpenCode runs one at a time).
    int turns = static_cast<int>(Int(1, 3));
    std::vector<int64_t> cuts;
    for (int i = 0; i < 2 * turns; ++i) cuts.push_back(Int(s, e));
    std::sort(cuts.begin(), cuts.end());
    for (int i = 0; i < turns; ++i) {
      int64_t ts = cuts[2 * i], te = cuts[2 * i + 1];
      if (broken_ && Chance(0.05)) te += Int(1, 5000);
      std::string tid = Id("msg_u");
      Span turn = Make(SpanKind::kTurn, sid, tid, "", ts, te);
      turn.agent = agent;
      Push(std::move(turn));
      int steps = static_cast<int>(Int(0, 3));
      for (int j = 0; j < steps; ++j) Step(sid, tid, ts, te, depth);
      if (Chance(0.1)) {
        auto [cs, ce] = Inside(ts, te);
        Push(Make(SpanKind::kCompaction, sid, Id("prt_c"), "", cs, ce));
      }
    }
  }

  void Step(const std::string& sid, const std::string& turn, int64_t ts, int64_t te, int depth) {
    auto [s, e] = Inside(ts, te);
    std::string id = Id("msg_a");
    Span llm = Make(SpanKind::kLlmCall, sid, id, turn, s, e);
    if (Chance(0.5)) llm.ttfc_ms = static_cast<double>(Int(0, std::max<int64_t>(1, (e - s) / 1000)));
    Push(std::move(llm));
    if (Chance(0.2)) {
      auto [rs, re] = Inside(s, e);
      Push(Make(SpanKind::kRetry, sid, id + ":retry:1", id, rs, re));
    }
    int tools = static_cast<int>(Int(0, 4));
    for (int k = 0; k < tools; ++k) {
      auto [a, b] = Inside(s, e);
      std::string pid = Id("prt_");
      bool task = depth < 3 && Chance(0.25);
      Span tool = Make(SpanKind::kToolCall, sid, pid, id, a, b);
      tool.tool = task ? "task" : (Chance(0.5) ? "bash" : "read");
      if (!task && Chance(0.3) && b > a) {  // a permission wait inside the real interval
        auto [ws, we] = Inside(a, b);
        tool.wall_ms = static_cast<double>(b - a) / 1000.0;
        tool.end_us = std::max(a, b - std::max<int64_t>(0, we - ws));
        Push(Make(SpanKind::kPermissionWait, sid, Id("per_"), pid, ws, we));
      }
      if (task) {
        std::string child = Id("ses_");
        tool.child_session_id = child;
        auto [cs, ce] = Inside(a, b);
        Session(child, sid, cs, ce, depth + 1);
      }
      Push(std::move(tool));
    }
  }

  std::mt19937_64 rng_;
  bool broken_;
  bool made_duplicates_ = false;
  int next_id_ = 0;
  std::vector<Span> spans_;
};

int64_t CheckBreakdown(const Breakdown& b, const std::string& where) {
  int64_t sum = 0, subagent_cats = 0, attributed = 0;
  for (const auto& [name, us] : b.categories) {
    EXPECT_GT(us, 0) << where << " " << name;
    sum += us;
    if (name.rfind("subagent:", 0) == 0) subagent_cats += us;
  }
  EXPECT_EQ(sum, b.wall_us) << where;
  EXPECT_GE(b.serial_us, b.wall_us) << where;
  for (size_t i = 1; i < b.categories.size(); ++i) {
    EXPECT_GE(b.categories[i - 1].second, b.categories[i].second) << where;
  }
  for (const ChildBreakdown& c : b.subagents) {
    attributed += c.attributed_us;
    EXPECT_LE(c.attributed_us, c.breakdown.wall_us) << where;
    CheckBreakdown(c.breakdown, where + "/" + c.session_id);
  }
  EXPECT_EQ(attributed, subagent_cats) << where;
  return sum;
}

void CheckPath(const SpanTree& t, NodeId root, const std::string& where) {
  const Node& r = t.node(root);
  auto path = CriticalPath(t, root);
  if (r.duration_us() == 0) {
    EXPECT_TRUE(path.empty()) << where;
    return;
  }
  ASSERT_FALSE(path.empty()) << where;
  EXPECT_EQ(path.front().begin_us, r.start_us) << where;
  EXPECT_EQ(path.back().end_us, r.end_us) << where;
  for (size_t i = 0; i < path.size(); ++i) {
    const PathSegment& s = path[i];
    EXPECT_LT(s.begin_us, s.end_us) << where;
    if (i > 0) {
      EXPECT_EQ(path[i - 1].end_us, s.begin_us) << where;
    }
    EXPECT_TRUE(t.IsAncestor(root, s.node)) << where;
    EXPECT_GE(s.begin_us, t.node(s.node).start_us) << where;
    EXPECT_LE(s.end_us, t.node(s.node).end_us) << where;
  }
}

void RunSeeds(bool broken) {
  // What the generator produced, so the checks are not vacuous.
  int64_t nodes = 0, parallel = 0, subagents = 0, nested = 0, ttfc_splits = 0, clipped = 0, placed = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Generator g(seed, broken);
    std::vector<Span> spans = g.Build();
    SpanTree t = BuildTree(spans);
    std::string where = "seed " + std::to_string(seed) + (broken ? " broken" : "");
    if (!broken) {
      EXPECT_TRUE(t.diagnostics().empty()) << where << ": " << t.diagnostics().notes[0];
    }
    for (NodeId i = 0; i < static_cast<NodeId>(t.size()); ++i) {
      // Children nest inside their parent.
      const Node& n = t.node(i);
      if (n.parent != kNoNode) {
        EXPECT_GE(n.start_us, t.node(n.parent).start_us) << where;
        EXPECT_LE(n.end_us, t.node(n.parent).end_us) << where;
      }
      Breakdown b = AttributeNode(t, i);
      CheckBreakdown(b, where + " node " + n.span.span_id);
      ++nodes;
      parallel += b.serial_us > b.wall_us;
      subagents += static_cast<int64_t>(b.subagents.size());
      for (const auto& c : b.subagents) nested += !c.breakdown.subagents.empty();
      ttfc_splits += b.Get("model.first_chunk") > 0 && b.Get("model.generating") > 0;
      clipped += n.clipped_us > 0;
      placed += n.placed_by_time;
      CheckPath(t, i, where + " node " + n.span.span_id);
    }
    // The input order does not matter (unless duplicates make "first" matter).
    if (g.made_duplicates()) continue;
    std::shuffle(spans.begin(), spans.end(), std::mt19937_64(seed * 7919));
    SpanTree shuffled = BuildTree(spans);
    ASSERT_EQ(shuffled.size(), t.size()) << where;
    for (NodeId i = 0; i < static_cast<NodeId>(t.size()); ++i) {
      NodeId j = shuffled.FindSpan(t.node(i).span.span_id);
      if (j == kNoNode) continue;
      EXPECT_EQ(AttributeNode(shuffled, j).categories, AttributeNode(t, i).categories) << where;
      auto p1 = CriticalPath(t, i), p2 = CriticalPath(shuffled, j);
      ASSERT_EQ(p1.size(), p2.size()) << where;
      for (size_t k = 0; k < p1.size(); ++k) {
        EXPECT_EQ(t.node(p1[k].node).span.span_id, shuffled.node(p2[k].node).span.span_id) << where;
        EXPECT_EQ(p1[k].begin_us, p2[k].begin_us) << where;
      }
    }
  }
  EXPECT_GT(nodes, 10000);
  EXPECT_GT(parallel, 500);
  EXPECT_GT(subagents, 300);
  EXPECT_GT(nested, 50);
  EXPECT_GT(ttfc_splits, 300);
  if (broken) {
    EXPECT_GT(clipped, 200);
    EXPECT_GT(placed, 200);
  }
  std::printf("%s: %lld nodes, %lld parallel, %lld subagents (%lld nested), %lld ttfc splits, %lld clipped, "
              "%lld placed by time\n",
              broken ? "broken" : "well-formed", static_cast<long long>(nodes), static_cast<long long>(parallel),
              static_cast<long long>(subagents), static_cast<long long>(nested),
              static_cast<long long>(ttfc_splits), static_cast<long long>(clipped),
              static_cast<long long>(placed));
}

TEST(PropertyTest, WellFormedRandomTreesAddUpAndTile) { RunSeeds(false); }
TEST(PropertyTest, BrokenRandomTreesAddUpAndTile) { RunSeeds(true); }

}  // namespace
}  // namespace agentperf::analysis::decompose
