// Generic gen_ai.* spans of other agents (design §6.5) to events.
#include "ingest/otlp/genai_map.h"

#include <gtest/gtest.h>

#include "ingest/otlp/testdata.h"

namespace agentperf::otlp {
namespace {

using event::IntField;
using event::SpanKind;
using event::StrField;

TracesRequest Decode(const std::string& body) {
  static OtlpJsonDecoder dec;
  static std::string keep;
  keep = body;
  TracesRequest r;
  EXPECT_TRUE(dec.DecodeTraces(keep, keep.size(), &r).ok());
  return r;
}

std::string S(const EventDraft& d, StrField f) {
  return d.str[static_cast<int>(f)];
}
int64_t I(const EventDraft& d, IntField f) {
  return d.ints[static_cast<int>(f)];
}

TEST(OtlpGenAiTest, ChatSpanBecomesAnLlmCall) {
  testdata::SpanJson chat;
  chat.parent = "00000000000000aa";
  chat.Str("gen_ai.operation.name", "chat")
      .Str("gen_ai.conversation.id", "conv-1")
      .Str("gen_ai.agent.name", "reviewer")
      .Str("gen_ai.request.model", "claude-sonnet-4")
      .Str("gen_ai.response.model", "claude-sonnet-4-20250514")
      .Str("gen_ai.provider.name", "anthropic")
      .Int("gen_ai.usage.input_tokens", 1000, /*as_string=*/true)
      .Int("gen_ai.usage.cache_read.input_tokens", 600)
      .Int("gen_ai.usage.cache_creation.input_tokens", 50)
      .Int("gen_ai.usage.output_tokens", 42)
      .Str("gen_ai.response.id", "msg_01")
      .Str("gen_ai.input.messages", "SECRET PROMPT");
  TracesRequest r = Decode(testdata::TracesJson("claude-code", {chat}));
  ASSERT_EQ(r.spans.size(), 1u);
  ASSERT_TRUE(IsGenAiSpan(r, r.spans[0]));
  auto d = GenAiDraft(r, r.spans[0]);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, SpanKind::kLlmCall);
  EXPECT_EQ(S(*d, StrField::kSessionId), "conv-1");
  EXPECT_EQ(S(*d, StrField::kAgent), "reviewer");
  EXPECT_EQ(S(*d, StrField::kModel), "claude-sonnet-4-20250514");  // the response model wins
  EXPECT_EQ(S(*d, StrField::kProvider), "anthropic");
  EXPECT_EQ(S(*d, StrField::kSource), "otlp");
  EXPECT_EQ(S(*d, StrField::kSpanId), "otlp:0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331");
  EXPECT_EQ(S(*d, StrField::kParentSpanId), "otlp:0af7651916cd43dd8448eb211c80319c:00000000000000aa");
  EXPECT_EQ(I(*d, IntField::kTokensInput), 400);  // 1000 - 600 cached
  EXPECT_EQ(I(*d, IntField::kTokensCacheRead), 600);
  EXPECT_EQ(I(*d, IntField::kTokensCacheWrite), 50);
  EXPECT_EQ(I(*d, IntField::kTokensOutput), 42);
  EXPECT_EQ(d->start_us, 1795487306859000);
  EXPECT_EQ(d->end_us, 1795487307387000);
  EXPECT_EQ(d->status, event::SpanStatus::kOk);
  for (const auto& a : d->attrs) EXPECT_EQ(a.str.find("SECRET"), std::string::npos) << a.key;
}

TEST(OtlpGenAiTest, ToolAgentAndErrorSpans) {
  testdata::SpanJson tool;
  tool.Str("gen_ai.operation.name", "execute_tool")
      .Str("gen_ai.tool.name", "Bash")
      .Str("gen_ai.tool.call.id", "toolu_1")
      .Str("error.type", "timeout");
  tool.status = 2;
  testdata::SpanJson agent;
  agent.span = "00000000000000bb";
  agent.Str("gen_ai.operation.name", "invoke_agent").Str("gen_ai.system", "openai");
  testdata::SpanJson embed;
  embed.span = "00000000000000cc";
  embed.Str("gen_ai.operation.name", "embeddings");
  TracesRequest r = Decode(testdata::TracesJson("my-agent", {tool, agent, embed}));
  ASSERT_EQ(r.spans.size(), 3u);
  auto t = GenAiDraft(r, r.spans[0]);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->kind, SpanKind::kToolCall);
  EXPECT_EQ(S(*t, StrField::kTool), "Bash");
  EXPECT_EQ(S(*t, StrField::kErrorClass), "timeout");
  EXPECT_EQ(t->status, event::SpanStatus::kError);
  ASSERT_EQ(t->attrs.size(), 1u);
  EXPECT_EQ(t->attrs[0].key, "call_id");
  EXPECT_EQ(t->attrs[0].str, "toolu_1");
  auto a = GenAiDraft(r, r.spans[1]);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->kind, SpanKind::kTurn);
  EXPECT_EQ(S(*a, StrField::kProvider), "openai");  // gen_ai.system as a fallback
  EXPECT_FALSE(GenAiDraft(r, r.spans[2]).has_value());
  EXPECT_FALSE(IsGenAiSpan(r, r.spans[2]));
}

TEST(OtlpGenAiTest, OpenCodeSpansAreNotGeneric) {
  testdata::SpanJson chat;
  chat.Str("gen_ai.operation.name", "chat");
  TracesRequest r = Decode(testdata::TracesJson("opencode", {chat}));
  EXPECT_FALSE(IsGenAiSpan(r, r.spans[0]));
  EXPECT_FALSE(GenAiDraft(r, r.spans[0]).has_value());
  // Nor are the real captures' spans (they have gen_ai.* usage but no operation name).
  std::string body = testdata::Read("006_v1_traces.json");
  TracesRequest real = Decode(body);
  for (const Span& s : real.spans) EXPECT_FALSE(IsGenAiSpan(real, s)) << s.name;
}

}  // namespace
}  // namespace agentperf::otlp
