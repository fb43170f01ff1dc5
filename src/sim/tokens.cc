#include "sim/tokens.h"

#include <algorithm>
#include <cmath>

namespace agentperf::sim {

int64_t PromptTokens(uint64_t prompt_bytes, double chars_per_token) {
  if (chars_per_token <= 0) chars_per_token = 4;
  return static_cast<int64_t>(std::ceil(static_cast<double>(prompt_bytes) / chars_per_token));
}

int64_t CountWords(std::string_view text) {
  int64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

int64_t ArgTokens(std::string_view args_json) {
  return static_cast<int64_t>((args_json.size() + 3) / 4);
}

int64_t CompletionTokens(const StepSpec& step) {
  if (step.output_tokens) return *step.output_tokens;
  int64_t n = CountWords(step.text);
  for (const auto& t : step.tools) n += ArgTokens(t.args_json);
  return std::max<int64_t>(n, 1);
}

}  // namespace agentperf::sim
