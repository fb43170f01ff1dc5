#include "drive/agent_report.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <map>

#include "core/json_writer.h"

namespace agentperf::drive {

namespace {

// One query grouped by agent for one kind; fn(row, point) reads the aggregates.
template <typename Fn>
Status Query(net::HttpClient* c, int64_t from_ms, std::string_view kind, std::string_view aggregates,
             std::map<std::string, AgentRow>* rows, Fn fn) {
  const std::string body =
      fmt::format(R"q({{"from": {}, "to": "now", "filters": [{{"label": "kind", "op": "=", "value": "{}"}}],)q"
                  R"q( "group_by": ["agent"], "aggregates": [{}], "limit": 1000}})q",
                  from_ms, kind, aggregates);
  AP_ASSIGN_OR_RETURN(net::HttpResponse r, c->Post("/v1/query", body));
  if (r.status != 200) return Status::Unavailable(fmt::format("query failed ({}): {}", r.status, r.body));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(r.body).get(root) != simdjson::SUCCESS) return Status::Corruption("bad query answer: " + r.body);
  simdjson::dom::array series;
  if (root["series"].get_array().get(series) != simdjson::SUCCESS) return Status::Corruption("no series: " + r.body);
  for (simdjson::dom::element s : series) {
    std::string_view agent;
    if (s["labels"]["agent"].get_string().get(agent) != simdjson::SUCCESS) agent = "";
    simdjson::dom::element point;
    if (s["points"].at(0).get(point) != simdjson::SUCCESS) continue;
    AgentRow& row = (*rows)[std::string(agent)];
    row.agent = agent.empty() ? "(none)" : std::string(agent);
    fn(row, point);
  }
  return Status::OK();
}

double Num(simdjson::dom::element p, std::string_view key) {
  double d = 0;
  if (p[key].get_double().get(d) == simdjson::SUCCESS) return d;
  int64_t i = 0;
  if (p[key].get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  return NAN;
}

uint64_t Count(simdjson::dom::element p, std::string_view key) {
  double d = Num(p, key);
  return std::isfinite(d) ? static_cast<uint64_t>(d) : 0;
}

double Zero(double d) { return std::isfinite(d) ? d : 0; }

}  // namespace

Result<std::vector<AgentRow>> QueryAgentReport(net::HttpClient* c, int64_t from_ms) {
  std::map<std::string, AgentRow> rows;
  AP_RETURN_IF_ERROR(Query(c, from_ms, "llm_call",
                           R"q("count", "p50(duration_ms)", "p95(duration_ms)", "avg(ttfc_ms)", "sum(tokens.input)",)q"
                           R"q( "sum(tokens.output)", "sum(cost)")q",
                           &rows, [](AgentRow& r, simdjson::dom::element p) {
                             r.steps = Count(p, "count");
                             r.p50_step_ms = Zero(Num(p, "p50(duration_ms)"));
                             r.p95_step_ms = Zero(Num(p, "p95(duration_ms)"));
                             double t = Num(p, "avg(ttfc_ms)");
                             if (std::isfinite(t)) r.mean_ttfc_ms = t;
                             r.tokens_input = Count(p, "sum(tokens.input)");
                             r.tokens_output = Count(p, "sum(tokens.output)");
                             r.cost = Zero(Num(p, "sum(cost)"));
                           }));
  AP_RETURN_IF_ERROR(Query(c, from_ms, "tool_call", R"q("count", "sum(duration_ms)", "errors")q", &rows,
                           [](AgentRow& r, simdjson::dom::element p) {
                             r.tool_calls = Count(p, "count");
                             r.tool_ms = Zero(Num(p, "sum(duration_ms)"));
                             r.tool_errors = Count(p, "errors");
                           }));
  AP_RETURN_IF_ERROR(Query(c, from_ms, "permission_wait", R"q("count", "sum(duration_ms)")q", &rows,
                           [](AgentRow& r, simdjson::dom::element p) {
                             r.permission_waits = Count(p, "count");
                             r.permission_wait_ms = Zero(Num(p, "sum(duration_ms)"));
                           }));
  AP_RETURN_IF_ERROR(Query(c, from_ms, "retry", R"q("count")q", &rows,
                           [](AgentRow& r, simdjson::dom::element p) { r.retries = Count(p, "count"); }));
  AP_RETURN_IF_ERROR(Query(c, from_ms, "session", R"q("count")q", &rows,
                           [](AgentRow& r, simdjson::dom::element p) { r.sessions = Count(p, "count"); }));
  std::vector<AgentRow> out;
  for (auto& [k, r] : rows) out.push_back(std::move(r));
  return out;
}

std::string FormatAgentReport(const std::vector<AgentRow>& rows) {
  std::string s = fmt::format("{:<12} {:>8} {:>5} {:>9} {:>9} {:>8} {:>9} {:>9} {:>5} {:>9} {:>6} {:>9} {:>7}\n",
                              "agent", "sessions", "steps", "p50 step", "p95 step", "TTFC", "tokens in", "tokens out",
                              "tools", "tool time", "errors", "perm wait", "retries");
  s += fmt::format("{:<12} {:>8} {:>5} {:>9} {:>9} {:>8} {:>9} {:>9} {:>5} {:>9} {:>6} {:>9} {:>7}\n", "", "", "",
                   "ms", "ms", "ms", "", "", "", "ms", "", "ms", "");
  double cost = 0;
  for (const AgentRow& r : rows) {
    s += fmt::format("{:<12} {:>8} {:>5} {:>9.0f} {:>9.0f} {:>8} {:>9} {:>9} {:>5} {:>9.0f} {:>6} {:>9.0f} {:>7}\n",
                     r.agent, r.sessions, r.steps, r.p50_step_ms, r.p95_step_ms,
                     r.mean_ttfc_ms ? fmt::format("{:.0f}", *r.mean_ttfc_ms) : "-", r.tokens_input, r.tokens_output,
                     r.tool_calls, r.tool_ms, r.tool_errors, r.permission_wait_ms, r.retries);
    cost += r.cost;
  }
  s += fmt::format("cost: ${:.6f} in all", cost);
  for (const AgentRow& r : rows) {
    if (r.cost > 0) s += fmt::format(", {} ${:.6f}", r.agent, r.cost);
  }
  s += "\n";
  return s;
}

std::string AgentReportJson(const std::vector<AgentRow>& rows) {
  JsonWriter w;
  w.BeginObject().Key("agents").BeginArray();
  for (const AgentRow& r : rows) {
    w.BeginObject()
        .Field("agent", r.agent)
        .Field("sessions", r.sessions)
        .Field("steps", r.steps)
        .Field("p50_step_ms", r.p50_step_ms)
        .Field("p95_step_ms", r.p95_step_ms);
    w.Key("mean_ttfc_ms");
    if (r.mean_ttfc_ms) {
      w.Double(*r.mean_ttfc_ms);
    } else {
      w.Null();
    }
    w.Field("tokens_input", r.tokens_input)
        .Field("tokens_output", r.tokens_output)
        .Field("cost", r.cost)
        .Field("tool_calls", r.tool_calls)
        .Field("tool_ms", r.tool_ms)
        .Field("tool_errors", r.tool_errors)
        .Field("permission_waits", r.permission_waits)
        .Field("permission_wait_ms", r.permission_wait_ms)
        .Field("retries", r.retries)
        .EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace agentperf::drive
