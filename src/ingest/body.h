// DecodeEventsBody: one request body (or file) in, one validated batch out:
// Content-Encoding decoding (size-capped), then JSON array / NDJSON decoding
// with every limit checked. All or nothing.
// Thread-safety: uses the caller's decoder (one per thread).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "event/json_decoder.h"
#include "ingest/decompress.h"

namespace agentperf::ingest {

struct BodyLimits {
  size_t max_decoded_bytes = size_t{256} << 20;  // after decompression
};

// `body` may be modified (it is the scratch for the identity case: no copy).
// On error: InvalidArgument (bad JSON/encoding, *err filled), TooLarge.
Status DecodeEventsBody(std::string* body, Encoding enc, const BodyLimits& limits, event::JsonBatchDecoder* decoder,
                        int64_t now_us, event::EventBatch* out, event::DecodeError* err);

}  // namespace agentperf::ingest
