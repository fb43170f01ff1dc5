// Parsing of times and durations in queries and on the command line.
//
//  Times:     1795487302726 (ms since epoch), "2026-11-24T03:40:00Z",
//             "2026-11-24T03:40:00.250+01:00", "2026-11-24", "now",
//             "now-1h", "-15m" (relative to now)
//  Durations: 250 (ms), "250ms", "10s", "5m", "1h", "7d", "1w", "1h30m"
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace agentperf::query {

// Microseconds since the epoch. `now_us` anchors "now" and relative forms.
Result<int64_t> ParseTime(std::string_view text, int64_t now_us);
Result<int64_t> ParseDurationMicros(std::string_view text);
// "2026-11-24T03:40:00.250Z"
std::string FormatTimeMicros(int64_t us);

}  // namespace agentperf::query
