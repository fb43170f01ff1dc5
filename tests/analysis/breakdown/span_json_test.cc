#include "analysis/breakdown/span_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace agentperf::analysis {
namespace {

TEST(SpanJson, RoundTripsEveryField) {
  decompose::Span a;
  a.kind = event::SpanKind::kToolCall;
  a.status = event::SpanStatus::kError;
  a.start_us = 1795487000000123;
  a.end_us = 1795487000900456;
  a.session_id = "ses_a";
  a.parent_session_id = "ses_p";
  a.span_id = "prt_1";
  a.parent_span_id = "msg_1";
  a.message_id = "msg_1";
  a.agent = "coder";
  a.model = "m";
  a.provider = "p";
  a.tool = "task";
  a.child_session_id = "ses_c";
  a.wall_ms = 900.5;
  a.permission_wait_ms = 12;
  a.tools_ms = 3;
  a.first_part_ms = 40;
  a.ttfc_ms = 20.25;
  decompose::Span b;  // defaults: absent numbers and strings are left out
  b.kind = event::SpanKind::kSession;
  JsonWriter w;
  WriteSpansJson({a, b}, &w);
  EXPECT_EQ(w.str().find("\"tool\":\"\""), std::string::npos);
  auto back = ParseSpansJson(w.str());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 2u);
  const decompose::Span& x = (*back)[0];
  EXPECT_EQ(x.kind, a.kind);
  EXPECT_EQ(x.status, a.status);
  EXPECT_EQ(x.start_us, a.start_us);
  EXPECT_EQ(x.end_us, a.end_us);
  EXPECT_EQ(x.session_id, a.session_id);
  EXPECT_EQ(x.parent_session_id, a.parent_session_id);
  EXPECT_EQ(x.span_id, a.span_id);
  EXPECT_EQ(x.parent_span_id, a.parent_span_id);
  EXPECT_EQ(x.message_id, a.message_id);
  EXPECT_EQ(x.agent, a.agent);
  EXPECT_EQ(x.model, a.model);
  EXPECT_EQ(x.provider, a.provider);
  EXPECT_EQ(x.tool, a.tool);
  EXPECT_EQ(x.child_session_id, a.child_session_id);
  EXPECT_EQ(x.wall_ms, a.wall_ms);
  EXPECT_EQ(x.permission_wait_ms, a.permission_wait_ms);
  EXPECT_EQ(x.tools_ms, a.tools_ms);
  EXPECT_EQ(x.first_part_ms, a.first_part_ms);
  EXPECT_EQ(x.ttfc_ms, a.ttfc_ms);
  const decompose::Span& y = (*back)[1];
  EXPECT_EQ(y.wall_ms, -1);
  EXPECT_TRUE(std::isnan(y.ttfc_ms));
}

TEST(SpanJson, RejectsWhatIsNotASpanList) {
  EXPECT_FALSE(ParseSpansJson("{}").ok());
  EXPECT_FALSE(ParseSpansJson("[{\"kind\":\"nope\",\"start_us\":1,\"end_us\":2}]").ok());
  EXPECT_FALSE(ParseSpansJson("[{\"kind\":\"turn\",\"start_us\":1}]").ok());
  EXPECT_FALSE(ParseSpansJson("[").ok());
}

}  // namespace
}  // namespace agentperf::analysis
