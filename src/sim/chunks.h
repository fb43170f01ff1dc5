// The OpenAI chat-completions wire format of the simulated model: SSE chunks
// (`data: {...}\n\n`, ending with `data: [DONE]`), the complete
// non-streaming answer, error bodies and the model list.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/config.h"
#include "sim/pacing.h"
#include "sim/plan.h"

namespace agentperf::sim {

struct ChunkContext {
  std::string id;       // the plan's response_id
  int64_t created = 0;  // epoch seconds
  std::string model;
};

// The SSE bytes of one emission: one `data:` event per chunk (consecutive
// text, and consecutive argument pieces of one tool call, are merged). The
// last emission adds the finish chunk, the usage chunk (when include_usage)
// and `data: [DONE]`.
std::string FormatEmission(const ChunkContext& ctx, const ResponsePlan& plan, const Emission& emission,
                           bool include_usage);
// The `usage` object: prompt_tokens, completion_tokens, total_tokens,
// prompt_tokens_details.cached_tokens, completion_tokens_details.reasoning_tokens.
std::string UsageJson(const Usage& usage);
// The non-streaming answer (object "chat.completion").
std::string CompletionJson(const ChunkContext& ctx, const ResponsePlan& plan);
// {"error":{"message","type","code"}} for an error status.
std::string ErrorJson(int status, std::string_view message);
// GET /v1/models: every configured model but "*".
std::string ModelsJson(const SimConfig& config);

}  // namespace agentperf::sim
