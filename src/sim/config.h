// SimConfig: the simulated model's configuration (docs/simulate.md): models
// with their latency distributions and failure rates, scripted agents picked
// by a `match` text in the system prompt, `triggers` picked by a text in the
// last user message, the title text and a default script.
// Thread-safety: a value; immutable once loaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "sim/distribution.h"

namespace agentperf::sim {

struct ModelConfig {
  std::string name;
  Distribution ttfc_ms = Distribution::Fixed(20);
  Distribution tokens_per_s = Distribution::Fixed(200);
  double error_rate = 0;  // per attempt: answer error_status
  int error_status = 500;
  double rate_limit_rate = 0;  // per attempt: answer 429 + Retry-After
  int64_t retry_after_ms = 1000;
  double chars_per_token = 4;  // prompt_tokens = ceil(prompt bytes / chars_per_token)
  bool prefix_cache = true;    // "cache": "prefix" (default) or "none"
};

struct ToolCallSpec {
  std::string name;
  std::string args_json;  // a JSON object, minified
};

// A scripted failure: the first `attempts` attempts of the step (after those
// of the entries before it) answer `status`.
struct FailSpec {
  int status = 429;
  int attempts = 1;
};

struct StepSpec {
  std::string text;
  std::vector<ToolCallSpec> tools;  // several = parallel tool calls
  std::vector<FailSpec> fail;
  std::optional<int64_t> output_tokens;  // overrides the counted completion tokens
};

struct Script {
  std::vector<StepSpec> steps;
};

struct AgentSpec {
  std::string name;
  std::string match;  // occurs in the system prompt
  Script script;
};

struct TriggerSpec {
  std::string user_contains;  // occurs in the last user message
  std::string agent;          // the name logged (optional)
  Script script;
};

struct SimConfig {
  uint64_t seed = 0;
  std::vector<ModelConfig> models;  // "*" is the fallback for unknown models
  std::string title_text = "Simulated session";
  std::vector<AgentSpec> agents;      // in file order: the first match wins
  std::vector<TriggerSpec> triggers;  // in file order
  Script default_script;              // when nothing matches

  // The model's settings: by name, else "*", else the built-in defaults.
  const ModelConfig& Model(std::string_view name) const;
};

// InvalidArgument with the path of the offending field ("agents.coder.steps[1].fail[0].status: ...").
Result<SimConfig> ParseConfig(std::string_view json);
Result<SimConfig> LoadConfig(const std::string& path);

}  // namespace agentperf::sim
