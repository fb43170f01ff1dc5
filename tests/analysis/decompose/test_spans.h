// Builders of hand-made spans for the decomposition tests. Times are given in
// milliseconds after kT0 (a fixed epoch time) and stored in microseconds.
// Thread-safety: pure functions.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "analysis/decompose/span.h"

namespace agentperf::analysis::decompose::testing {

inline constexpr int64_t kT0 = 1'795'487'000'000'000;  // µs since the epoch
inline int64_t At(double ms) { return kT0 + std::llround(ms * 1000); }
inline int64_t Us(double ms) { return std::llround(ms * 1000); }

inline Span Make(event::SpanKind kind, std::string session, std::string id, std::string parent, double start_ms,
                 double end_ms) {
  Span s;
  s.kind = kind;
  s.session_id = std::move(session);
  s.span_id = std::move(id);
  s.parent_span_id = std::move(parent);
  s.start_us = At(start_ms);
  s.end_us = At(end_ms);
  return s;
}

inline Span SessionSpan(std::string id, std::string agent, double start_ms, double end_ms,
                        std::string parent_session = "") {
  Span s = Make(event::SpanKind::kSession, id, id, "", start_ms, end_ms);
  s.agent = std::move(agent);
  s.parent_session_id = std::move(parent_session);
  return s;
}

inline Span TurnSpan(std::string session, std::string id, std::string agent, double start_ms, double end_ms) {
  Span s = Make(event::SpanKind::kTurn, std::move(session), std::move(id), "", start_ms, end_ms);
  s.agent = std::move(agent);
  return s;
}

inline Span LlmSpan(std::string session, std::string id, std::string turn, double start_ms, double end_ms,
                    double ttfc_ms = std::numeric_limits<double>::quiet_NaN()) {
  Span s = Make(event::SpanKind::kLlmCall, std::move(session), std::move(id), std::move(turn), start_ms, end_ms);
  s.model = "sim-large";
  s.ttfc_ms = ttfc_ms;
  return s;
}

inline Span ToolSpan(std::string session, std::string id, std::string llm, std::string tool, double start_ms,
                     double end_ms) {
  Span s = Make(event::SpanKind::kToolCall, std::move(session), std::move(id), std::move(llm), start_ms, end_ms);
  s.tool = std::move(tool);
  return s;
}

inline Span TaskSpan(std::string session, std::string id, std::string llm, std::string child, double start_ms,
                     double end_ms) {
  Span s = ToolSpan(std::move(session), std::move(id), std::move(llm), "task", start_ms, end_ms);
  s.child_session_id = std::move(child);
  return s;
}

inline Span PermissionSpan(std::string session, std::string id, std::string tool_span, double start_ms,
                           double end_ms) {
  Span s = Make(event::SpanKind::kPermissionWait, std::move(session), std::move(id), std::move(tool_span), start_ms,
                end_ms);
  s.tool = "bash";
  return s;
}

inline Span RetrySpan(std::string session, std::string id, std::string llm, double start_ms, double end_ms) {
  return Make(event::SpanKind::kRetry, std::move(session), std::move(id), std::move(llm), start_ms, end_ms);
}

inline Span CompactionSpan(std::string session, std::string id, double start_ms, double end_ms) {
  return Make(event::SpanKind::kCompaction, std::move(session), std::move(id), "", start_ms, end_ms);
}

}  // namespace agentperf::analysis::decompose::testing
