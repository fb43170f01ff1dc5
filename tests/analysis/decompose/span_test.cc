#include "analysis/decompose/span.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace agentperf::analysis::decompose {
namespace {

using event::Attr;
using event::AttrType;
using event::Event;
using event::EventBatch;
using event::SpanKind;
using event::StrField;

void SetStr(EventBatch& b, Event& e, StrField f, std::string_view v) { e.str[static_cast<int>(f)] = b.arena.Copy(v); }

void AddAttr(EventBatch& b, Event& e, std::string_view key, std::string_view str) {
  if (e.attr_count == 0) e.attr_begin = static_cast<uint32_t>(b.attrs.size());
  b.attrs.push_back({b.arena.Copy(key), AttrType::kString, b.arena.Copy(str), 0});
  ++e.attr_count;
}

void AddAttr(EventBatch& b, Event& e, std::string_view key, double num) {
  if (e.attr_count == 0) e.attr_begin = static_cast<uint32_t>(b.attrs.size());
  b.attrs.push_back({b.arena.Copy(key), AttrType::kNumber, {}, num});
  ++e.attr_count;
}

TEST(SpanTest, CopiesFieldsAndReadsAttributes) {
  EventBatch b;
  Event e;
  e.kind = SpanKind::kToolCall;
  e.status = event::SpanStatus::kError;
  e.start_us = 1000;
  e.end_us = 1214;
  SetStr(b, e, StrField::kSessionId, "ses_a");
  SetStr(b, e, StrField::kParentSessionId, "ses_p");
  SetStr(b, e, StrField::kSpanId, "prt_1");
  SetStr(b, e, StrField::kParentSpanId, "msg_2");
  SetStr(b, e, StrField::kMessageId, "msg_2");
  SetStr(b, e, StrField::kAgent, "tester");
  SetStr(b, e, StrField::kModel, "sim-large");
  SetStr(b, e, StrField::kProvider, "sim");
  SetStr(b, e, StrField::kTool, "task");
  AddAttr(b, e, "call_id", "call_1");
  AddAttr(b, e, "child_session_id", "ses_child");
  AddAttr(b, e, "wall_ms", 8.734);
  AddAttr(b, e, "permission_wait_ms", 8.52);
  b.events.push_back(e);

  Span s = SpanFromEvent(b, b.events[0]);
  EXPECT_EQ(s.kind, SpanKind::kToolCall);
  EXPECT_EQ(s.status, event::SpanStatus::kError);
  EXPECT_EQ(s.start_us, 1000);
  EXPECT_EQ(s.end_us, 1214);
  EXPECT_EQ(s.session_id, "ses_a");
  EXPECT_EQ(s.parent_session_id, "ses_p");
  EXPECT_EQ(s.span_id, "prt_1");
  EXPECT_EQ(s.parent_span_id, "msg_2");
  EXPECT_EQ(s.message_id, "msg_2");
  EXPECT_EQ(s.agent, "tester");
  EXPECT_EQ(s.model, "sim-large");
  EXPECT_EQ(s.provider, "sim");
  EXPECT_EQ(s.tool, "task");
  EXPECT_EQ(s.child_session_id, "ses_child");
  EXPECT_DOUBLE_EQ(s.wall_ms, 8.734);
  EXPECT_DOUBLE_EQ(s.permission_wait_ms, 8.52);
  EXPECT_EQ(s.tools_ms, -1);
  EXPECT_TRUE(std::isnan(s.ttfc_ms));
  EXPECT_EQ(s.TtfcUs(), -1);
  EXPECT_EQ(s.RealEndUs(), 1000 + 8734);  // the real interval includes the wait
}

TEST(SpanTest, StringsOutliveTheBatch) {
  Span s;
  {
    EventBatch b;
    Event e;
    e.kind = SpanKind::kLlmCall;
    SetStr(b, e, StrField::kSpanId, "msg_x");
    e.floats[static_cast<int>(event::FloatField::kTtfcMs)] = 412.5;
    AddAttr(b, e, "tools_ms", 300.0);
    b.events.push_back(e);
    s = SpanFromEvent(b, b.events[0]);
  }
  EXPECT_EQ(s.span_id, "msg_x");
  EXPECT_DOUBLE_EQ(s.ttfc_ms, 412.5);
  EXPECT_EQ(s.TtfcUs(), 412500);
  EXPECT_DOUBLE_EQ(s.tools_ms, 300.0);
}

TEST(SpanTest, BadNumbersAreAbsentAndWrongTypesIgnored) {
  EventBatch b;
  Event e;
  e.kind = SpanKind::kToolCall;
  e.start_us = 10;
  e.end_us = 20;
  AddAttr(b, e, "wall_ms", -5.0);
  AddAttr(b, e, "permission_wait_ms", std::numeric_limits<double>::infinity());
  AddAttr(b, e, "tools_ms", "12");           // a string: ignored
  AddAttr(b, e, "child_session_id", 3.0);    // a number: ignored
  e.floats[static_cast<int>(event::FloatField::kTtfcMs)] = -1;
  b.events.push_back(e);
  Span s = SpanFromEvent(b, b.events[0]);
  EXPECT_EQ(s.wall_ms, -1);
  EXPECT_EQ(s.permission_wait_ms, -1);
  EXPECT_EQ(s.tools_ms, -1);
  EXPECT_EQ(s.child_session_id, "");
  EXPECT_TRUE(std::isnan(s.ttfc_ms));
  EXPECT_EQ(s.RealEndUs(), 20);  // no wall_ms: the stored end
}

TEST(SpanTest, RealEndOnlyForToolCallsAndClampedToStart) {
  Span s;
  s.kind = SpanKind::kToolCall;
  s.start_us = 100;
  s.end_us = 90;
  s.wall_ms = 0;
  EXPECT_EQ(s.RealEndUs(), 100);
  s.kind = SpanKind::kLlmCall;
  s.wall_ms = 5;
  EXPECT_EQ(s.RealEndUs(), 90);  // wall_ms is a tool attribute only
}

TEST(SpanTest, SessionSpanIdDefaultsToSessionIdAndSamplesAreSkipped) {
  EventBatch b;
  Event session;
  session.kind = SpanKind::kSession;
  SetStr(b, session, StrField::kSessionId, "ses_a");
  Event sample;
  sample.kind = SpanKind::kSample;
  SetStr(b, sample, StrField::kSessionId, "ses_a");
  b.events = {session, sample};
  auto spans = SpansFromBatch(b);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].span_id, "ses_a");
}

TEST(SpanTest, MsToUsRounds) {
  EXPECT_EQ(MsToUs(1.0004), 1000);
  EXPECT_EQ(MsToUs(1.0006), 1001);
  EXPECT_EQ(MsToUs(8734), 8734000);
}

}  // namespace
}  // namespace agentperf::analysis::decompose
