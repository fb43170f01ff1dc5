// Generic OpenTelemetry GenAI spans (other agents than OpenCode: Claude Code,
// any gen_ai.* instrumented client) to events (docs/design/
// opencode-integration.md §6.5).
//
// A span is generic when it has `gen_ai.operation.name` and its resource's
// service.name is not "opencode" (OpenCode's own spans are handled by the
// step join). Kinds: chat / text_completion / generate_content -> llm_call,
// execute_tool -> tool_call, invoke_agent -> turn; other operations
// (embeddings, create_agent, ...) are not mapped.
//
// Only named attributes are read: gen_ai.conversation.id (session_id),
// gen_ai.agent.name, gen_ai.response.model / gen_ai.request.model,
// gen_ai.provider.name / gen_ai.system, gen_ai.tool.name, gen_ai.usage.*
// (tokens.input = input_tokens - cache_read.input_tokens, as docs/events.md
// defines input without the cache), error.type, status ERROR; attrs
// call_id (gen_ai.tool.call.id), response_id (gen_ai.response.id), finish
// (first gen_ai.response.finish_reasons). Message contents never are.
// span_id / parent_span_id are "otlp:<trace>:<span>", source "otlp".
//
// Thread-safety: pure functions.
#pragma once

#include <optional>

#include "ingest/otlp/event_draft.h"
#include "ingest/otlp/otlp_json.h"

namespace agentperf::otlp {

inline constexpr std::string_view kOpenCodeService = "opencode";

// True if the span is a generic gen_ai span of a kind we map (see above).
bool IsGenAiSpan(const TracesRequest& req, const Span& span);
// The event of a generic gen_ai span; nullopt if IsGenAiSpan is false.
std::optional<EventDraft> GenAiDraft(const TracesRequest& req, const Span& span);

}  // namespace agentperf::otlp
