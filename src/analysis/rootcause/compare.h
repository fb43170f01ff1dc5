// Compare: what changed between two windows A (before) and B (after) in one
// metric of one span kind (llm_call = steps by default), and which dimension
// values explain it (docs/design/analysis-engine.md §6).
//
// Metrics (CompareSpec::metric; the mean is numerator / denominator, both
// rollup aggregates, so the split below stays exact):
//   duration_ms        sum(duration_ms) / count                   unit "ms"
//   error_rate         errors / count                             unit "fraction"
//   cost               sum(cost) / count (spans without a cost     unit "USD"
//                      count as 0: mean recorded cost per span)
//   ttfc_ms            sum(ttfc_ms) / count(ttfc_ms)               unit "ms"
//   tokens.input, tokens.output, tokens.cache_read
//                      sum(f) / count(f)                           unit "tokens"
//
//   overall    count, mean, p50, p95 in A and B (count: spans that have the
//              value, all spans for duration_ms and error_rate; p50/p95 of
//              the value, null for error_rate; rollups where they can answer,
//              rows otherwise); whether the shift is significant:
//              Mann-Whitney U on value samples of each window (error_rate: 0/1
//              per span, error = 1; on such data the test is the two-proportion
//              test); seeded percentile-bootstrap 95 % intervals of the change
//              of p50 and p95 on the same samples (null for error_rate)
//   explained  for each dimension (agent, model, provider, tool; and
//              version when asked: see CompareSpec::with_version): the exact
//              split of the change of the mean into per-value contributions
//              (numerator and denominator per value from rollups;
//              contribution = mix + rate, Σ = ΔM; analysis/stats/contribution.h),
//              ranked by |contribution|; each of the top values gets its own
//              Mann-Whitney test on its samples
//
// The answer (JSON; numbers in `unit`, said once):
//   {"kind", "metric", "unit",
//    "before": {"from_ms", "to_ms", "count", "mean", "p50", "p95", "samples"},
//    "after":  {...},
//    "change": {"mean", "mean_ratio", "p50", "p95",
//               "significance": {"test", "n_before", "n_after", "z", "p_value",
//                                "effect" (> 0: after tends to be larger)} | null,
//               "p50_change_ci95": [lo, hi] | null, "p95_change_ci95": [lo, hi] | null},
//    "explained": [{"dimension", "values": [{"value", "contribution", "share", "mix",
//                   "rate", "mean_before", "mean_after", "weight_before",
//                   "weight_after", "significance": {...} | null}]}],
//    "source": {"spans_sampled", "elapsed_ms"}}
//
// Samples: values of whole segment blocks spread evenly over the window
// (one Store::Scan reading every k-th block in range, k chosen from the
// window's span count so that about `max_samples` spans are read), so a
// window of millions of spans costs a bounded read; a cluster sample of
// blocks, not of single spans; then thinned evenly to at most max_samples
// per series. A span without the value (no ttfc_ms, cost, tokens) gives no
// sample. The sample sizes are in the answer. Bootstrap: 500 resamples of
// at most 5,000 values per side (evenly thinned from the sample).
//
// Errors: InvalidArgument for empty or inverted windows and for an unknown
// metric (the message names the allowed ones); the store's errors.
// Thread-safety: a free function; safe wherever Store::Query/Scan are.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "event/event.h"
#include "query/spec.h"
#include "store/store.h"

namespace agentperf::analysis {

struct CompareSpec {
  int64_t a_from_us = 0, a_to_us = 0;  // before
  int64_t b_from_us = 0, b_to_us = 0;  // after
  event::SpanKind kind = event::SpanKind::kLlmCall;
  std::vector<query::Matcher> filters;
  // duration_ms, error_rate, cost, ttfc_ms, tokens.input, tokens.output or
  // tokens.cache_read (CompareMetricNames()).
  std::string metric = "duration_ms";
  // Also split the change by OpenCode version (the session span's
  // attrs.version): not a label the rollups group by, so this dimension is
  // computed from the samples (marked "sampled": true; its contributions add
  // up to the change of the sampled mean) and costs a full read of the
  // sampled blocks plus a scan of the session spans of both windows and the
  // week before them.
  bool with_version = false;
  size_t max_samples = 20000;
  uint64_t seed = 42;
};

// The metrics CompareSpec::metric accepts, in the order above.
std::vector<std::string_view> CompareMetricNames();

// The answer as JSON (docs/api.md "compare").
Result<std::string> CompareWindows(store::Store* store, const CompareSpec& spec);

}  // namespace agentperf::analysis
