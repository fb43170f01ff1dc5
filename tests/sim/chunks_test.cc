#include "sim/chunks.h"

#include <gtest/gtest.h>

#include "design_config.h"
#include "sim_testing.h"
#include "testing/json_doc.h"

namespace agentperf::sim {
namespace {

using agentperf::testing::JsonDoc;

ResponsePlan ToolPlan() {
  ResponsePlan p;
  p.response_id = "chatcmpl-sim-1";
  p.text = "Running the tests now.";
  p.tool_calls = {{"call_a_1_0_0", "task", R"({"subagent_type":"tester","prompt":"Run \"all\""})"},
                  {"call_a_1_0_1", "bash", R"({"command":"echo é"})"}};
  p.finish_reason = "tool_calls";
  p.usage = Usage{2455, 17, 1227};
  p.ttfc_ms = 20;
  p.tokens_per_s = 100;
  return p;
}

std::string Stream(const ResponsePlan& p, bool include_usage) {
  ChunkContext ctx{p.response_id, 1795487308, "sim-large"};
  std::string body;
  for (const auto& e : Pace(p, 5)) body += FormatEmission(ctx, p, e, include_usage);
  return body;
}

TEST(ChunksTest, AStreamReassemblesIntoTheAnswer) {
  ResponsePlan p = ToolPlan();
  testing::Answer a = testing::Reassemble(Stream(p, true));
  EXPECT_TRUE(a.well_formed);
  EXPECT_TRUE(a.done);
  EXPECT_EQ(a.id, "chatcmpl-sim-1");
  EXPECT_EQ(a.role, "assistant");
  EXPECT_EQ(a.text, p.text);
  ASSERT_EQ(a.tools.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(a.tools[i].id, p.tool_calls[i].id);
    EXPECT_EQ(a.tools[i].name, p.tool_calls[i].name);
    EXPECT_EQ(a.tools[i].args, p.tool_calls[i].args_json);
  }
  EXPECT_EQ(a.finish_reason, "tool_calls");
  EXPECT_EQ(a.prompt_tokens, 2455);
  EXPECT_EQ(a.completion_tokens, 17);
  EXPECT_EQ(a.total_tokens, 2472);
  EXPECT_EQ(a.cached_tokens, 1227);
}

TEST(ChunksTest, UsageOnlyWhenAskedFor) {
  testing::Answer a = testing::Reassemble(Stream(ToolPlan(), false));
  EXPECT_TRUE(a.done);
  EXPECT_FALSE(a.prompt_tokens.has_value());
  EXPECT_EQ(a.finish_reason, "tool_calls");
}

TEST(ChunksTest, TheUsageChunkHasNoChoicesAndComesBeforeDone) {
  ResponsePlan p = ToolPlan();
  p.tool_calls.clear();
  p.finish_reason = "stop";
  auto data = testing::SseData(Stream(p, true));
  ASSERT_GE(data.size(), 4u);
  EXPECT_EQ(data.back(), "[DONE]");
  JsonDoc usage(data[data.size() - 2]);
  EXPECT_EQ(usage.Len("/choices"), 0u);
  EXPECT_EQ(usage.Num("/usage/prompt_tokens_details/cached_tokens"), 1227);
  EXPECT_EQ(usage.Num("/usage/completion_tokens_details/reasoning_tokens"), 0);
  JsonDoc finish(data[data.size() - 3]);
  EXPECT_EQ(finish.Str("/choices/0/finish_reason"), "stop");
  JsonDoc first(data[0]);
  EXPECT_EQ(first.Str("/choices/0/delta/role"), "assistant");
  EXPECT_EQ(first.Str("/object"), "chat.completion.chunk");
  EXPECT_EQ(first.Num("/created"), 1795487308);
  EXPECT_EQ(first.Str("/model"), "sim-large");
}

TEST(ChunksTest, CompletionJsonIsTheWholeAnswer) {
  ResponsePlan p = ToolPlan();
  JsonDoc d(CompletionJson(ChunkContext{"id1", 5, "m"}, p));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.Str("/object"), "chat.completion");
  EXPECT_EQ(d.Str("/choices/0/message/role"), "assistant");
  EXPECT_EQ(d.Str("/choices/0/message/content"), p.text);
  EXPECT_EQ(d.Str("/choices/0/message/tool_calls/1/function/arguments"), p.tool_calls[1].args_json);
  EXPECT_EQ(d.Str("/choices/0/message/tool_calls/0/id"), "call_a_1_0_0");
  EXPECT_EQ(d.Str("/choices/0/finish_reason"), "tool_calls");
  EXPECT_EQ(d.Num("/usage/prompt_tokens_details/cached_tokens"), 1227);
  EXPECT_EQ(d.Num("/usage/total_tokens"), 2472);
}

TEST(ChunksTest, ErrorsAndModels) {
  JsonDoc e(ErrorJson(429, "slow down"));
  EXPECT_EQ(e.Str("/error/message"), "slow down");
  EXPECT_EQ(e.Str("/error/type"), "rate_limit_error");
  EXPECT_EQ(JsonDoc(ErrorJson(500, "x")).Str("/error/type"), "server_error");
  auto cfg = ParseConfig(R"({"models": {"*": {}, "a": {}, "b": {}}})");
  ASSERT_TRUE(cfg.ok());
  JsonDoc m(ModelsJson(*cfg));
  EXPECT_EQ(m.Str("/object"), "list");
  EXPECT_EQ(m.Len("/data"), 2u);
  EXPECT_EQ(m.Str("/data/0/id"), "a");
  EXPECT_EQ(m.Str("/data/1/id"), "b");
}

}  // namespace
}  // namespace agentperf::sim
