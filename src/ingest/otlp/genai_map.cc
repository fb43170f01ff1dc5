#include "ingest/otlp/genai_map.h"

#include <algorithm>

namespace agentperf::otlp {

using event::IntField;
using event::SpanKind;
using event::StrField;

namespace {

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

bool KindOf(std::string_view op, SpanKind* kind) {
  if (op == "chat" || op == "text_completion" || op == "generate_content") {
    *kind = SpanKind::kLlmCall;
  } else if (op == "execute_tool") {
    *kind = SpanKind::kToolCall;
  } else if (op == "invoke_agent") {
    *kind = SpanKind::kTurn;
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool IsGenAiSpan(const TracesRequest& req, const Span& span) {
  if (req.ResourceOf(span).service_name == kOpenCodeService) return false;
  SpanKind kind;
  return KindOf(Str(req, span, "gen_ai.operation.name"), &kind);
}

std::optional<EventDraft> GenAiDraft(const TracesRequest& req, const Span& s) {
  if (req.ResourceOf(s).service_name == kOpenCodeService) return std::nullopt;
  EventDraft d;
  if (!KindOf(Str(req, s, "gen_ai.operation.name"), &d.kind)) return std::nullopt;
  d.start_us = s.start_ns / 1000;
  d.end_us = s.end_ns / 1000;
  d.status = s.status == SpanStatusCode::kError ? event::SpanStatus::kError : event::SpanStatus::kOk;
  d.Set(StrField::kSessionId, Str(req, s, "gen_ai.conversation.id"));
  d.Set(StrField::kSpanId, "otlp:" + s.trace_id + ":" + s.span_id);
  if (!s.parent_span_id.empty()) d.Set(StrField::kParentSpanId, "otlp:" + s.trace_id + ":" + s.parent_span_id);
  d.Set(StrField::kAgent, Str(req, s, "gen_ai.agent.name"));
  std::string_view model = Str(req, s, "gen_ai.response.model");
  if (model.empty()) model = Str(req, s, "gen_ai.request.model");
  d.Set(StrField::kModel, model);
  std::string_view provider = Str(req, s, "gen_ai.provider.name");
  if (provider.empty()) provider = Str(req, s, "gen_ai.system");
  d.Set(StrField::kProvider, provider);
  d.Set(StrField::kTool, Str(req, s, "gen_ai.tool.name"));
  d.Set(StrField::kSource, "otlp");
  std::string_view error_type = Str(req, s, "error.type");
  if (!error_type.empty()) {
    d.Set(StrField::kErrorClass, error_type);
    d.status = event::SpanStatus::kError;
  }
  if (d.kind == SpanKind::kLlmCall) {
    int64_t input = Count(req, s, "gen_ai.usage.input_tokens");
    int64_t cache_read = Count(req, s, "gen_ai.usage.cache_read.input_tokens");
    if (input >= 0) d.Set(IntField::kTokensInput, std::max<int64_t>(0, input - std::max<int64_t>(0, cache_read)));
    d.Set(IntField::kTokensOutput, Count(req, s, "gen_ai.usage.output_tokens"));
    d.Set(IntField::kTokensCacheRead, cache_read);
    d.Set(IntField::kTokensCacheWrite, Count(req, s, "gen_ai.usage.cache_creation.input_tokens"));
    d.Set(IntField::kTokensReasoning, Count(req, s, "gen_ai.usage.reasoning.output_tokens"));
    std::string_view response_id = Str(req, s, "gen_ai.response.id");
    if (!response_id.empty()) d.AttrString("response_id", response_id);
    const Value* finish = req.Attr(s, "gen_ai.response.finish_reasons");
    if (finish != nullptr && (finish->type == ValueType::kArray || finish->type == ValueType::kString) &&
        !finish->str.empty()) {
      d.AttrString("finish", finish->str);
    }
  }
  if (d.kind == SpanKind::kToolCall) {
    std::string_view call_id = Str(req, s, "gen_ai.tool.call.id");
    if (!call_id.empty()) d.AttrString("call_id", call_id);
  }
  return d;
}

}  // namespace agentperf::otlp
