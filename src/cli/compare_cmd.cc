// agentperf compare --before FROM..TO --after FROM..TO | --anomaly FROM..TO [--before ..] [--kind K] [--metric M]
//                   [--with version] [--agent A] [--json]
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/report_render.h"
#include "core/json_writer.h"

namespace agentperf::cli {

namespace {

struct CompareOptions {
  Target target;
  std::string before, after, anomaly, with, kind, metric, agent, model, tool;
  bool json = false;
  std::string color = "auto";
};

}  // namespace

std::function<int()> SetupCompare(CLI::App* cmd) {
  auto o = std::make_shared<CompareOptions>();
  AddTargetOptions(cmd, &o->target);
  auto* after = cmd->add_option("--after", o->after, "the later window, FROM..TO (e.g. -7d..now)");
  auto* anomaly = cmd->add_option("--anomaly", o->anomaly,
                                  "an anomaly's window, FROM..TO, instead of --after; --before defaults to the 4 times "
                                  "longer window just before it");
  after->excludes(anomaly);
  cmd->add_option("--before", o->before, "the earlier window, FROM..TO (e.g. -14d..-7d, or ISO times)");
  cmd->add_option("--with", o->with, "version: also split the change by OpenCode version (from samples; slower)")
      ->check(CLI::IsMember({"version"}));
  cmd->add_option("--kind", o->kind, "span kind compared (default llm_call: model steps)");
  cmd->add_option("--metric", o->metric,
                  "what is compared: duration_ms (default), error_rate, cost, ttfc_ms, tokens.input, tokens.output, "
                  "tokens.cache_read");
  cmd->add_option("--agent", o->agent, "only this agent (a|b for several)");
  cmd->add_option("--model", o->model, "only this model (a|b for several)");
  cmd->add_option("--tool", o->tool, "only this tool (with --kind tool_call)");
  cmd->add_flag("--json", o->json, "print the JSON answer (as GET /v1/analysis/compare)");
  cmd->add_option("--color", o->color, "auto (on a terminal, unless NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  return [o]() -> int {
    if (o->anomaly.empty() && (o->before.empty() || o->after.empty())) {
      return Fail(Status::InvalidArgument("give --before and --after, or --anomaly"));
    }
    std::vector<std::pair<std::string, std::string>> params;
    for (const auto& [name, value] : {std::pair{"before", &o->before}, {"after", &o->after}, {"anomaly", &o->anomaly},
                                      {"with", &o->with}}) {
      if (!value->empty()) params.emplace_back(name, *value);
    }
    if (!o->kind.empty()) params.emplace_back("kind", o->kind);
    if (!o->metric.empty()) params.emplace_back("metric", o->metric);
    if (!o->agent.empty()) params.emplace_back("agent", o->agent);
    if (!o->model.empty()) params.emplace_back("model", o->model);
    if (!o->tool.empty()) params.emplace_back("tool", o->tool);
    return PrintAnalysis(RunAnalysis(o->target, "compare", params), o->json,
                         [&](std::string_view j) { return RenderCompare(j, RenderOptions{UseColor(o->color)}); });
  };
}

}  // namespace agentperf::cli
