#include "sim/plan.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/hash.h"
#include "sim/script.h"
#include "sim/splitmix.h"

namespace agentperf::sim {

namespace {
constexpr double kMinTokensPerSecond = 0.1;
}  // namespace

double ResponsePlan::GenerationMs() const {
  if (tokens_per_s <= 0) return 0;
  return static_cast<double>(usage.completion_tokens) * 1000.0 / tokens_per_s;
}

ResponsePlan PlanResponse(const SimConfig& config, const ChatRequest& request, SessionState& state) {
  ResponsePlan p;
  const ScriptChoice choice = SelectScript(config, request);
  const StepChoice step = SelectStep(config, choice, request.step);
  const ModelConfig& model = config.Model(request.model);
  p.kind = std::string(ScriptKindName(choice.kind));
  p.agent = choice.agent;
  p.model = request.model;
  p.turn = request.turn;
  p.step = request.step;
  p.past_script_end = step.past_end;

  // Title calls run beside the agent's first step in the same session: they
  // are counted and cached apart.
  const std::string session_kind = request.session_id + (choice.kind == ScriptKind::kTitle ? "#title" : "#chat");
  p.attempt = state.NextAttempt(fmt::format("{}/{}/{}", session_kind, request.turn, request.step));
  const std::string sid = fmt::format("{:08x}", static_cast<uint32_t>(Hash64(request.session_id)));
  p.response_id = fmt::format("chatcmpl-sim-{}-{}{}-{}-{}", sid, choice.kind == ScriptKind::kTitle ? 't' : 'c',
                              request.turn, request.step, p.attempt);

  SplitMix64 rng(StreamSeed(config.seed, session_kind, (int64_t{request.turn} << 32) | request.step, p.attempt));
  const double u_rate_limit = rng.Uniform();
  const double u_error = rng.Uniform();
  p.ttfc_ms = model.ttfc_ms.Sample(rng);
  p.tokens_per_s = std::max(kMinTokensPerSecond, model.tokens_per_s.Sample(rng));

  if (auto st = ScriptedFailure(step.step, p.attempt)) {
    p.status = *st;
    p.error = "scripted";
  } else if (u_rate_limit < model.rate_limit_rate) {
    p.status = 429;
    p.error = "rate_limit";
  } else if (u_error < model.error_rate) {
    p.status = model.error_status;
    p.error = "error";
  }
  if (p.status == 429) p.retry_after_ms = model.retry_after_ms;
  if (p.status != 200) return p;

  p.text = step.step.text;
  for (size_t i = 0; i < step.step.tools.size(); ++i) {
    const auto& t = step.step.tools[i];
    p.tool_calls.push_back(
        PlannedToolCall{fmt::format("call_{}_{}_{}_{}", sid, request.turn, request.step, i), t.name, t.args_json});
    if (!request.OffersTool(t.name)) {
      p.warnings.push_back(fmt::format("tool '{}' is not among the request's tools", t.name));
    }
  }
  p.finish_reason = p.tool_calls.empty() ? "stop" : "tool_calls";
  p.usage.prompt_tokens = PromptTokens(request.prompt_bytes, model.chars_per_token);
  p.usage.completion_tokens = CompletionTokens(step.step);
  if (model.prefix_cache) p.usage.cached_tokens = state.TakeCached(session_kind, p.usage.prompt_tokens);
  return p;
}

}  // namespace agentperf::sim
