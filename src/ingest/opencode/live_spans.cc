#include "ingest/opencode/live_spans.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "event/event_id.h"
#include "ingest/opencode/event_check.h"

namespace agentperf::ingest::opencode {

using event::Attr;
using event::AttrType;
using event::SpanKind;
using event::SpanStatus;
using event::StrField;

namespace {

void SetStr(event::Event* e, StrField f, std::string_view v) {
  e->str[static_cast<int>(f)] = v;
}

// Checks, ids and copies a span whose strings are views of the caller's.
Status Finish(event::Event e, const std::vector<Attr>& attrs, const SpanContext& ctx, event::EventBatch* out) {
  static const event::Limits kDefaults;
  SetStr(&e, StrField::kSource, ctx.source);
  AP_RETURN_IF_ERROR(CheckEvent(e, attrs.data(), ctx.limits ? *ctx.limits : kDefaults, ctx.now_ms * 1000));
  e.id = event::SpanEventId(e.kind, e.Str(StrField::kSessionId), e.Str(StrField::kSpanId));
  for (auto& s : e.str) {
    if (!s.empty()) s = out->arena.Copy(s);
  }
  e.attr_begin = static_cast<uint32_t>(out->attrs.size());
  e.attr_count = static_cast<uint32_t>(attrs.size());
  for (Attr a : attrs) {
    a.key = out->arena.Copy(a.key);
    if (a.type == AttrType::kString) a.str = out->arena.Copy(a.str);
    out->attrs.push_back(a);
  }
  out->events.push_back(e);
  return Status::OK();
}

void AddStr(std::vector<Attr>* attrs, std::string_view k, std::string_view v) {
  if (!v.empty()) attrs->push_back(Attr{k, AttrType::kString, v, 0});
}
void AddNum(std::vector<Attr>* attrs, std::string_view k, double v) {
  attrs->push_back(Attr{k, AttrType::kNumber, {}, v});
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::string RetryErrorClass(std::string_view message, int* status_code) {
  *status_code = -1;
  for (size_t i = 0; i < message.size();) {
    if (!IsDigit(message[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < message.size() && IsDigit(message[j])) ++j;
    if (j - i == 3) {
      int code = (message[i] - '0') * 100 + (message[i + 1] - '0') * 10 + (message[i + 2] - '0');
      if (code >= 400 && code <= 599) {
        *status_code = code;
        return fmt::format("http_{}", code);
      }
    }
    i = j;
  }
  return "provider_error";
}

std::string RetrySpanId(const RetryAttempt& r) {
  return fmt::format("{}:retry:{}", r.message_id.empty() ? r.session_id : r.message_id, r.attempt);
}

Status AppendPermissionWait(const PermissionWait& p, const SpanContext& ctx, event::EventBatch* out) {
  event::Event e;
  e.kind = SpanKind::kPermissionWait;
  e.start_us = p.start_ms * 1000;
  e.end_us = std::max(p.end_ms, p.start_ms) * 1000;
  SetStr(&e, StrField::kSessionId, p.session_id);
  SetStr(&e, StrField::kSpanId, p.request_id);
  SetStr(&e, StrField::kParentSpanId, p.part_id);
  SetStr(&e, StrField::kMessageId, p.message_id);
  SetStr(&e, StrField::kAgent, p.agent);
  SetStr(&e, StrField::kModel, p.model);
  SetStr(&e, StrField::kProvider, p.provider);
  SetStr(&e, StrField::kTool, p.tool);
  if (p.reply == "reject") {
    e.status = SpanStatus::kError;
    SetStr(&e, StrField::kErrorClass, "permission_rejected");
  } else if (p.reply.empty()) {
    e.status = SpanStatus::kCancelled;
  }
  std::vector<Attr> attrs;
  AddStr(&attrs, "permission", p.permission);
  AddStr(&attrs, "reply", p.reply);
  AddStr(&attrs, "call_id", p.call_id);
  if (p.time_from_clock) AddStr(&attrs, "time_src", "clock");
  return Finish(e, attrs, ctx, out);
}

Status AppendRetry(const RetryAttempt& r, const SpanContext& ctx, event::EventBatch* out) {
  const std::string span_id = RetrySpanId(r);
  int code = -1;
  const std::string error_class = RetryErrorClass(r.message, &code);
  event::Event e;
  e.kind = SpanKind::kRetry;
  e.status = SpanStatus::kError;
  e.start_us = r.start_ms * 1000;
  e.end_us = std::max(r.next_ms, r.start_ms) * 1000;
  SetStr(&e, StrField::kSessionId, r.session_id);
  SetStr(&e, StrField::kSpanId, span_id);
  SetStr(&e, StrField::kParentSpanId, r.message_id);
  SetStr(&e, StrField::kMessageId, r.message_id);
  SetStr(&e, StrField::kAgent, r.agent);
  SetStr(&e, StrField::kModel, r.model);
  SetStr(&e, StrField::kProvider, r.provider);
  SetStr(&e, StrField::kErrorClass, error_class);
  std::vector<Attr> attrs;
  AddNum(&attrs, "attempt", static_cast<double>(r.attempt));
  if (code >= 0) AddNum(&attrs, "status_code", code);
  AddStr(&attrs, "action_reason", r.action_reason);
  if (r.time_from_clock) AddStr(&attrs, "time_src", "clock");
  return Finish(e, attrs, ctx, out);
}

namespace {

void CopyWith(const event::EventBatch& src, event::Event e, const std::vector<Attr>& extra, event::EventBatch* out) {
  const Attr* a = src.AttrsOf(e);
  const uint32_t n = e.attr_count;
  for (auto& s : e.str) {
    if (!s.empty()) s = out->arena.Copy(s);
  }
  e.attr_begin = static_cast<uint32_t>(out->attrs.size());
  e.attr_count = n + static_cast<uint32_t>(extra.size());
  auto push = [&](Attr x) {
    x.key = out->arena.Copy(x.key);
    if (x.type == AttrType::kString) x.str = out->arena.Copy(x.str);
    out->attrs.push_back(x);
  };
  for (uint32_t i = 0; i < n; ++i) push(a[i]);
  for (const Attr& x : extra) push(x);
  out->events.push_back(e);
}

}  // namespace

void CopyEvent(const event::EventBatch& src, const event::Event& e, event::EventBatch* out) {
  CopyWith(src, e, {}, out);
}

void AppendAdjustedToolCall(const event::EventBatch& src, const event::Event& e, int64_t wait_ms, bool rejected,
                            event::EventBatch* out) {
  event::Event adj = e;
  const int64_t wall_us = e.end_us - e.start_us;
  adj.end_us = std::max(e.start_us, e.end_us - std::max<int64_t>(0, wait_ms) * 1000);
  if (rejected && adj.status == SpanStatus::kError) SetStr(&adj, StrField::kErrorClass, "permission_rejected");
  std::vector<Attr> extra;
  AddNum(&extra, "permission_wait_ms", static_cast<double>(wait_ms));
  AddNum(&extra, "wall_ms", static_cast<double>(wall_us / 1000));
  CopyWith(src, adj, extra, out);
}

}  // namespace agentperf::ingest::opencode
