#include "analysis/breakdown/sum_shares.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace agentperf::analysis {

namespace {

using event::SpanKind;
using event::StrField;

struct Sums {
  double turn_ms = 0, llm_ms = 0, perm_ms = 0, retry_ms = 0, compaction_ms = 0;
  int64_t turns = 0;
  std::map<std::string, double> tool_ms;
};

// Σ duration_ms (and count) of one kind, grouped by agent (and tool).
Status SumOf(store::Store* store, int64_t from_us, int64_t to_us, const std::vector<query::Matcher>& filters,
             SpanKind kind, bool by_tool, const std::function<void(const query::Series&, double, double)>& fn) {
  query::QuerySpec q;
  q.from_us = from_us;
  q.to_us = to_us;
  q.matchers = filters;
  query::Matcher k;
  k.label.type = query::Label::kKind;
  k.values.emplace_back(event::KindName(kind));
  q.matchers.push_back(std::move(k));
  query::Label agent;
  agent.type = query::Label::kStr;
  agent.str = StrField::kAgent;
  q.group_by.push_back(agent);
  if (by_tool) {
    query::Label tool = agent;
    tool.str = StrField::kTool;
    q.group_by.push_back(tool);
  }
  AP_ASSIGN_OR_RETURN(query::Aggregate sum, query::ParseAggregate("sum(duration_ms)"));
  AP_ASSIGN_OR_RETURN(query::Aggregate count, query::ParseAggregate("count"));
  q.aggregates = {sum, count};
  q.limit = query::QuerySpec::kMaxCells;
  AP_ASSIGN_OR_RETURN(query::QueryResult r, store->Query(q));
  for (const auto& s : r.series) {
    if (s.points.empty()) continue;
    const auto& v = s.points.front().values;
    fn(s, std::isfinite(v[0]) ? v[0] : 0, std::isfinite(v[1]) ? v[1] : 0);
  }
  return Status::OK();
}

int64_t Us(double ms) { return static_cast<int64_t>(std::llround(ms * 1000)); }

}  // namespace

Result<decompose::AgentTimeShares> SharesFromSums(store::Store* store, int64_t from_us, int64_t to_us,
                                                  const std::vector<query::Matcher>& filters) {
  std::map<std::string, Sums> by_agent;
  auto add = [&](SpanKind kind, double Sums::*field, int64_t Sums::*count) {
    return SumOf(store, from_us, to_us, filters, kind, false, [&](const query::Series& s, double ms, double n) {
      Sums& a = by_agent[s.labels[0].second];
      a.*field += ms;
      if (count != nullptr) a.*count += static_cast<int64_t>(n);
    });
  };
  AP_RETURN_IF_ERROR(add(SpanKind::kTurn, &Sums::turn_ms, &Sums::turns));
  AP_RETURN_IF_ERROR(add(SpanKind::kLlmCall, &Sums::llm_ms, nullptr));
  AP_RETURN_IF_ERROR(add(SpanKind::kPermissionWait, &Sums::perm_ms, nullptr));
  AP_RETURN_IF_ERROR(add(SpanKind::kRetry, &Sums::retry_ms, nullptr));
  AP_RETURN_IF_ERROR(add(SpanKind::kCompaction, &Sums::compaction_ms, nullptr));
  AP_RETURN_IF_ERROR(SumOf(store, from_us, to_us, filters, SpanKind::kToolCall, true,
                           [&](const query::Series& s, double ms, double) {
                             by_agent[s.labels[0].second].tool_ms[s.labels[1].second] += ms;
                           }));
  decompose::AgentTimeShares out;
  for (const auto& [agent, a] : by_agent) {
    if (a.turns == 0) continue;  // only agents with turns, as AggregateByAgent
    double tools = 0;
    for (const auto& [t, ms] : a.tool_ms) tools += ms;
    std::vector<std::pair<std::string, double>> parts;
    for (const auto& [t, ms] : a.tool_ms) parts.emplace_back("tool:" + (t.empty() ? std::string("?") : t), ms);
    parts.emplace_back("permission", a.perm_ms);
    parts.emplace_back("retry", a.retry_ms);
    parts.emplace_back("compaction", a.compaction_ms);
    parts.emplace_back("model", std::max(0.0, a.llm_ms - tools - a.perm_ms - a.retry_ms));
    parts.emplace_back("gap", std::max(0.0, a.turn_ms - a.llm_ms));
    decompose::AgentShare share;
    share.agent = agent;
    share.turns = a.turns;
    share.wall_us = Us(a.turn_ms);
    for (const auto& [name, ms] : parts) share.serial_us += Us(ms);
    for (const auto& [name, ms] : parts) {
      if (Us(ms) <= 0) continue;
      share.categories.push_back(
          {name, Us(ms), share.serial_us > 0 ? static_cast<double>(Us(ms)) / static_cast<double>(share.serial_us) : 0});
    }
    std::sort(share.categories.begin(), share.categories.end(), [](const auto& x, const auto& y) {
      return x.us != y.us ? x.us > y.us : x.name < y.name;
    });
    out.agents.push_back(std::move(share));
  }
  std::sort(out.agents.begin(), out.agents.end(), [](const auto& x, const auto& y) {
    return x.wall_us != y.wall_us ? x.wall_us > y.wall_us : x.agent < y.agent;
  });
  return out;
}

}  // namespace agentperf::analysis
