#include "sim/script.h"

namespace agentperf::sim {

std::string_view ScriptKindName(ScriptKind kind) {
  switch (kind) {
    case ScriptKind::kTitle:
      return "title";
    case ScriptKind::kTrigger:
      return "trigger";
    case ScriptKind::kAgent:
      return "agent";
    case ScriptKind::kDefault:
      return "default";
  }
  return "?";
}

ScriptChoice SelectScript(const SimConfig& config, const ChatRequest& request) {
  ScriptChoice c;
  if (!request.has_tools()) {
    c.kind = ScriptKind::kTitle;
    c.agent = "title";
    return c;
  }
  const std::string_view user = request.LastUserText();
  for (const auto& t : config.triggers) {
    if (user.find(t.user_contains) != std::string_view::npos) {
      c.kind = ScriptKind::kTrigger;
      c.agent = t.agent.empty() ? "trigger" : t.agent;
      c.script = &t.script;
      return c;
    }
  }
  const std::string system = request.SystemText();
  for (const auto& a : config.agents) {
    if (system.find(a.match) != std::string::npos) {
      c.kind = ScriptKind::kAgent;
      c.agent = a.name;
      c.script = &a.script;
      return c;
    }
  }
  c.kind = ScriptKind::kDefault;
  c.agent = "default";
  c.script = &config.default_script;
  return c;
}

StepChoice SelectStep(const SimConfig& config, const ScriptChoice& choice, int step) {
  StepChoice s;
  if (choice.kind == ScriptKind::kTitle || choice.script == nullptr) {
    s.step.text = config.title_text;
    return s;
  }
  const auto& steps = choice.script->steps;
  if (step >= 0 && static_cast<size_t>(step) < steps.size()) {
    s.step = steps[static_cast<size_t>(step)];
    return s;
  }
  s.past_end = true;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (!it->text.empty()) {
      s.step.text = it->text;
      s.step.output_tokens = it->output_tokens;
      return s;
    }
  }
  s.step.text = "OK";
  return s;
}

std::optional<int> ScriptedFailure(const StepSpec& step, int attempt) {
  int first = 0;
  for (const auto& f : step.fail) {
    if (attempt < first + f.attempts) return f.status;
    first += f.attempts;
  }
  return std::nullopt;
}

}  // namespace agentperf::sim
