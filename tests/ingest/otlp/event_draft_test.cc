// EventDraft -> Event: repaired strings and numbers, refused times, ids.
#include "ingest/otlp/event_draft.h"

#include <gtest/gtest.h>

#include <cmath>

#include "event/event_id.h"

namespace agentperf::otlp {
namespace {

using event::StrField;

constexpr int64_t kNowUs = 1795487400000000;

EventDraft Valid() {
  EventDraft d;
  d.start_us = kNowUs - 1000000;
  d.end_us = kNowUs;
  d.Set(StrField::kSessionId, "ses_1");
  d.Set(StrField::kSpanId, "otlp:t:s");
  return d;
}

TEST(OtlpEventDraftTest, AppendsAValidEventWithARule2Id) {
  EventDraft d = Valid();
  d.Set(StrField::kModel, "m");
  d.Set(event::IntField::kTokensOutput, 17);
  d.AttrBool("aux", true);
  d.AttrNumber("ms_to_finish", 5.5);
  event::EventBatch b;
  ASSERT_TRUE(AppendDraft(d, {}, kNowUs, &b));
  ASSERT_EQ(b.size(), 1u);
  const event::Event& e = b.events[0];
  EXPECT_EQ(e.Str(StrField::kModel), "m");
  EXPECT_EQ(e.Int(event::IntField::kTokensOutput), 17);
  EXPECT_EQ(e.attr_count, 2u);
  EXPECT_EQ(b.AttrsOf(e)[0].num, 1.0);
  EXPECT_EQ(e.id, event::SpanEventId(event::SpanKind::kLlmCall, "ses_1", "otlp:t:s"));
}

TEST(OtlpEventDraftTest, RepairsWhatAForeignSenderGetsWrong) {
  EventDraft d = Valid();
  d.Set(StrField::kAgent, std::string(300, 'a'));               // label over 256 bytes: cut
  d.Set(StrField::kTool, std::string("ba\x01sh"));              // control character: dropped
  d.Set(StrField::kProvider, std::string("\xff\xfe"));          // invalid UTF-8: dropped
  d.Set(StrField::kModel, std::string(255, 'x') + "\xc3\xa9");  // a 2-byte char across the limit: cut before it
  d.Set(event::IntField::kTokensInput, -5);
  d.Set(event::FloatField::kTtfcMs, std::nan(""));
  d.Set(event::FloatField::kCost, -1);
  for (int i = 0; i < 40; ++i) d.AttrNumber("k" + std::to_string(i), i);
  event::EventBatch b;
  ASSERT_TRUE(AppendDraft(d, {}, kNowUs, &b));
  const event::Event& e = b.events[0];
  EXPECT_EQ(e.Str(StrField::kAgent).size(), 256u);
  EXPECT_EQ(e.Str(StrField::kTool), "");
  EXPECT_EQ(e.Str(StrField::kProvider), "");
  EXPECT_EQ(e.Str(StrField::kModel), std::string(255, 'x'));
  EXPECT_EQ(e.Int(event::IntField::kTokensInput), event::kAbsentInt);
  EXPECT_TRUE(std::isnan(e.Float(event::FloatField::kCost)));
  EXPECT_EQ(e.attr_count, 32u);
}

TEST(OtlpEventDraftTest, RefusesUnusableTimes) {
  event::EventBatch b;
  EventDraft d = Valid();
  d.start_us = 0;  // before 2000
  EXPECT_FALSE(AppendDraft(d, {}, kNowUs, &b));
  d = Valid();
  d.end_us = d.start_us - 1;
  EXPECT_FALSE(AppendDraft(d, {}, kNowUs, &b));
  d = Valid();
  d.start_us = kNowUs + 2LL * 86400 * 1000000;
  d.end_us = d.start_us;
  EXPECT_FALSE(AppendDraft(d, {}, kNowUs, &b));
  EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace agentperf::otlp
