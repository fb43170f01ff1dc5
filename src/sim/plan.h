// ResponsePlan: everything the simulated model decides about one request
// before it answers: the agent and step, the attempt, success or an error
// status (scripted `fail`, random 429 or error), the sampled time to first
// chunk and tokens per second, the text and tool calls, the usage and the
// response id. Timing and output follow from it (pacing.h, chunks.h).
//
// Randomness: a SplitMix64 stream seeded by (config seed, session plus the
// call kind, turn and step, attempt), drawn in a fixed order: rate-limit
// uniform, error uniform, TTFC (2 draws), tokens/s (2 draws).
// Thread-safety: PlanResponse is thread-safe (SessionState locks itself).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/chat_request.h"
#include "sim/config.h"
#include "sim/session_state.h"
#include "sim/tokens.h"

namespace agentperf::sim {

struct PlannedToolCall {
  std::string id;  // call_<session hash>_<turn>_<step>_<index>: unique per session
  std::string name;
  std::string args_json;
};

struct ResponsePlan {
  std::string kind;   // title, trigger, agent, default
  std::string agent;  // agent name ("title", "default", trigger's agent)
  std::string model;  // as requested
  int turn = 0;
  int step = 0;
  int attempt = 0;
  bool past_script_end = false;

  int status = 200;
  std::string error;           // for status != 200: "scripted", "rate_limit" or "error"
  int64_t retry_after_ms = 0;  // for 429

  double ttfc_ms = 0;
  double tokens_per_s = 0;
  std::string text;
  std::vector<PlannedToolCall> tool_calls;
  std::string finish_reason;  // "stop" or "tool_calls"
  Usage usage;
  std::string response_id;  // chatcmpl-sim-<session hash>-<kind letter><turn>-<step>-<attempt>
  std::vector<std::string> warnings;

  // The planned generation time after the first chunk: completion tokens / tokens per second.
  double GenerationMs() const;
};

ResponsePlan PlanResponse(const SimConfig& config, const ChatRequest& request, SessionState& state);

}  // namespace agentperf::sim
