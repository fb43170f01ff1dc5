// Which script and step answer a request (docs/simulate.md, "Selection"):
//   1. no tools offered: a title call, answered with the title text;
//   2. the first trigger whose text occurs in the last user message;
//   3. the first agent whose `match` occurs in the system prompt;
//   4. the default script.
// The step is ChatRequest::step (assistant messages since the last user
// message), so a retried request replays the same step. Past the end of the
// script, the last step that has text is answered as text only, so a
// conversation always ends.
// Thread-safety: pure functions over immutable values.
#pragma once

#include <optional>
#include <string>

#include "sim/chat_request.h"
#include "sim/config.h"

namespace agentperf::sim {

enum class ScriptKind { kTitle, kTrigger, kAgent, kDefault };
std::string_view ScriptKindName(ScriptKind kind);  // "title", "trigger", "agent", "default"

struct ScriptChoice {
  ScriptKind kind = ScriptKind::kDefault;
  std::string agent;               // agent name, trigger's agent, "title" or "default"
  const Script* script = nullptr;  // null for title calls
};

ScriptChoice SelectScript(const SimConfig& config, const ChatRequest& request);

struct StepChoice {
  StepSpec step;
  bool past_end = false;  // the script had fewer steps: the last text is answered
};

// The step to play. For a title call, the title text.
StepChoice SelectStep(const SimConfig& config, const ScriptChoice& choice, int step);

// The status a scripted failure gives this attempt (0-based), if any.
std::optional<int> ScriptedFailure(const StepSpec& step, int attempt);

}  // namespace agentperf::sim
