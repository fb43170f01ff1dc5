// CheckEvent: the importer builds events directly (no JSON decoder), so it
// applies the decoder's limits itself (docs/events.md "Validation and
// limits"): times in range, end >= start, duration <= 31 days, id and label
// sizes, valid UTF-8 without control characters, finite non-negative numbers,
// counts <= 2^53, cost <= 1e9, attribute count and sizes.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "event/event.h"
#include "event/fields.h"

namespace agentperf::ingest::opencode {

// OK, or InvalidArgument naming the first field that breaks a limit.
Status CheckEvent(const event::Event& e, const event::Attr* attrs, const event::Limits& limits, int64_t now_us);

}  // namespace agentperf::ingest::opencode
