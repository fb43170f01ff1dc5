// Spans as JSON, so that a client (the CLI with --server) can rebuild the
// very tree the server decomposed and draw it:
//   [{"kind":"tool_call","status":"ok","start_us":..,"end_us":..,
//     "session_id":"..","parent_session_id":"..","span_id":"..","parent_span_id":"..",
//     "message_id":"..","agent":"..","model":"..","provider":"..","tool":"..",
//     "child_session_id":"..","wall_ms":..,"permission_wait_ms":..,"tools_ms":..,"first_part_ms":..,"ttfc_ms":..}, ..]
// Empty strings and absent numbers (-1, NaN) are left out.
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "analysis/decompose/span.h"
#include "core/json_writer.h"
#include "core/status.h"

namespace agentperf::analysis {

void WriteSpansJson(const std::vector<decompose::Span>& spans, JsonWriter* w);
// Errors: Corruption for anything but an array of such objects.
Result<std::vector<decompose::Span>> ParseSpansJson(std::string_view json);

}  // namespace agentperf::analysis
