// Time sources. Wall-clock microseconds since the Unix epoch for event times,
// a monotonic clock for measuring intervals. Thread-safety: free functions.
#pragma once

#include <cstdint>

namespace agentperf {

int64_t WallMicros();      // CLOCK_REALTIME
int64_t MonotonicNanos();  // CLOCK_MONOTONIC

constexpr int64_t kMicrosPerMilli = 1000;
constexpr int64_t kMicrosPerSecond = 1000 * 1000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

}  // namespace agentperf
