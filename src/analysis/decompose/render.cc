#include "analysis/decompose/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "core/json_writer.h"

namespace agentperf::analysis::decompose {

using event::SpanKind;

namespace {

constexpr int kLabelWidth = 34;
constexpr int kDurationWidth = 9;
constexpr int kFixedWidth = 1 + 1 + kLabelWidth + 1 + kDurationWidth + 1 + 2;
constexpr int kMinBar = 10;
constexpr const char* kBoldRed = "\x1b[1;31m";
constexpr const char* kReset = "\x1b[0m";

double Round4(double x) { return std::round(x * 1e4) / 1e4; }

void NodeFields(JsonWriter& w, const Node& n) {
  w.Field("kind", event::KindName(n.span.kind));
  w.Field("span_id", n.span.span_id);
  w.Field("session_id", n.span.session_id);
  w.Field("agent", n.span.agent);
  if (!n.span.tool.empty()) w.Field("tool", n.span.tool);
  if (!n.span.model.empty()) w.Field("model", n.span.model);
  if (n.synthetic) w.Field("synthetic", true);
}

// The span's agent, else its session's.
std::string_view AgentOf(const SpanTree& tree, NodeId id) {
  const Node& n = tree.node(id);
  if (!n.span.agent.empty()) return n.span.agent;
  NodeId s = tree.SessionOf(id);
  return s == kNoNode ? std::string_view() : std::string_view(tree.node(s).span.agent);
}

void WriteTreeDiagnostics(JsonWriter& w, const TreeDiagnostics& d) {
  w.Key("tree_diagnostics").BeginObject();
  w.Field("duplicate_spans", d.duplicate_spans).Field("missing_parents", d.missing_parents);
  w.Field("synthetic_sessions", d.synthetic_sessions).Field("sessions_without_task", d.sessions_without_task);
  w.Field("orphan_sessions", d.orphan_sessions).Field("clipped_spans", d.clipped_spans);
  w.Field("clipped_us", d.clipped_us).Field("inverted_spans", d.inverted_spans);
  w.Field("cycles_broken", d.cycles_broken).Field("ignored_samples", d.ignored_samples);
  w.Key("notes").BeginArray();
  for (const std::string& note : d.notes) w.String(note);
  w.EndArray().EndObject();
}

void WriteBreakdown(JsonWriter& w, const SpanTree& tree, const Breakdown& b) {
  if (b.node != kNoNode) {
    const Node& n = tree.node(b.node);
    w.Key("node").BeginObject();
    NodeFields(w, n);
    w.Field("start_us", n.start_us).Field("end_us", n.end_us);
    w.EndObject();
  }
  w.Field("wall_us", b.wall_us).Field("serial_us", b.serial_us);
  w.Field("parallelism", Round4(b.parallelism())).Field("spans", b.spans);
  w.Key("categories").BeginArray();
  for (const auto& [name, us] : b.categories) {
    w.BeginObject().Field("name", name).Field("us", us).Field("share", Round4(b.Share(name))).EndObject();
  }
  w.EndArray();
  w.Key("subagents").BeginArray();
  for (const ChildBreakdown& c : b.subagents) {
    w.BeginObject().Field("session_id", c.session_id).Field("agent", c.agent);
    w.Field("via_span_id", c.via == kNoNode ? std::string() : tree.node(c.via).span.span_id);
    w.Field("attributed_us", c.attributed_us);
    w.Key("breakdown").BeginObject();
    WriteBreakdown(w, tree, c.breakdown);
    w.EndObject().EndObject();
  }
  w.EndArray();
  const AttributionDiagnostics& d = b.diagnostics;
  w.Key("diagnostics").BeginObject();
  w.Field("zero_length_spans", d.zero_length_spans).Field("clipped_spans", d.clipped_spans);
  w.Field("clipped_us", d.clipped_us).Field("missing_parents", d.missing_parents);
  w.Field("synthetic_sessions", d.synthetic_sessions).Field("inverted_spans", d.inverted_spans);
  w.EndObject();
}

std::string Label(const Node& n) {
  const Span& s = n.span;
  std::string_view kind = event::KindName(s.kind);
  switch (s.kind) {
    case SpanKind::kSession:
      return fmt::format("{} {}{}", kind, s.agent.empty() ? s.session_id : s.agent, n.synthetic ? " (no span)" : "");
    case SpanKind::kTurn: return fmt::format("{} {}", kind, s.agent);
    case SpanKind::kLlmCall: return fmt::format("{} {}", kind, s.model.empty() ? s.agent : s.model);
    case SpanKind::kToolCall:
    case SpanKind::kPermissionWait: return fmt::format("{} {}", kind, s.tool);
    default: return std::string(kind);
  }
}

std::string Fit(std::string s, size_t width) {
  if (s.size() > width) {
    s.resize(width - 1);
    s.push_back('~');
  }
  s.resize(width, ' ');
  return s;
}

void BreakdownLines(std::string& out, const Breakdown& b, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  for (const auto& [name, us] : b.categories) {
    out += fmt::format("{}  {} {:>5.1f}%  {:>9}\n", pad, Fit(name, static_cast<size_t>(std::max(8, 24 - indent))),
                       100.0 * b.Share(name), FormatDuration(us));
  }
  for (const ChildBreakdown& c : b.subagents) {
    out += fmt::format("{}  subagent {} ({}): {} at this level, wall {}\n", pad,
                       c.agent.empty() ? "?" : c.agent, c.session_id, FormatDuration(c.attributed_us),
                       FormatDuration(c.breakdown.wall_us));
    BreakdownLines(out, c.breakdown, indent + 2);
  }
}

}  // namespace

std::string FormatDuration(int64_t us) {
  if (us < 1000 && us > -1000) return fmt::format("{} us", us);
  // Below 999.95 ms, so that rounding never prints "1000.0 ms".
  if (us < 999950 && us > -999950) return fmt::format("{:.1f} ms", us / 1e3);
  return fmt::format("{:.1f} s", us / 1e6);
}

std::string BreakdownJson(const SpanTree& tree, const Breakdown& breakdown, const std::vector<PathSegment>& path) {
  JsonWriter w;
  w.BeginObject().Field("unit", "us");
  WriteBreakdown(w, tree, breakdown);
  int64_t origin = breakdown.node == kNoNode ? 0 : tree.node(breakdown.node).start_us;
  w.Key("critical_path").BeginArray();
  for (const PathSegment& s : path) {
    const Node& n = tree.node(s.node);
    w.BeginObject();
    w.Field("kind", event::KindName(n.span.kind)).Field("span_id", n.span.span_id);
    w.Field("session_id", n.span.session_id).Field("agent", AgentOf(tree, s.node));
    if (!n.span.tool.empty()) w.Field("tool", n.span.tool);
    w.Field("offset_us", s.begin_us - origin).Field("us", s.duration_us());
    w.EndObject();
  }
  w.EndArray();
  WriteTreeDiagnostics(w, tree.diagnostics());
  w.EndObject();
  return w.Take();
}

std::string BreakdownJson(const SpanTree& tree, NodeId node) {
  return BreakdownJson(tree, AttributeNode(tree, node), CriticalPath(tree, node));
}

void WriteAgentSharesFields(const AgentTimeShares& shares, JsonWriter* w) {
  w->Field("unit", "us").Field("skipped_turns", shares.skipped_turns);
  w->Key("agents").BeginArray();
  for (const AgentShare& a : shares.agents) {
    w->BeginObject().Field("agent", a.agent).Field("turns", a.turns);
    w->Field("wall_us", a.wall_us).Field("serial_us", a.serial_us);
    w->Key("categories").BeginArray();
    for (const CategoryTotal& c : a.categories) {
      w->BeginObject().Field("name", c.name).Field("us", c.us).Field("share", Round4(c.share)).EndObject();
    }
    w->EndArray().EndObject();
  }
  w->EndArray();
}

std::string AgentSharesJson(const AgentTimeShares& shares) {
  JsonWriter w;
  w.BeginObject();
  WriteAgentSharesFields(shares, &w);
  w.EndObject();
  return w.Take();
}

std::string RenderWaterfall(const SpanTree& tree, NodeId session, int width, bool color) {
  std::string out;
  if (session < 0 || static_cast<size_t>(session) >= tree.size()) return out;
  const Node& root = tree.node(session);
  const int64_t wall = root.duration_us();
  const int bar = std::max(kMinBar, width - kFixedWidth);

  std::unordered_set<NodeId> on_path;
  for (const PathSegment& s : CriticalPath(tree, session)) {
    for (NodeId v = s.node; v != kNoNode && on_path.insert(v).second && v != session;) v = tree.node(v).parent;
  }

  for (NodeId id : tree.Subtree(session)) {
    const Node& n = tree.node(id);
    bool crit = on_path.count(id) > 0;
    std::string label(static_cast<size_t>(2 * (n.depth - root.depth)), ' ');
    label += Label(n);
    std::string cells(static_cast<size_t>(bar), ' ');
    if (wall > 0 && n.duration_us() > 0) {
      auto c0 = static_cast<int>((n.start_us - root.start_us) * bar / wall);
      auto c1 = static_cast<int>(((n.end_us - root.start_us) * bar + wall - 1) / wall);
      c0 = std::clamp(c0, 0, bar - 1);
      c1 = std::clamp(std::max(c1, c0 + 1), c0 + 1, bar);
      std::fill(cells.begin() + c0, cells.begin() + c1, crit ? '#' : '=');
    }
    std::string line = fmt::format("{} {} {:>{}} |{}|", crit ? '*' : ' ', Fit(label, kLabelWidth),
                                   FormatDuration(n.duration_us()), kDurationWidth, cells);
    if (color && crit) line = kBoldRed + line + kReset;
    out += line;
    out += '\n';
  }

  Breakdown b = AttributeNode(tree, session);
  out += fmt::format("\nwall {}  serial {}  parallelism {:.2f}x  spans {}\n", FormatDuration(b.wall_us),
                     FormatDuration(b.serial_us), b.parallelism(), b.spans);
  BreakdownLines(out, b, 0);
  const AttributionDiagnostics& d = b.diagnostics;
  if (d.clipped_spans || d.missing_parents || d.synthetic_sessions || d.inverted_spans) {
    out += fmt::format("diagnostics: {} clipped ({}), {} placed by time, {} synthetic sessions, {} inverted\n",
                       d.clipped_spans, FormatDuration(d.clipped_us), d.missing_parents, d.synthetic_sessions,
                       d.inverted_spans);
  }
  return out;
}

}  // namespace agentperf::analysis::decompose
