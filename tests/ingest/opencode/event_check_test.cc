#include "ingest/opencode/event_check.h"

#include <gtest/gtest.h>

namespace agentperf::ingest::opencode {
namespace {

constexpr int64_t kNowUs = int64_t{1795487300000} * 1000;

event::Event Good() {
  event::Event e;
  e.kind = event::SpanKind::kToolCall;
  e.start_us = kNowUs - 5000000;
  e.end_us = kNowUs - 1000000;
  e.str[static_cast<int>(event::StrField::kSessionId)] = "ses_a";
  e.str[static_cast<int>(event::StrField::kTool)] = "bash";
  return e;
}

Status Check(const event::Event& e, const std::vector<event::Attr>& attrs = {}) {
  event::Event c = e;
  c.attr_count = static_cast<uint32_t>(attrs.size());
  return CheckEvent(c, attrs.data(), event::Limits{}, kNowUs);
}

TEST(EventCheck, AcceptsAValidEvent) {
  EXPECT_TRUE(Check(Good()).ok());
}

TEST(EventCheck, RefusesWhatTheDecoderWouldRefuse) {
  auto e = Good();
  e.start_us = 5;
  EXPECT_NE(Check(e).message().find("start_ms"), std::string::npos);
  e = Good();
  e.end_us = e.start_us - 1;
  EXPECT_NE(Check(e).message().find("end_ms"), std::string::npos);
  e = Good();
  e.start_us = kNowUs - int64_t{40} * 86400 * 1000000;
  EXPECT_NE(Check(e).message().find("31 days"), std::string::npos);
  e = Good();
  std::string long_label(257, 'x');
  e.str[static_cast<int>(event::StrField::kTool)] = long_label;
  EXPECT_NE(Check(e).message().find("tool"), std::string::npos);
  e = Good();
  e.str[static_cast<int>(event::StrField::kAgent)] = "a\nb";
  EXPECT_NE(Check(e).message().find("agent"), std::string::npos);
  e = Good();
  e.str[static_cast<int>(event::StrField::kAgent)] = "\xff\xfe";
  EXPECT_FALSE(Check(e).ok());
  e = Good();
  e.ints[static_cast<int>(event::IntField::kTokensInput)] = -5;
  EXPECT_NE(Check(e).message().find("tokens.input"), std::string::npos);
  e = Good();
  e.floats[static_cast<int>(event::FloatField::kCost)] = 2e9;
  EXPECT_NE(Check(e).message().find("cost"), std::string::npos);
  std::vector<event::Attr> attrs(33, event::Attr{"k", event::AttrType::kNumber, {}, 1});
  EXPECT_NE(Check(Good(), attrs).message().find("attrs"), std::string::npos);
  std::string big(5000, 'v');
  EXPECT_FALSE(Check(Good(), {event::Attr{"k", event::AttrType::kString, big, 0}}).ok());
}

}  // namespace
}  // namespace agentperf::ingest::opencode
