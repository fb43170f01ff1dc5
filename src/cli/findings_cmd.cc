// agentperf outliers     [--since 7d | --from T --to T] [--agent A] [--kind K,...] [--threshold Z] [--top N] [--json]
// agentperf correlations [--since 7d | --from T --to T] [--agent A] [--model M] [--alpha Q] [--min-effect R] [--json]
// Both run the analysis endpoint of the same name (analysis/service) on a
// local store or a server and render its answer (cli/report_render.h).
#include <fmt/format.h>

#include <initializer_list>
#include <memory>

#include "analysis/service/service.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/report_render.h"

namespace agentperf::cli {

namespace {

struct FindingsOptions : AnalysisOptions {
  std::string kind, threshold, top, alpha, min_effect;
};

Result<analysis::Params> BuildParams(const FindingsOptions& o,
                                     std::initializer_list<std::pair<const char*, const std::string*>> extra) {
  AP_ASSIGN_OR_RETURN(analysis::Params params, o.Params());
  for (const auto& [name, value] : extra) {
    if (!value->empty()) params.emplace_back(name, *value);
  }
  return params;
}

}  // namespace

std::function<int()> SetupOutliers(CLI::App* cmd) {
  auto o = std::make_shared<FindingsOptions>();
  AddAnalysisOptions(cmd, o.get(), "outliers");
  cmd->add_option("--kind", o->kind, "span kinds examined, comma-separated: turn, llm_call, tool_call, session (default all)");
  cmd->add_option("--threshold", o->threshold, "robust z above which a span is an outlier (default 3.5)");
  cmd->add_option("--top", o->top, "outlying spans listed per group (default 10)");
  return [o]() -> int {
    auto params = BuildParams(*o, {{"kind", &o->kind}, {"threshold", &o->threshold}, {"top", &o->top}});
    if (!params.ok()) return Fail(params.status());
    return PrintAnalysis(RunAnalysis(o->target, "outliers", *params), o->json,
                         [&](std::string_view j) { return RenderOutliers(j, RenderOptions{UseColor(o->color)}); });
  };
}

std::function<int()> SetupCorrelations(CLI::App* cmd) {
  auto o = std::make_shared<FindingsOptions>();
  AddAnalysisOptions(cmd, o.get(), "correlations");
  cmd->add_option("--alpha", o->alpha, "report when the Benjamini-Hochberg q-value is below this (default 0.01)");
  cmd->add_option("--min-effect", o->min_effect, "and |rho| is at least this (default 0.3)");
  return [o]() -> int {
    auto params = BuildParams(*o, {{"alpha", &o->alpha}, {"min_effect", &o->min_effect}});
    if (!params.ok()) return Fail(params.status());
    return PrintAnalysis(RunAnalysis(o->target, "correlations", *params), o->json,
                         [&](std::string_view j) { return RenderCorrelations(j, RenderOptions{UseColor(o->color)}); });
  };
}

}  // namespace agentperf::cli
