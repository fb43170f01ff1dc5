// Step facts from the real doStream spans (S:otlp/004 title call, S:otlp/006
// subagent step with a bash call) and from synthetic spans for the fallbacks.
#include "ingest/otlp/step_fact.h"

#include <gtest/gtest.h>

#include "ingest/otlp/testdata.h"

namespace agentperf::otlp {
namespace {

std::vector<StepFact> FactsOf(const std::string& body) {
  OtlpJsonDecoder dec;
  TracesRequest r;
  EXPECT_TRUE(dec.DecodeTraces(body, body.size(), &r).ok());
  std::vector<StepFact> out;
  for (const Span& s : r.spans) {
    StepFact f;
    if (ExtractStepFact(r, s, &f)) out.push_back(f);
  }
  return out;
}

TEST(OtlpStepFactTest, RealStepWithTools) {
  auto facts = FactsOf(testdata::Read("006_v1_traces.json"));
  ASSERT_EQ(facts.size(), 1u);  // ai.streamText (the parent) is not a fact
  const StepFact& f = facts[0];
  EXPECT_EQ(f.session_id, "ses_df49dec43ffen3TNFZ3yz1ytnw");
  EXPECT_EQ(f.parent_session_id, "ses_df49e020effecLILN3pdUuiMZ1");
  EXPECT_NEAR(f.ms_to_first_chunk, 95.76617, 1e-5);
  EXPECT_NEAR(f.ms_to_finish, 515.520715, 1e-5);
  EXPECT_NEAR(f.tokens_per_s, 32.976366, 1e-5);
  // 2455 prompt tokens = 1228 not cached + 1227 cached (F§5, design §1.4).
  EXPECT_EQ(f.input_no_cache, 1228);
  EXPECT_EQ(f.cache_read, 1227);
  EXPECT_EQ(f.output, 17);
  EXPECT_EQ(f.reasoning, 0);
  EXPECT_EQ(f.response_id, "chatcmpl-mock-7");
  EXPECT_EQ(f.finish_reason, "tool-calls");
  EXPECT_EQ(f.tool_call_ids, std::vector<std::string>{"call_7"});
  EXPECT_TRUE(f.has_tools);
  EXPECT_FALSE(f.failed);
  EXPECT_EQ(f.model, "mock-model");
  EXPECT_EQ(f.provider, "mock");  // "mock.chat" without ".chat"
  EXPECT_EQ(f.start_us, 1795487306859000);
  EXPECT_EQ(f.end_us, 1795487307387714);
  EXPECT_EQ(f.span_id, "a948521305428d39");
  EXPECT_EQ(f.OtlpSpanId(), "otlp:" + f.trace_id + ":a948521305428d39");
}

TEST(OtlpStepFactTest, RealTitleCallHasNoTools) {
  auto facts = FactsOf(testdata::Read("004_v1_traces.json"));
  ASSERT_EQ(facts.size(), 1u);
  const StepFact& f = facts[0];
  EXPECT_EQ(f.session_id, "ses_df49e020effecLILN3pdUuiMZ1");
  EXPECT_TRUE(f.parent_session_id.empty());
  EXPECT_EQ(f.input_no_cache, 296);
  EXPECT_EQ(f.cache_read, 296);
  EXPECT_EQ(f.output, 3);
  EXPECT_FALSE(f.has_tools);
  EXPECT_TRUE(f.tool_call_ids.empty());
  EXPECT_NEAR(f.ms_to_first_chunk, 134.910499, 1e-5);
  EXPECT_EQ(f.response_id, "chatcmpl-mock-5");
}

TEST(OtlpStepFactTest, FallsBackToTotalsAndTheFirstChunkEvent) {
  // No noCacheTokens (input = total - cached), no msToFirstChunk attribute but
  // an ai.stream.firstChunk event 40 ms after the start; error status.
  std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c",
    "spanId":"b7ad6b7169203331","name":"ai.streamText.doStream","startTimeUnixNano":"1795487306000000000",
    "endTimeUnixNano":"1795487307000000000","status":{"code":2},
    "attributes":[{"key":"ai.usage.inputTokens","value":{"intValue":"100"}},
                  {"key":"ai.usage.cachedInputTokens","value":{"intValue":30}},
                  {"key":"ai.usage.outputTokens","value":{"intValue":"7"}},
                  {"key":"ai.telemetry.metadata.sessionId","value":{"stringValue":"ses_x"}},
                  {"key":"ai.response.toolCalls","value":{"stringValue":"not json"}}],
    "events":[{"name":"ai.stream.firstChunk","timeUnixNano":"1795487306040000000","attributes":[]}]}]}]}]})";
  auto facts = FactsOf(body);
  ASSERT_EQ(facts.size(), 1u);
  const StepFact& f = facts[0];
  EXPECT_EQ(f.input_no_cache, 70);
  EXPECT_EQ(f.cache_read, 30);
  EXPECT_EQ(f.output, 7);
  EXPECT_EQ(f.reasoning, -1);
  EXPECT_DOUBLE_EQ(f.ms_to_first_chunk, 40.0);
  EXPECT_TRUE(std::isnan(f.ms_to_finish));
  EXPECT_EQ(f.session_id, "ses_x");
  EXPECT_TRUE(f.failed);
  EXPECT_TRUE(f.tool_call_ids.empty());
}

TEST(OtlpStepFactTest, ParsesToolCallIds) {
  EXPECT_EQ(ParseToolCallIds(R"([{"toolCallId":"a"},{"toolCallId":"b","input":{"x":1}},{"nope":1}])"),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ParseToolCallIds("").empty());
  EXPECT_TRUE(ParseToolCallIds("{").empty());
  EXPECT_TRUE(ParseToolCallIds(R"({"toolCallId":"a"})").empty());
}

}  // namespace
}  // namespace agentperf::otlp
