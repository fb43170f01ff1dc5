// Rendering of the analysis answers (analysis/service) for the terminal:
// `agentperf report` from the /v1/analysis/report JSON. The same JSON comes
// from a local store or a server, so both print the same thing.
// Colour (ANSI) only when asked; widths ignore the escape codes.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace agentperf::cli {

struct RenderOptions {
  bool color = false;
};

// Errors: Corruption when the JSON is not a report answer.
Result<std::string> RenderReport(std::string_view report_json, const RenderOptions& options);

// The waterfall and breakdown of `agentperf explain` from the
// /v1/analysis/explain JSON (the tree is rebuilt from its spans).
Result<std::string> RenderExplain(std::string_view explain_json, int width, bool color);

// `agentperf compare` from the /v1/analysis/compare JSON.
Result<std::string> RenderCompare(std::string_view compare_json, const RenderOptions& options);

// `agentperf outliers` from the /v1/analysis/outliers JSON.
Result<std::string> RenderOutliers(std::string_view outliers_json, const RenderOptions& options);

// `agentperf correlations` from the /v1/analysis/correlations JSON.
Result<std::string> RenderCorrelations(std::string_view correlations_json, const RenderOptions& options);

// Durations for people: "850ms", "1.24s", "12.5s", "2m05s", "1h02m"; "-" for NaN.
std::string HumanMs(double ms);

}  // namespace agentperf::cli
