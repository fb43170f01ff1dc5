// agentperf report [--since 7d | --from T --to T] [--agent A] [--model M] [--tool T] [--json]
// and what the analysis commands share (cli/common.h: AnalysisOptions, RunAnalysis, WindowParams).
#include <fmt/format.h>

#include <cstdlib>
#include <memory>

#include "analysis/service/service.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/report_render.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "net/url.h"
#include "query/time_parse.h"

namespace agentperf::cli {

bool UseColor(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  return StdoutIsTerminal() && (no_color == nullptr || *no_color == '\0');
}

Result<analysis::Params> WindowParams(const std::string& since, const std::string& from, const std::string& to) {
  analysis::Params params;
  if (!from.empty()) {
    params.emplace_back("from", from);
    if (!to.empty()) params.emplace_back("to", to);
    return params;
  }
  auto span = query::ParseDurationMicros(since);
  if (!span.ok() || *span <= 0) return Status::InvalidArgument(fmt::format("--since '{}': expected a duration such as 30m, 24h, 7d", since));
  const int64_t now = WallMicros();
  int64_t end = now;
  if (!to.empty()) {
    auto t = query::ParseTime(to, now);
    if (!t.ok()) return t.status().WithContext("--to");
    end = *t;
  }
  params.emplace_back("from", std::to_string((end - *span) / 1000));
  params.emplace_back("to", std::to_string(end / 1000));
  return params;
}

// Runs an analysis endpoint on the target (local store or server) and returns its JSON.
Result<std::string> RunAnalysis(const Target& target, std::string_view endpoint, const analysis::Params& params) {
  if (target.remote()) {
    AP_ASSIGN_OR_RETURN(net::HttpClient c, ConnectServer(target));
    std::string path = fmt::format("/v1/analysis/{}", endpoint);
    char sep = '?';
    for (const auto& [k, v] : params) {
      path += fmt::format("{}{}={}", sep, k, net::PercentEncode(v));
      sep = '&';
    }
    AP_ASSIGN_OR_RETURN(net::HttpResponse r, c.Get(path));
    if (r.status != 200) return ServerError(r);
    return std::move(r.body);
  }
  AP_ASSIGN_OR_RETURN(auto store, OpenLocalStore(target));
  auto prices = analysis::PriceTable::WithUserFile(analysis::PriceTable::DefaultUserFile());
  if (!prices.ok()) return prices.status();
  analysis::AnalysisService service(store.get(), std::move(prices).value());
  return service.Answer(endpoint, params, WallMicros());
}

Result<analysis::Params> AnalysisOptions::Params() const {
  AP_ASSIGN_OR_RETURN(analysis::Params params, WindowParams(since, from, to));
  for (const auto& [name, value] : {std::pair{"agent", &agent}, {"model", &model}, {"tool", &tool}}) {
    if (!value->empty()) params.emplace_back(name, *value);
  }
  return params;
}

void AddAnalysisOptions(CLI::App* cmd, AnalysisOptions* o, std::string_view endpoint) {
  AddTargetOptions(cmd, &o->target);
  cmd->add_option("--since", o->since, "window ending now: 30m, 24h, 7d ... (default 7d)");
  cmd->add_option("--from", o->from, "window start (ms since epoch, ISO time, or -1h); overrides --since");
  cmd->add_option("--to", o->to, "window end (default now)");
  cmd->add_option("--agent", o->agent, "only this agent (a|b for several)");
  cmd->add_option("--model", o->model, "only this model (a|b for several)");
  cmd->add_option("--tool", o->tool, "only this tool (a|b for several)");
  cmd->add_flag("--json", o->json, fmt::format("print the JSON answer (as GET /v1/analysis/{})", endpoint));
  cmd->add_option("--color", o->color, "auto (on a terminal, unless NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

std::function<int()> SetupReport(CLI::App* cmd) {
  auto o = std::make_shared<AnalysisOptions>();
  AddAnalysisOptions(cmd, o.get(), "report");
  return [o]() -> int {
    auto params = o->Params();
    if (!params.ok()) return Fail(params.status());
    return PrintAnalysis(RunAnalysis(o->target, "report", *params), o->json,
                         [&](std::string_view j) { return RenderReport(j, RenderOptions{UseColor(o->color)}); });
  };
}

}  // namespace agentperf::cli
