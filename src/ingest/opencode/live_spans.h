// The spans only a live source can see (docs/watch.md; design §1.5-1.7, §3.8):
//  * permission_wait: a tool waiting for a human; span id = the permission
//    request id (per_...), times decoded from OpenCode ids;
//  * retry: a failed model request that OpenCode retries; span id =
//    "<assistant msg id>:retry:<attempt>";
//  * the permission adjustment of a tool_call built by SpanBuilder: its end
//    moves earlier by the waits, attrs permission_wait_ms and wall_ms are
//    appended (so tool_call + permission_wait = wall time).
// Every event is checked against docs/events.md limits (CheckEvent) and gets
// SpanEventId(kind, session id, span id), exactly like SpanBuilder's.
//
// Thread-safety: pure functions (they only write *out).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "event/event.h"
#include "event/fields.h"

namespace agentperf::ingest::opencode {

struct SpanContext {  // what every live span shares
  std::string_view source = "sse";
  const event::Limits* limits = nullptr;  // nullptr = defaults
  int64_t now_ms = 0;
};

struct PermissionWait {
  std::string session_id, request_id;                          // per_...
  std::string part_id, message_id, call_id, tool, permission;  // empty when unknown / no tool
  std::string agent, model, provider;                          // of the owning assistant message
  std::string reply;                                           // once | always | reject; empty = no reply (cancelled)
  int64_t start_ms = 0, end_ms = 0;
  bool time_from_clock = false;  // a time fell back to the local clock
};

struct RetryAttempt {
  std::string session_id, message_id;  // message: the assistant message being retried ("" = unknown)
  std::string agent, model, provider;
  int64_t attempt = 0;
  std::string message;        // status.message (only parsed for an HTTP status, never stored)
  std::string action_reason;  // status.action.reason
  int64_t start_ms = 0, next_ms = 0;
  bool time_from_clock = false;
};

// "http_<code>" for the first stand-alone 4xx/5xx number in `message`
// (*status_code set), else "provider_error" (*status_code = -1).
std::string RetryErrorClass(std::string_view message, int* status_code);

// The retry span id: "<message id>:retry:<attempt>" ("<session id>:retry:<attempt>" without a message).
std::string RetrySpanId(const RetryAttempt& r);

Status AppendPermissionWait(const PermissionWait& p, const SpanContext& ctx, event::EventBatch* out);
Status AppendRetry(const RetryAttempt& r, const SpanContext& ctx, event::EventBatch* out);

// Copies event `e` of `src` into *out (strings and attributes into out's arena).
void CopyEvent(const event::EventBatch& src, const event::Event& e, event::EventBatch* out);

// Copies the tool_call `e` of `src` into *out with the permission adjustment:
// end = max(start, end - wait_ms), attrs permission_wait_ms = wait_ms and
// wall_ms = end - start (unadjusted); when `rejected` and the tool failed,
// error_class = "permission_rejected".
void AppendAdjustedToolCall(const event::EventBatch& src, const event::Event& e, int64_t wait_ms, bool rejected,
                            event::EventBatch* out);

}  // namespace agentperf::ingest::opencode
