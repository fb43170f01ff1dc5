// Encodes events as JSON objects in the ingest schema (docs/events.md), so an
// exported event can be ingested again unchanged. The id is written in its raw
// form "ap1:<32 hex digits>", which the decoder takes as the id itself (no
// re-hashing), so stable ids survive a round trip.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "event/event.h"

namespace agentperf::event {

constexpr std::string_view kRawIdPrefix = "ap1:";

// Appends one JSON object (no trailing newline).
void EncodeEventJson(const Event& e, const Attr* attrs, std::string* out);
// Appends every event of the batch as NDJSON.
void EncodeBatchNdjson(const EventBatch& batch, std::string* out);

}  // namespace agentperf::event
