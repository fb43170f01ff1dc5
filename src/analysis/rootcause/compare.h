// Compare: what changed between two windows A (before) and B (after) in the
// duration of one span kind (llm_call = steps by default), and which
// dimension values explain it (docs/design/analysis-engine.md §6).
//
//   overall    count, mean, p50, p95 in A and B (rollups); whether the shift
//              is significant: Mann-Whitney U on duration samples of each
//              window; seeded percentile-bootstrap 95 % intervals of the
//              change of p50 and p95 on the same samples
//   explained  for each dimension (agent, model, provider, tool): the exact
//              split of the change of the mean into per-value contributions
//              (count and sum per value from rollups; contribution = mix +
//              rate, Σ = ΔM; analysis/stats/contribution.h), ranked by
//              |contribution|; each of the top values gets its own
//              Mann-Whitney test on its samples
//
// Samples: durations of whole segment blocks spread evenly over the window
// (one Store::Scan reading every k-th block in range, k chosen from the
// window's span count so that about `max_samples` spans are read), so a
// window of millions of spans costs a bounded read; a cluster sample of
// blocks, not of single spans; then thinned evenly to at most max_samples
// per series. The sample sizes are in the answer. Bootstrap: 500 resamples of
// at most 5,000 values per side (evenly thinned from the sample).
//
// Errors: InvalidArgument for empty or inverted windows; the store's errors.
// Thread-safety: a free function; safe wherever Store::Query/Scan are.
#pragma once

#include <cstdint>
#include <string>
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
  size_t max_samples = 20000;
  uint64_t seed = 42;
};

// The answer as JSON (docs/api.md "compare").
Result<std::string> CompareWindows(store::Store* store, const CompareSpec& spec);

}  // namespace agentperf::analysis
