// Stable event ids: the same span arriving twice (from two collectors, or a
// client retry) gets the same id, so the store keeps it once.
//
//  1. An explicit "id" from the sender wins:      H("x", id)
//  2. Otherwise a span id identifies the span:     H("s", kind, session_id, span_id)
//     (collectors set span_id to the source's own id, e.g. OpenCode's part or
//     call id, so every source derives the same value)
//  3. Otherwise the content identifies it:         H("c", every field)
// H is MurmurHash3_x64_128 over the NUL-separated parts. The id is part of the
// on-disk format; never change these rules without a format version bump.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "core/hash.h"
#include "event/event.h"

namespace agentperf::event {

Hash128 ExplicitEventId(std::string_view id);
// Rule 2 alone: the id of a span identified by its span id.
Hash128 SpanEventId(SpanKind kind, std::string_view session_id, std::string_view span_id);
// Rules 2 and 3; `attrs` are the event's attributes (used by rule 3 only).
Hash128 DerivedEventId(const Event& e, const Attr* attrs);

}  // namespace agentperf::event
