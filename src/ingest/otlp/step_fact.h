// StepFact: what one OpenCode `ai.streamText.doStream` span (the Vercel AI
// SDK's span around one model request) tells about one step, reduced to the
// fields the join and the auxiliary-call events need (docs/design/
// opencode-integration.md §6.2-6.4). No prompt or response text is kept: the
// span's `ai.prompt.*` and `ai.response.text` attributes are only checked for
// presence (`has_tools`), and `ai.response.toolCalls` is read only for its
// `toolCallId`s.
//
// Thread-safety: pure functions; values.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/otlp/otlp_json.h"

namespace agentperf::otlp {

inline constexpr std::string_view kDoStreamSpan = "ai.streamText.doStream";
inline constexpr std::string_view kEnsureTitleSpan = "SessionPrompt.ensureTitle";

struct StepFact {
  std::string trace_id;  // lowercase hex
  std::string span_id;
  std::string parent_span_id;
  std::string session_id;         // session.id, else ai.telemetry.metadata.sessionId
  std::string parent_session_id;  // ai.request.headers.x-parent-session-id (subagents)
  std::string model;              // ai.model.id
  std::string provider;           // ai.model.provider without a trailing ".chat"
  std::string response_id;        // ai.response.id
  std::string finish_reason;      // ai.response.finishReason
  int64_t start_us = 0;
  int64_t end_us = 0;
  double ms_to_first_chunk = std::numeric_limits<double>::quiet_NaN();
  double ms_to_finish = std::numeric_limits<double>::quiet_NaN();
  double tokens_per_s = std::numeric_limits<double>::quiet_NaN();  // avgOutputTokensPerSecond
  // Tokens, -1 when absent. input_no_cache = prompt tokens minus cached ones
  // (OpenCode's tokens.input).
  int64_t input_no_cache = -1;
  int64_t cache_read = -1;
  int64_t output = -1;
  int64_t reasoning = -1;
  std::vector<std::string> tool_call_ids;  // from ai.response.toolCalls
  bool has_tools = false;                  // the request offered tools (ai.prompt.tools present)
  bool failed = false;                     // span status ERROR (a failed or retried attempt)

  // "otlp:<trace>:<span>": the span_id of an event made from this fact.
  std::string OtlpSpanId() const { return "otlp:" + trace_id + ":" + span_id; }
  // Rough heap footprint, for the join's memory bound.
  size_t ApproxBytes() const;
};

// True if `span` is an `ai.streamText.doStream` span (by name or
// ai.operationId); then *out holds its fact.
bool ExtractStepFact(const TracesRequest& req, const Span& span, StepFact* out);

// The toolCallId values of an `ai.response.toolCalls` JSON array (empty on
// malformed input).
std::vector<std::string> ParseToolCallIds(std::string_view tool_calls_json);

}  // namespace agentperf::otlp
