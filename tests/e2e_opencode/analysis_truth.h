// What the analysis (`agentperf report`, `agentperf explain`) should say
// about a run, derived from OpenCode's own record of it (ground_truth.h), and
// the comparisons the end-to-end test asserts: per agent (llm_call baselines)
// and per agent × tool (tool_call baselines) counts, errors, tokens, recorded
// cost, turns and duration percentiles; per session the time breakdown
// (categories adding up to the wall time, subagents as in opencode.db).
//
// Every figure expected here comes from opencode.db (GroundTruth), except two
// things the db cannot know and the caller passes explicitly: auxiliary
// llm_calls known only from OTLP (title generation, attrs.aux) and the
// permission waits a live source takes out of a tool's time.
//
// Header-only (the test suite compiles only *_test.cc files). Thread-safety:
// plain functions over values.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ground_truth.h"

namespace agentperf::e2e {

// A report group: (agent, "") in the agents table, (agent, tool) in the tools table.
using GroupKey = std::pair<std::string, std::string>;

inline std::string KeyName(const GroupKey& k) {
  return k.second.empty() ? fmt::format("agent '{}'", k.first) : fmt::format("agent '{}' tool '{}'", k.first, k.second);
}

// What one report row should say.
struct GroupTruth {
  int64_t count = 0, errors = 0, turns = 0;
  Tokens tokens;
  double cost = 0;                   // recorded cost (llm_call)
  std::vector<double> durations_ms;  // the spans' durations, as far as known
  bool durations_known = true;       // false: some span's duration is not in the db
  double slack_ms = 0;               // per-duration uncertainty (permission waits taken out live)
};

using GroupTruths = std::map<GroupKey, GroupTruth>;

// The importer's rule (span_builder.cc StatusOfError): an assistant message
// with an error other than an abort is an error span; an abort is cancelled.
inline bool StepIsError(const DbStep& s) { return !s.error_name.empty() && s.error_name != "MessageAbortedError"; }

// The run's time range in epoch ms: from the first session, step, tool or
// turn start to the last session update, step completion or tool end.
inline std::pair<int64_t, int64_t> RunRangeMs(const GroundTruth& gt) {
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  auto see = [&](int64_t t) {
    if (t <= 0) return;  // 0: not recorded
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  };
  for (const auto& [id, s] : gt.sessions) see(s.created), see(s.updated);
  for (const auto& [id, s] : gt.steps) see(s.created), see(s.completed);
  for (const auto& [id, t] : gt.tools) see(t.start), see(t.end);
  for (const auto& [id, t] : gt.turns) see(t.created);
  return {lo, hi};
}

// The llm_calls a store holds beyond opencode.db: auxiliary calls (attrs.aux,
// e.g. title generation) known only from OpenCode's OTLP export.
inline std::vector<Record> AuxCalls(const RecordIndex& idx, const GroundTruth& gt) {
  std::vector<Record> out;
  auto it = idx.find("llm_call");
  if (it == idx.end()) return out;
  for (const auto& [span, r] : it->second) {
    if (r.attrs.count("aux") && !gt.steps.count(span)) out.push_back(r);
  }
  return out;
}

// The permission wait (ms) a live source took out of each tool call it
// stored (attrs.permission_wait_ms), by tool part id.
inline std::map<std::string, double> PermissionWaits(const RecordIndex& idx) {
  std::map<std::string, double> out;
  auto it = idx.find("tool_call");
  if (it == idx.end()) return out;
  for (const auto& [span, r] : it->second) {
    auto w = r.attrs.find("permission_wait_ms");
    if (w != r.attrs.end() && w->second != "0") out[span] = std::stod(w->second);
  }
  return out;
}

// Per agent, what the llm_call baselines should say: one span per db step
// (every assistant message, as CompareWithDb requires), its tokens and cost,
// error when StepIsError, duration completed - created (unknown while not
// completed); plus `aux` (calls the db does not hold, with their stored
// figures); turns: the db's user messages of that agent.
inline GroupTruths AgentTruth(const GroundTruth& gt, const std::vector<Record>& aux) {
  GroupTruths out;
  auto add_tokens = [](Tokens* sum, const Tokens& t) {
    sum->input += t.input;
    sum->output += t.output;
    sum->reasoning += t.reasoning;
    sum->cache_read += t.cache_read;
    sum->cache_write += t.cache_write;
  };
  for (const auto& [id, s] : gt.steps) {
    GroupTruth& g = out[{s.agent, ""}];
    ++g.count;
    g.errors += StepIsError(s) ? 1 : 0;
    add_tokens(&g.tokens, s.tokens);
    g.cost += s.cost;
    if (s.completed > 0) g.durations_ms.push_back(double(s.completed - s.created));
    else g.durations_known = false;
  }
  for (const Record& r : aux) {
    GroupTruth& g = out[{r.agent, ""}];
    ++g.count;
    g.errors += r.status == "error" ? 1 : 0;
    add_tokens(&g.tokens, r.tokens);
    g.cost += r.cost.value_or(0);
    g.durations_ms.push_back(r.duration_ms());
  }
  for (const auto& [id, t] : gt.turns) {
    auto it = out.find({t.agent, ""});
    if (it != out.end()) ++it->second.turns;  // rows exist only for agents with llm_calls
  }
  return out;
}

// Per (agent, tool), what the tool_call baselines should say: one span per db
// tool part (as CompareWithDb requires), the agent its message's, error when
// its status is "error", duration end - start minus `waits_ms` (permission
// waits a live source took out, each known within `slack_ms`).
inline GroupTruths ToolTruth(const GroundTruth& gt, const std::map<std::string, double>& waits_ms, double slack_ms) {
  GroupTruths out;
  for (const auto& [id, t] : gt.tools) {
    auto step = gt.steps.find(t.message_id);
    const std::string agent = step == gt.steps.end() ? std::string() : step->second.agent;
    GroupTruth& g = out[{agent, t.tool}];
    ++g.count;
    g.errors += t.status == "error" ? 1 : 0;
    if (t.start <= 0 || t.end <= 0) {
      g.durations_known = false;
      continue;
    }
    double ms = double(t.end - t.start);
    auto w = waits_ms.find(id);
    if (w != waits_ms.end()) {
      ms -= w->second;
      g.slack_ms = std::max(g.slack_ms, slack_ms);
    }
    g.durations_ms.push_back(ms);
  }
  return out;
}

// One row of a baselines table in a report answer.
struct ReportRow {
  double count = 0, errors = 0, p50_ms = NAN, max_ms = NAN, turns = NAN;
  bool has_tokens = false;
  Tokens tokens;
  double cost = NAN, cost_estimated = NAN;
  double recorded_cost() const { return cost - cost_estimated; }
};

using ReportRows = std::map<GroupKey, ReportRow>;

namespace detail {

// A number field of a JSON object; NaN when absent, null or not a number.
inline double NumField(simdjson::dom::element obj, std::string_view key) {
  double d;
  if (obj[key].get_double().get(d) != simdjson::SUCCESS) return NAN;
  return d;
}

inline int64_t IntField(simdjson::dom::element obj, std::string_view key, bool* ok) {
  int64_t i;
  if (obj[key].get_int64().get(i) == simdjson::SUCCESS) return i;
  *ok = false;
  return 0;
}

inline std::string StrField(simdjson::dom::element obj, std::string_view key) {
  std::string_view s;
  if (obj[key].get_string().get(s) != simdjson::SUCCESS) return "";
  return std::string(s);
}

}  // namespace detail

// Parses the baselines table at `pointer` ("/agents", "/tools") of a report
// answer, checking its kind. Returns "" or an error message.
inline std::string ParseReportRows(const std::string& json, std::string_view pointer, std::string_view kind,
                                   ReportRows* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root, table;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return "the report answer is not JSON";
  if (root.at_pointer(pointer).get(table) != simdjson::SUCCESS) return fmt::format("no {} in the report", pointer);
  const std::string got_kind = detail::StrField(table, "kind");
  if (got_kind != kind) return fmt::format("{}: kind '{}', expected '{}'", pointer, got_kind, kind);
  simdjson::dom::array rows;
  if (table["rows"].get_array().get(rows) != simdjson::SUCCESS) return fmt::format("{}: no rows", pointer);
  for (simdjson::dom::element r : rows) {
    simdjson::dom::element labels;
    if (r["labels"].get(labels) != simdjson::SUCCESS) return fmt::format("{}: a row without labels", pointer);
    GroupKey key{detail::StrField(labels, "agent"), detail::StrField(labels, "tool")};
    ReportRow row;
    row.count = detail::NumField(r, "count");
    row.errors = detail::NumField(r, "errors");
    row.p50_ms = detail::NumField(r, "p50_ms");
    row.max_ms = detail::NumField(r, "max_ms");
    row.turns = detail::NumField(r, "turns");
    row.cost = detail::NumField(r, "cost");
    row.cost_estimated = detail::NumField(r, "cost_estimated");
    simdjson::dom::element tok;
    if (r["tokens"].get(tok) == simdjson::SUCCESS) {
      row.has_tokens = true;
      auto n = [&](std::string_view k) { return std::llround(detail::NumField(tok, k)); };
      row.tokens = Tokens{n("input"), n("output"), n("reasoning"), n("cache_read"), n("cache_write")};
    }
    if (!out->emplace(key, row).second) return fmt::format("{}: two rows for {}", pointer, KeyName(key));
  }
  return "";
}

// Compares a baselines table with what opencode.db says. `llm`: the table is
// of llm_calls (tokens, recorded cost and turns are compared too).
// Percentiles: the store's p50 is a DDSketch quantile, the representative of
// the bucket holding the element at sorted position floor(0.5 (n - 1)),
// clamped to [min, max] (ddsketch.h); so for a group whose durations are all
// known, p50 must be within 1 % of that element and within [min, max], and
// max_ms must equal the largest duration (each within the group's slack).
// `percentile_checks` counts the groups whose percentiles were checked.
// Returns one line per mismatch.
inline std::vector<std::string> CompareReportRows(const char* table, const GroupTruths& truth, const ReportRows& rows,
                                                  bool llm, int* percentile_checks) {
  std::vector<std::string> bad;
  for (const auto& [key, row] : rows) {
    if (!truth.count(key)) {
      bad.push_back(fmt::format("{}: {} reported ({} spans) but not in opencode.db", table, KeyName(key), row.count));
    }
  }
  for (const auto& [key, g] : truth) {
    auto it = rows.find(key);
    if (it == rows.end()) {
      bad.push_back(fmt::format("{}: {} missing (opencode.db has {} spans)", table, KeyName(key), g.count));
      continue;
    }
    const ReportRow& r = it->second;
    const std::string what = fmt::format("{}: {}", table, KeyName(key));
    if (r.count != double(g.count)) bad.push_back(fmt::format("{} count {} vs db {}", what, r.count, g.count));
    if (r.errors != double(g.errors)) bad.push_back(fmt::format("{} errors {} vs db {}", what, r.errors, g.errors));
    if (llm) {
      if (!r.has_tokens || !(r.tokens == g.tokens)) {
        bad.push_back(fmt::format("{} tokens {} vs db {}", what, r.has_tokens ? ToString(r.tokens) : "absent",
                                  ToString(g.tokens)));
      }
      if (!std::isfinite(r.recorded_cost()) || !SameCost(r.recorded_cost(), g.cost)) {
        bad.push_back(fmt::format("{} recorded cost {} (cost {} - estimated {}) vs db {}", what, r.recorded_cost(),
                                  r.cost, r.cost_estimated, g.cost));
      }
      if (r.turns != double(g.turns)) bad.push_back(fmt::format("{} turns {} vs db {}", what, r.turns, g.turns));
    }
    if (!g.durations_known || g.durations_ms.empty() || g.durations_ms.size() != size_t(g.count)) continue;
    ++*percentile_checks;
    std::vector<double> d = g.durations_ms;
    std::sort(d.begin(), d.end());
    const double at = d[(d.size() - 1) / 2];
    const double eps = 5e-4 + g.slack_ms;  // the answer's ms have 3 decimals (µs); OTLP times are sub-ms
    const double tol = 0.01 * (std::fabs(at) + g.slack_ms) + eps;
    if (!(std::fabs(r.p50_ms - at) <= tol)) {
      bad.push_back(fmt::format("{} p50 {} ms vs db {} ms (element {} of {}, tolerance {})", what, r.p50_ms, at,
                                (d.size() - 1) / 2, d.size(), tol));
    }
    if (!(r.p50_ms >= d.front() - eps && r.p50_ms <= d.back() + eps)) {
      bad.push_back(fmt::format("{} p50 {} ms outside the db's [{}, {}] ms", what, r.p50_ms, d.front(), d.back()));
    }
    if (!(std::fabs(r.max_ms - d.back()) <= eps)) {
      bad.push_back(fmt::format("{} max {} ms vs db {} ms", what, r.max_ms, d.back()));
    }
  }
  return bad;
}

// The rows of `keys` must say the same in two reports (counts, errors and,
// for llm_calls, tokens, recorded cost and turns). Returns one line per mismatch.
inline std::vector<std::string> SameReportRows(const char* table, const ReportRows& a, const ReportRows& b,
                                               const GroupTruths& keys, bool llm, const char* a_name,
                                               const char* b_name) {
  std::vector<std::string> bad;
  for (const auto& [key, unused] : keys) {
    auto ia = a.find(key);
    auto ib = b.find(key);
    if (ia == a.end() || ib == b.end()) {
      bad.push_back(fmt::format("{}: {} missing in {}", table, KeyName(key), ia == a.end() ? a_name : b_name));
      continue;
    }
    const ReportRow& x = ia->second;
    const ReportRow& y = ib->second;
    const std::string what = fmt::format("{}: {}", table, KeyName(key));
    auto diff = [&](const char* field, const auto& u, const auto& v) {
      bad.push_back(fmt::format("{} {}: {} {} vs {} {}", what, field, a_name, u, b_name, v));
    };
    if (x.count != y.count) diff("count", x.count, y.count);
    if (x.errors != y.errors) diff("errors", x.errors, y.errors);
    if (llm) {
      if (!(x.tokens == y.tokens)) diff("tokens", ToString(x.tokens), ToString(y.tokens));
      if (!SameCost(x.recorded_cost(), y.recorded_cost())) diff("recorded cost", x.recorded_cost(), y.recorded_cost());
      if (x.turns != y.turns) diff("turns", x.turns, y.turns);
    }
  }
  return bad;
}

namespace detail {

// Checks one breakdown object (render.cc WriteBreakdown) of session
// `session_id` and recurses into its subagents: the categories add up to
// wall_us exactly; each "subagent:<name>" category equals the attributed time
// of the subagents of that name; the subagents are exactly the db's child
// sessions of the session, with their agents, and each one's wall time (its
// interval clipped to its parent's) is at most its db duration.
inline void CheckBreakdown(simdjson::dom::element b, const GroundTruth& gt, const std::string& session_id,
                           const std::string& where, int depth, std::vector<std::string>* bad) {
  bool ok = true;
  const int64_t wall = IntField(b, "wall_us", &ok);
  if (!ok) {
    bad->push_back(where + ": no integer wall_us");
    return;
  }
  if (wall < 0) bad->push_back(fmt::format("{}: wall_us {} < 0", where, wall));
  simdjson::dom::array cats, subs;
  if (b["categories"].get_array().get(cats) != simdjson::SUCCESS ||
      b["subagents"].get_array().get(subs) != simdjson::SUCCESS) {
    bad->push_back(where + ": no categories or subagents");
    return;
  }
  int64_t sum = 0;
  std::map<std::string, int64_t> subagent_cats;
  for (simdjson::dom::element c : cats) {
    bool cok = true;
    const int64_t us = IntField(c, "us", &cok);
    const std::string name = StrField(c, "name");
    if (!cok) bad->push_back(fmt::format("{}: category '{}' without integer us", where, name));
    if (us < 0) bad->push_back(fmt::format("{}: category '{}' {} us < 0", where, name, us));
    sum += us;
    if (name.rfind("subagent:", 0) == 0) subagent_cats[name] += us;
  }
  if (sum != wall) bad->push_back(fmt::format("{}: categories add up to {} us, wall_us {}", where, sum, wall));

  std::set<std::string> db_children;
  for (const auto& [id, s] : gt.sessions) {
    if (s.parent_id == session_id) db_children.insert(id);
  }
  std::set<std::string> seen;
  std::map<std::string, int64_t> attributed;
  for (simdjson::dom::element c : subs) {
    const std::string id = StrField(c, "session_id");
    const std::string agent = StrField(c, "agent");
    bool aok = true;
    const int64_t att = IntField(c, "attributed_us", &aok);
    if (!aok) bad->push_back(fmt::format("{}: subagent {} without integer attributed_us", where, id));
    attributed["subagent:" + (agent.empty() ? id : agent)] += att;
    if (!seen.insert(id).second) bad->push_back(fmt::format("{}: subagent {} listed twice", where, id));
    auto s = gt.sessions.find(id);
    if (s == gt.sessions.end() || s->second.parent_id != session_id) {
      bad->push_back(fmt::format("{}: subagent {} is not a child session of {} in opencode.db", where, id, session_id));
      continue;
    }
    if (agent != s->second.agent) {
      bad->push_back(fmt::format("{}: subagent {} agent '{}' vs db '{}'", where, id, agent, s->second.agent));
    }
    simdjson::dom::element nested;
    if (c["breakdown"].get(nested) != simdjson::SUCCESS) {
      bad->push_back(fmt::format("{}: subagent {} without breakdown", where, id));
      continue;
    }
    bool wok = true;
    const int64_t child_wall = IntField(nested, "wall_us", &wok);
    const int64_t db_us = (s->second.updated - s->second.created) * 1000;
    if (wok && child_wall > db_us) {
      bad->push_back(fmt::format("{}: subagent {} ({}) wall {} us > its db duration {} us", where, id, agent,
                                 child_wall, db_us));
    }
    if (wok && att > child_wall) {
      bad->push_back(fmt::format("{}: subagent {} attributed {} us > its wall {} us", where, id, att, child_wall));
    }
    if (depth < 8) CheckBreakdown(nested, gt, id, fmt::format("{} > {} {}", where, agent, id), depth + 1, bad);
  }
  for (const std::string& id : db_children) {
    if (!seen.count(id)) {
      bad->push_back(fmt::format("{}: db child session {} ({}) not among the subagents", where, id,
                                 gt.sessions.at(id).agent));
    }
  }
  for (const auto& [name, us] : attributed) {
    auto it = subagent_cats.find(name);
    const int64_t cat = it == subagent_cats.end() ? 0 : it->second;
    if (cat != us) bad->push_back(fmt::format("{}: category {} {} us vs its subagents' attributed {} us", where, name, cat, us));
  }
  for (const auto& [name, us] : subagent_cats) {
    if (!attributed.count(name)) bad->push_back(fmt::format("{}: category {} without a subagent", where, name));
  }
}

}  // namespace detail

// Checks an `agentperf explain SESSION --json` answer (service.cc Explain):
// it is about `session_id`, its breakdown's node is that session, its
// wall_us equals `stored_wall_us` (the stored session span's end - start),
// the breakdown checks of detail::CheckBreakdown hold at every level, every
// name in `required_categories` is a category of the top level (each db
// child session's "subagent:<agent>" is required in any case), and there is
// one turn breakdown per db turn of the session, each adding up to its wall
// time. Returns one line per mismatch.
inline std::vector<std::string> CheckExplain(const std::string& json, const GroundTruth& gt,
                                             const std::string& session_id, int64_t stored_wall_us,
                                             const std::vector<std::string>& required_categories) {
  std::vector<std::string> bad;
  simdjson::dom::parser parser;
  simdjson::dom::element root, b;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return {"the explain answer is not JSON"};
  if (detail::StrField(root, "session_id") != session_id) {
    bad.push_back(fmt::format("explain session_id '{}' vs {}", detail::StrField(root, "session_id"), session_id));
  }
  if (root["breakdown"].get(b) != simdjson::SUCCESS) return {"explain: no breakdown"};
  simdjson::dom::element node;
  if (b["node"].get(node) != simdjson::SUCCESS || detail::StrField(node, "kind") != "session" ||
      detail::StrField(node, "session_id") != session_id) {
    bad.push_back(fmt::format("explain: the breakdown's node is not session {}", session_id));
  }
  bool ok = true;
  const int64_t wall = detail::IntField(b, "wall_us", &ok);
  if (!ok || wall != stored_wall_us) {
    bad.push_back(fmt::format("explain: wall_us {} vs the stored session span's {} us", wall, stored_wall_us));
  }
  detail::CheckBreakdown(b, gt, session_id, "explain " + session_id, 0, &bad);
  std::set<std::string> names;
  simdjson::dom::array cats;
  if (b["categories"].get_array().get(cats) == simdjson::SUCCESS) {
    for (simdjson::dom::element c : cats) names.insert(detail::StrField(c, "name"));
  }
  std::vector<std::string> required = required_categories;
  for (const auto& [id, s] : gt.sessions) {
    if (s.parent_id == session_id) required.push_back("subagent:" + (s.agent.empty() ? id : s.agent));
  }
  for (const std::string& name : required) {
    if (!names.count(name)) bad.push_back(fmt::format("explain: no category {} (has {})", name, fmt::join(names, ", ")));
  }
  simdjson::dom::array turns;
  if (root["turns"].get_array().get(turns) != simdjson::SUCCESS) {
    bad.push_back("explain: no turns");
    return bad;
  }
  size_t db_turns = 0;
  for (const auto& [id, t] : gt.turns) db_turns += t.session_id == session_id;
  if (turns.size() != db_turns) {
    bad.push_back(fmt::format("explain: {} turn breakdowns vs {} turns in opencode.db", turns.size(), db_turns));
  }
  for (simdjson::dom::element t : turns) {
    bool tok = true;
    const int64_t tw = detail::IntField(t, "wall_us", &tok);
    int64_t sum = 0;
    simdjson::dom::array tc;
    if (tok && t["categories"].get_array().get(tc) == simdjson::SUCCESS) {
      for (simdjson::dom::element c : tc) sum += detail::IntField(c, "us", &tok);
    }
    simdjson::dom::element tn;
    std::string tid = t["node"].get(tn) == simdjson::SUCCESS ? detail::StrField(tn, "span_id") : "";
    if (!tok || sum != tw) {
      bad.push_back(fmt::format("explain: turn {} categories add up to {} us, wall_us {}", tid, sum, tw));
    }
    auto gt_turn = gt.turns.find(tid);
    if (gt_turn == gt.turns.end() || gt_turn->second.session_id != session_id) {
      bad.push_back(fmt::format("explain: turn {} is not a turn of {} in opencode.db", tid, session_id));
    }
  }
  return bad;
}

}  // namespace agentperf::e2e
