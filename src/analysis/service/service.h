// AnalysisService: the analysis endpoints as plain functions of a store and
// request parameters, answering JSON. The REST API serves them under
// /v1/analysis/... (api/rest/analysis_routes.h) and the CLI calls them
// directly on a local store, so `agentperf report --data` and
// `agentperf report --server` print the same thing from the same JSON.
//
// Parameters (strings, as in a URL query; docs/api.md "Analysis"):
//   from, to        times (query/time_parse.h); default: the last 7 days
//   agent, model, provider, tool
//                   label filters, "a|b" for several values
//   group_by        baselines: comma-separated subset of agent, model,
//                   provider, tool (default agent)
//   kind            baselines: the span kind described (default llm_call,
//                   tool_call when grouped by tool)
//   session         explain: the session id (required)
//   method          breakdown: exact (decompose every turn: a scan, at most
//                   2M spans), sums (rollup sums: fast, parallel time counted
//                   per span), auto (default: exact up to 50,000 spans)
//   kind            outliers: comma-separated subset of turn, llm_call,
//                   tool_call, session (default all four)
//   threshold, top  outliers: robust z above which a span is listed
//                   (default 3.5) and spans listed per group (default 10)
//   alpha, min_effect
//                   correlations: the q-value below which and the |rho| above
//                   which a correlation is reported (defaults 0.01, 0.3)
// Endpoints:
//   baselines  per-group figures (analysis/baseline)
//   breakdown  where the time went, per agent, over the window's turns
//              (analysis/decompose AggregateByAgent over a scan of the window)
//   compare    before=FROM..TO, after=FROM..TO (required; kind, metric,
//              with=version and label filters allowed), or anomaly=FROM..TO
//              (the anomaly's window; before defaults to the 4 times longer
//              window just before it): the change of the kind's metric
//              (duration_ms by default; compare.h lists them), its
//              significance, and the dimension values that explain it
//              (analysis/rootcause/compare.h)
//   explain    one session: its breakdown, its turns', the critical path and
//              the spans themselves (so a client can draw the waterfall)
//   report     baselines by agent, by agent x tool, permission waits, and the
//              breakdown per agent (method auto)
//   outliers   per group (kind x agent, x tool for tool calls) the spans far
//              above the group's median (analysis/outliers/outliers.h; one
//              scan of the window, at most 2M spans)
//   correlations
//              significant Spearman correlations per agent and model
//              (analysis/correlate/correlate.h; a sampled scan)
// Errors: InvalidArgument for a bad parameter (its name in the message);
// NotFound for an unknown endpoint; the store's errors otherwise.
//
// Thread-safety: stateless; safe from any thread where the store is.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/cost/price_table.h"
#include "core/status.h"
#include "store/store.h"

namespace agentperf::analysis {

using Params = std::vector<std::pair<std::string, std::string>>;

class AnalysisService {
 public:
  // REQUIRES: store outlives the service.
  AnalysisService(store::Store* store, PriceTable prices) : store_(store), prices_(std::move(prices)) {}

  // `now_us` anchors relative times.
  Result<std::string> Answer(std::string_view endpoint, const Params& params, int64_t now_us) const;

  // The endpoints Answer knows (for the REST index and the OpenAPI check).
  static std::vector<std::string_view> Endpoints();

 private:
  Result<std::string> Baselines(const Params& params, int64_t now_us) const;
  Result<std::string> Report(const Params& params, int64_t now_us) const;
  Result<std::string> Breakdown(const Params& params, int64_t now_us) const;
  Result<std::string> Explain(const Params& params) const;
  Result<std::string> Compare(const Params& params, int64_t now_us) const;
  Result<std::string> Outliers(const Params& params, int64_t now_us) const;
  Result<std::string> Correlations(const Params& params, int64_t now_us) const;

  store::Store* store_;
  PriceTable prices_;
};

}  // namespace agentperf::analysis
