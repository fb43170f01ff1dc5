#include "ingest/opencode/live_spans.h"

#include <gtest/gtest.h>

#include "event/event_id.h"
#include "ingest/opencode/sse_fixture.h"

namespace agentperf::ingest::opencode {
namespace {

using event::SpanKind;
using event::SpanStatus;
using event::StrField;
using testing::FindAttr;

constexpr int64_t kNow = 1795487410000;

TEST(LiveSpans, RetryErrorClassFindsAStandaloneHttpStatus) {
  int code = 0;
  EXPECT_EQ(RetryErrorClass("Too Many Requests (429)", &code), "http_429");
  EXPECT_EQ(code, 429);
  EXPECT_EQ(RetryErrorClass("503 Service Unavailable", &code), "http_503");
  EXPECT_EQ(code, 503);
  EXPECT_EQ(RetryErrorClass("overloaded after 1429 ms, 200 ok", &code), "provider_error");  // 1429 is not 429
  EXPECT_EQ(code, -1);
  EXPECT_EQ(RetryErrorClass("", &code), "provider_error");
}

TEST(LiveSpans, PermissionWaitFields) {
  PermissionWait p;
  p.session_id = "ses_x";
  p.request_id = "per_1";
  p.part_id = "prt_1";
  p.message_id = "msg_1";
  p.call_id = "call_1";
  p.tool = "bash";
  p.permission = "bash";
  p.agent = "coder";
  p.reply = "always";
  p.start_ms = 1000000000000;
  p.end_ms = 1000000000500;
  event::EventBatch out;
  ASSERT_TRUE(AppendPermissionWait(p, SpanContext{"sse", nullptr, kNow}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  const event::Event& e = out.events[0];
  EXPECT_EQ(e.kind, SpanKind::kPermissionWait);
  EXPECT_EQ(e.id, event::SpanEventId(SpanKind::kPermissionWait, "ses_x", "per_1"));
  EXPECT_EQ(e.duration_us(), 500000);
  EXPECT_EQ(e.status, SpanStatus::kOk);
  EXPECT_EQ(e.Str(StrField::kParentSpanId), "prt_1");
  EXPECT_EQ(e.Str(StrField::kSource), "sse");
  EXPECT_EQ(FindAttr(out, e, "reply")->str, "always");
  EXPECT_EQ(FindAttr(out, e, "time_src"), nullptr);

  p.reply = "";                // never answered
  p.end_ms = p.start_ms - 10;  // clamped
  p.time_from_clock = true;
  ASSERT_TRUE(AppendPermissionWait(p, SpanContext{"plugin", nullptr, kNow}, &out).ok());
  const event::Event& c = out.events[1];
  EXPECT_EQ(c.status, SpanStatus::kCancelled);
  EXPECT_EQ(c.duration_us(), 0);
  EXPECT_EQ(FindAttr(out, c, "time_src")->str, "clock");
  EXPECT_EQ(c.Str(StrField::kSource), "plugin");

  p.start_ms = 1;  // before 2000: refused by the limits
  EXPECT_FALSE(AppendPermissionWait(p, SpanContext{"sse", nullptr, kNow}, &out).ok());
  EXPECT_EQ(out.size(), 2u);
}

TEST(LiveSpans, RetryWithoutMessageUsesTheSession) {
  RetryAttempt r;
  r.session_id = "ses_y";
  r.attempt = 3;
  r.message = "server error";
  r.start_ms = 1000000000000;
  r.next_ms = 0;  // not later than start: end = start
  EXPECT_EQ(RetrySpanId(r), "ses_y:retry:3");
  event::EventBatch out;
  ASSERT_TRUE(AppendRetry(r, SpanContext{"sse", nullptr, kNow}, &out).ok());
  const event::Event& e = out.events[0];
  EXPECT_EQ(e.duration_us(), 0);
  EXPECT_EQ(e.status, SpanStatus::kError);
  EXPECT_EQ(e.Str(StrField::kErrorClass), "provider_error");
  EXPECT_EQ(FindAttr(out, e, "status_code"), nullptr);
  EXPECT_EQ(FindAttr(out, e, "attempt")->num, 3);
}

TEST(LiveSpans, AdjustedToolCallKeepsStartAndAttrs) {
  event::EventBatch src;
  event::Event e;
  e.kind = SpanKind::kToolCall;
  e.status = SpanStatus::kError;
  e.start_us = 1000000000000000;
  e.end_us = e.start_us + 1000000;
  std::string_view tool_error = src.arena.Copy("tool_error");
  e.str[static_cast<int>(StrField::kErrorClass)] = tool_error;
  e.str[static_cast<int>(StrField::kSpanId)] = src.arena.Copy("prt_9");
  e.attr_count = 1;
  src.attrs.push_back(event::Attr{src.arena.Copy("call_id"), event::AttrType::kString, src.arena.Copy("c9"), 0});
  src.events.push_back(e);

  event::EventBatch out;
  AppendAdjustedToolCall(src, src.events[0], 400, false, &out);
  AppendAdjustedToolCall(src, src.events[0], 5000, true, &out);  // longer than the tool: clamped
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out.events[0].start_us, e.start_us);
  EXPECT_EQ(out.events[0].duration_us(), 600000);
  EXPECT_EQ(out.events[0].Str(StrField::kErrorClass), "tool_error");
  ASSERT_EQ(out.events[0].attr_count, 3u);
  EXPECT_EQ(out.AttrsOf(out.events[0])[0].key, "call_id");
  EXPECT_EQ(FindAttr(out, out.events[0], "permission_wait_ms")->num, 400);
  EXPECT_EQ(FindAttr(out, out.events[0], "wall_ms")->num, 1000);
  EXPECT_EQ(out.events[1].duration_us(), 0);
  EXPECT_EQ(out.events[1].Str(StrField::kErrorClass), "permission_rejected");
  EXPECT_EQ(out.events[1].Str(StrField::kSpanId), "prt_9");
}

}  // namespace
}  // namespace agentperf::ingest::opencode
