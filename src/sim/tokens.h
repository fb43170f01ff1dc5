// Token accounting of the simulated model (docs/simulate.md, "Tokens"):
//   prompt_tokens     = ceil(bytes of the minified messages + tools JSON / chars_per_token)
//   completion_tokens = the step's output_tokens, else its words plus
//                       ceil(argument bytes / 4) per tool call (at least 1)
//   cached_tokens     = prefix cache: min(prompt tokens of the session's
//                       previous successful request of the same kind, prompt_tokens)
// Thread-safety: pure functions and values.
#pragma once

#include <cstdint>
#include <string_view>

#include "sim/config.h"

namespace agentperf::sim {

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;  // part of prompt_tokens
  int64_t total_tokens() const { return prompt_tokens + completion_tokens; }
};

int64_t PromptTokens(uint64_t prompt_bytes, double chars_per_token);
// Runs of non-whitespace characters.
int64_t CountWords(std::string_view text);
int64_t ArgTokens(std::string_view args_json);
int64_t CompletionTokens(const StepSpec& step);

}  // namespace agentperf::sim
