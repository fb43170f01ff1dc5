// Loading spans from the store for the time decomposition (the decompose
// module is pure; this is its bridge to store::Store::Scan).
//
//   LoadWindowSpans   every span kind but samples, started in [from, to)
//   LoadSessionSpans  the spans around one session: its time range is found
//                     with a query on session_id (rollup-free: a row scan with
//                     block skipping), then every span started in that range
//                     is read (its subagent sessions start inside it)
//
// Errors: NotFound for an unknown session; the store's errors otherwise.
// Thread-safety: free functions; safe wherever Store::Query/Scan are.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "analysis/decompose/span.h"
#include "core/status.h"
#include "store/store.h"

namespace agentperf::analysis {

struct LoadStats {
  uint64_t events = 0;  // spans read
  double elapsed_ms = 0;
};

Result<std::vector<decompose::Span>> LoadWindowSpans(store::Store* store, int64_t from_us, int64_t to_us,
                                                     LoadStats* stats = nullptr);
Result<std::vector<decompose::Span>> LoadSessionSpans(store::Store* store, std::string_view session_id,
                                                      LoadStats* stats = nullptr);

}  // namespace agentperf::analysis
