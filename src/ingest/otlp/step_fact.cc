#include "ingest/otlp/step_fact.h"

#include <simdjson.h>

namespace agentperf::otlp {

namespace {

constexpr size_t kMaxToolCallIds = 64;
constexpr size_t kMaxIdBytes = 256;

std::string_view Str(const TracesRequest& req, const Span& s, std::string_view key) {
  const Value* v = req.Attr(s, key);
  return v != nullptr && v->type == ValueType::kString ? v->str : std::string_view();
}

int64_t Count(const TracesRequest& req, const Span& s, std::string_view key) {
  const Value* v = req.Attr(s, key);
  int64_t n;
  if (v == nullptr || !v->AsInt(&n) || n < 0) return -1;
  return n;
}

double Number(const TracesRequest& req, const Span& s, std::string_view key) {
  const Value* v = req.Attr(s, key);
  double d;
  if (v == nullptr || !v->AsDouble(&d) || d < 0) return std::numeric_limits<double>::quiet_NaN();
  return d;
}

}  // namespace

size_t StepFact::ApproxBytes() const {
  size_t n = sizeof(StepFact);
  for (const std::string* s : {&trace_id, &span_id, &parent_span_id, &session_id, &parent_session_id, &model, &provider,
                               &response_id, &finish_reason}) {
    if (s->size() > 15) n += s->capacity() + 1;
  }
  n += tool_call_ids.capacity() * sizeof(std::string);
  for (const auto& id : tool_call_ids) n += id.size() > 15 ? id.capacity() + 1 : 0;
  return n;
}

std::vector<std::string> ParseToolCallIds(std::string_view json) {
  std::vector<std::string> ids;
  if (json.empty()) return ids;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size(), true).get(root) != simdjson::SUCCESS) return ids;
  simdjson::dom::array arr;
  if (root.get_array().get(arr) != simdjson::SUCCESS) return ids;
  for (simdjson::dom::element call : arr) {
    std::string_view id;
    if (call["toolCallId"].get_string().get(id) != simdjson::SUCCESS || id.empty() || id.size() > kMaxIdBytes) {
      continue;
    }
    if (ids.size() >= kMaxToolCallIds) break;
    ids.emplace_back(id);
  }
  return ids;
}

bool ExtractStepFact(const TracesRequest& req, const Span& s, StepFact* f) {
  if (s.name != kDoStreamSpan && Str(req, s, "ai.operationId") != kDoStreamSpan) return false;
  *f = StepFact{};
  f->trace_id = s.trace_id;
  f->span_id = s.span_id;
  f->parent_span_id = s.parent_span_id;
  f->session_id = std::string(Str(req, s, "session.id"));
  if (f->session_id.empty()) f->session_id = std::string(Str(req, s, "ai.telemetry.metadata.sessionId"));
  f->parent_session_id = std::string(Str(req, s, "ai.request.headers.x-parent-session-id"));
  f->model = std::string(Str(req, s, "ai.model.id"));
  if (f->model.empty()) f->model = std::string(Str(req, s, "gen_ai.request.model"));
  std::string_view provider = Str(req, s, "ai.model.provider");
  if (provider.empty()) provider = Str(req, s, "gen_ai.system");
  // The AI SDK names the provider "<id>.chat" (or ".responses", ...); OpenCode
  // calls it "<id>". Only ".chat" is observed (S:otlp/006), so only it is cut.
  constexpr std::string_view kChat = ".chat";
  if (provider.size() > kChat.size() && provider.substr(provider.size() - kChat.size()) == kChat) {
    provider.remove_suffix(kChat.size());
  }
  f->provider = std::string(provider);
  f->response_id = std::string(Str(req, s, "ai.response.id"));
  f->finish_reason = std::string(Str(req, s, "ai.response.finishReason"));
  f->start_us = s.start_ns / 1000;
  f->end_us = s.end_ns / 1000;
  f->ms_to_first_chunk = Number(req, s, "ai.response.msToFirstChunk");
  if (std::isnan(f->ms_to_first_chunk)) {
    // The ai.stream.firstChunk event carries it too, and has a time.
    for (uint32_t i = s.event_begin; i < s.event_begin + s.event_count; ++i) {
      const SpanEventRecord& ev = req.events[i];
      if (ev.name != "ai.stream.firstChunk") continue;
      double d;
      if (const Value* v = req.Attr(ev, "ai.response.msToFirstChunk"); v != nullptr && v->AsDouble(&d) && d >= 0) {
        f->ms_to_first_chunk = d;
      } else if (ev.time_ns >= s.start_ns && ev.time_ns > 0) {
        f->ms_to_first_chunk = static_cast<double>(ev.time_ns - s.start_ns) / 1e6;
      }
      break;
    }
  }
  f->ms_to_finish = Number(req, s, "ai.response.msToFinish");
  f->tokens_per_s = Number(req, s, "ai.response.avgOutputTokensPerSecond");
  f->output = Count(req, s, "ai.usage.outputTokens");
  f->reasoning = Count(req, s, "ai.usage.reasoningTokens");
  if (f->reasoning < 0) f->reasoning = Count(req, s, "ai.usage.outputTokenDetails.reasoningTokens");
  f->cache_read = Count(req, s, "ai.usage.cachedInputTokens");
  if (f->cache_read < 0) f->cache_read = Count(req, s, "ai.usage.inputTokenDetails.cacheReadTokens");
  f->input_no_cache = Count(req, s, "ai.usage.inputTokenDetails.noCacheTokens");
  if (f->input_no_cache < 0) {
    int64_t total = Count(req, s, "ai.usage.inputTokens");
    if (total >= 0) f->input_no_cache = total - std::max<int64_t>(f->cache_read, 0);
    if (f->input_no_cache < 0 && total >= 0) f->input_no_cache = 0;
  }
  f->tool_call_ids = ParseToolCallIds(Str(req, s, "ai.response.toolCalls"));
  const Value* tools = req.Attr(s, "ai.prompt.tools");
  f->has_tools = tools != nullptr && tools->type != ValueType::kEmpty &&
                 !(tools->type == ValueType::kArray && tools->size == 0) &&
                 !(tools->type == ValueType::kString && (tools->str.empty() || tools->str == "[]"));
  f->failed = s.status == SpanStatusCode::kError;
  return true;
}

}  // namespace agentperf::otlp
