// The OTLP/HTTP JSON receiver on a real in-process server: the real OpenCode
// captures, the join into an llm_call posted afterwards, the title call,
// generic gen_ai spans, logs/metrics, and the refusals (protobuf, bad JSON,
// auth).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>

#include "ingest/otlp/testdata.h"
#include "testing/compress.h"
#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/server_fixture.h"

namespace agentperf::server {
namespace {

using agentperf::testing::EventJson;
using agentperf::testing::JsonDoc;
using agentperf::testing::JsonNum;
using agentperf::testing::JsonStr;
using agentperf::testing::TestServer;
using agentperf::testing::TestServerOptions;
namespace td = agentperf::otlp::testdata;

constexpr char kSub[] = "ses_df49dec43ffen3TNFZ3yz1ytnw";
constexpr char kPlanner[] = "ses_df49e020effecLILN3pdUuiMZ1";

const net::HttpHeaders kJson = {{"Content-Type", "application/json"}};

// The step's assistant message as the plugin would send it.
std::string StepCall() {
  return EventJson()
      .Set("session_id", kSub)
      .Set("span_id", "msg_A")
      .Set("agent", "tester")
      .Set("start_ms", int64_t{1795487306724})
      .Remove("duration_ms")
      .Set("end_ms", int64_t{1795487307495})
      .Raw("tokens", R"({"input":1228,"output":17,"cache_read":1227})")
      .Set("source", "plugin")
      .Str();
}

// count and max(ttfc_ms) of events matching one label filter.
std::pair<double, std::optional<double>> CountAndTtfc(net::HttpClient& c, const std::string& label,
                                                      const std::string& value) {
  auto r = c.Post("/v1/query", fmt::format(R"J({{"filters":[{{"label":"{}","op":"=","value":"{}"}}],)J"
                                           R"J("aggregates":["count","max(ttfc_ms)"]}})J",
                                           label, value));
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return {-1, std::nullopt};
  EXPECT_EQ(r->status, 200) << r->body;
  JsonDoc d(r->body);
  if (d.Len("/series") == 0) return {0, std::nullopt};
  return {d.Num("/series/0/points/0/count").value_or(-1), d.Num("/series/0/points/0/max(ttfc_ms)")};
}

double StoredEvents(net::HttpClient& c) {
  auto r = c.Get("/v1/status");
  EXPECT_TRUE(r.ok());
  return JsonNum(r->body, "/store/events").value_or(-1);
}

TEST(OtlpServerTest, RealCapturesThenTheLlmCallGetsItsTtfc) {
  TestServer ts;
  auto c = ts.Client();
  for (const char* f : {"004_v1_traces.json", "006_v1_traces.json"}) {
    auto r = c.Request("POST", "/v1/traces", td::Read(f), kJson);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->body, "{}");
  }
  // The title call is stored at once, as an auxiliary llm_call.
  auto [titles, title_ttfc] = CountAndTtfc(c, "agent", "title");
  EXPECT_EQ(titles, 1);
  ASSERT_TRUE(title_ttfc.has_value());
  EXPECT_NEAR(*title_ttfc, 134.91, 0.01);
  // The step is held until its llm_call arrives through /v1/events.
  EXPECT_EQ(CountAndTtfc(c, "span_id", "msg_A").first, 0);
  auto r = c.Post("/v1/events", StepCall());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  auto [n, ttfc] = CountAndTtfc(c, "span_id", "msg_A");
  EXPECT_EQ(n, 1);
  ASSERT_TRUE(ttfc.has_value());
  EXPECT_NEAR(*ttfc, 95.766, 0.001);
  auto status = c.Get("/v1/status");
  ASSERT_TRUE(status.ok());
  JsonDoc s(status->body);
  EXPECT_EQ(s.Num("/otlp/requests/traces"), 2);
  EXPECT_EQ(s.Num("/otlp/step_facts"), 2);
  EXPECT_EQ(s.Num("/otlp/joined"), 1);
  EXPECT_EQ(s.Num("/otlp/title_calls"), 1);
  EXPECT_EQ(s.Num("/otlp/join_late"), 0);
  EXPECT_EQ(s.Num("/store/events"), 2);  // the title call and the step
}

TEST(OtlpServerTest, AFactAfterItsLlmCallIsLate) {
  TestServer ts;
  auto c = ts.Client();
  // The join starts with the first traces request (an OTLP sender exports
  // all the time); then the llm_call passes before its fact.
  ASSERT_EQ(c.Request("POST", "/v1/traces", "{}", kJson)->status, 200);
  ASSERT_EQ(c.Post("/v1/events", StepCall())->status, 200);
  // gzip, as OTel exporters may send it.
  auto r = c.Request("POST", "/v1/traces", agentperf::testing::Gzip(td::Read("006_v1_traces.json")),
                     {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;
  auto status = c.Get("/v1/status");
  EXPECT_EQ(JsonNum(status->body, "/otlp/join_late"), 1);
  auto [n, ttfc] = CountAndTtfc(c, "span_id", "msg_A");
  EXPECT_EQ(n, 1);
  EXPECT_FALSE(ttfc.has_value());
}

TEST(OtlpServerTest, ProtobufBadJsonAndBadEncodingStoreNothing) {
  TestServer ts;
  auto c = ts.Client();
  auto r =
      c.Request("POST", "/v1/traces", std::string("\x0a\x02\x08\x01", 4), {{"Content-Type", "application/x-protobuf"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 415);
  EXPECT_NE(r->body.find("http/json"), std::string::npos) << r->body;
  // Truncated JSON: 400 and nothing cached or stored.
  std::string body = td::Read("004_v1_traces.json");
  r = c.Request("POST", "/v1/traces", body.substr(0, body.size() / 2), kJson);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(JsonStr(r->body, "/code"), "invalid_otlp");
  r = c.Request("POST", "/v1/logs", "[]", kJson);
  EXPECT_EQ(r->status, 400);
  r = c.Request("POST", "/v1/traces", body, {{"Content-Type", "application/json"}, {"Content-Encoding", "br"}});
  EXPECT_EQ(r->status, 415);
  r = c.Request("GET", "/v1/traces", "", {});
  EXPECT_EQ(r->status, 405);
  auto status = c.Get("/v1/status");
  JsonDoc s(status->body);
  EXPECT_EQ(s.Num("/otlp/requests/rejected"), 4);
  EXPECT_EQ(s.Num("/otlp/spans"), 0);
  EXPECT_EQ(s.Num("/otlp/cache/facts"), 0);
  EXPECT_EQ(s.Num("/store/events"), 0);
}

TEST(OtlpServerTest, TheTokenIsRequired) {
  TestServerOptions o;
  o.server.token = "tok-123";
  TestServer ts(o);
  for (const char* path : {"/v1/traces", "/v1/logs", "/v1/metrics"}) {
    auto r = ts.Client().Request("POST", path, "{}", kJson);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401) << path;
    r = ts.Client("wrong").Request("POST", path, "{}", kJson);
    EXPECT_EQ(r->status, 401) << path;
    r = ts.Client("tok-123").Request("POST", path, "{}", kJson);
    EXPECT_EQ(r->status, 200) << path;
  }
}

TEST(OtlpServerTest, GenericGenAiSpansAreStored) {
  TestServer ts;
  auto c = ts.Client();
  td::SpanJson chat;
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  chat.start_ns = std::to_string(now_ns - 2000000000);
  chat.end_ns = std::to_string(now_ns - 1000000000);
  chat.Str("gen_ai.operation.name", "chat")
      .Str("gen_ai.conversation.id", "conv-9")
      .Str("gen_ai.agent.name", "reviewer")
      .Str("gen_ai.request.model", "claude-x")
      .Int("gen_ai.usage.input_tokens", 100)
      .Int("gen_ai.usage.output_tokens", 9);
  td::SpanJson tool;
  tool.span = "00000000000000f1";
  tool.parent = chat.span;
  tool.start_ns = chat.start_ns;
  tool.end_ns = chat.end_ns;
  tool.Str("gen_ai.operation.name", "execute_tool").Str("gen_ai.tool.name", "Bash");
  auto r = c.Request("POST", "/v1/traces", td::TracesJson("claude-code", {chat, tool}), kJson);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(CountAndTtfc(c, "session_id", "conv-9").first, 1);  // the tool span has no conversation id
  EXPECT_EQ(CountAndTtfc(c, "tool", "Bash").first, 1);
  EXPECT_EQ(CountAndTtfc(c, "source", "otlp").first, 2);
  // Resending the same spans stores nothing new (stable ids).
  r = c.Request("POST", "/v1/traces", td::TracesJson("claude-code", {chat, tool}), kJson);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(StoredEvents(c), 2);
}

TEST(OtlpServerTest, AStoreThatCannotWriteGives503WithRetryAfter) {
  TestServerOptions o;
  o.fault_fs = true;
  TestServer ts(o);
  auto c = ts.Client();
  td::SpanJson chat;
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  chat.start_ns = std::to_string(now_ns - 2000000000);
  chat.end_ns = std::to_string(now_ns - 1000000000);
  chat.Str("gen_ai.operation.name", "chat").Str("gen_ai.conversation.id", "conv-f");
  const std::string body = td::TracesJson("claude-code", {chat});
  ts.faults()->FailSyncs(1);
  auto r = c.Request("POST", "/v1/traces", body, kJson);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(r->Header("retry-after"), "1");
  EXPECT_EQ(CountAndTtfc(c, "session_id", "conv-f").first, 0);
  // The exporter's retry succeeds once the disk does.
  ts.faults()->ClearFaults();
  r = c.Request("POST", "/v1/traces", body, kJson);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(CountAndTtfc(c, "session_id", "conv-f").first, 1);
}

TEST(OtlpServerTest, LogsAndMetricsAreCountedNotStored) {
  TestServer ts;
  auto c = ts.Client();
  auto r = c.Request("POST", "/v1/logs", td::Read("001_v1_logs.json"), kJson);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{}");
  r = c.Request("POST", "/v1/metrics",
                R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","sum":{"dataPoints":[{},{}]}}]}]}]})",
                kJson);
  EXPECT_EQ(r->status, 200);
  auto status = c.Get("/v1/status");
  JsonDoc s(status->body);
  EXPECT_EQ(s.Num("/otlp/log_records"), 13);
  EXPECT_EQ(s.Num("/otlp/log_records_by_service/opencode"), 13);
  EXPECT_EQ(s.Num("/otlp/metrics"), 1);
  EXPECT_EQ(s.Num("/otlp/metric_points"), 2);
  EXPECT_EQ(s.Num("/store/events"), 0);
}

TEST(OtlpServerTest, UnmatchedToolLessFactsBecomeAuxiliaryCallsAfterTheTtl) {
  TestServerOptions o;
  o.server.otlp_options.join.fact_ttl_us = 200 * 1000;  // 200 ms
  o.server.otlp_sweep_ms = 20;
  TestServer ts(o);
  auto c = ts.Client();
  td::SpanJson ds;  // a tool-less doStream with no known ancestors (e.g. a summary call)
  ds.name = "ai.streamText.doStream";
  ds.Str("session.id", kPlanner)
      .Str("ai.model.id", "mock-model")
      .Str("ai.model.provider", "mock.chat")
      .Double("ai.response.msToFirstChunk", 50.5)
      .Int("ai.usage.inputTokenDetails.noCacheTokens", 10)
      .Int("ai.usage.outputTokens", 2);
  auto r = c.Request("POST", "/v1/traces", td::TracesJson("opencode", {ds}), kJson);
  ASSERT_EQ(r->status, 200);
  // Polls (the sweeper runs every 20 ms); no timing is asserted.
  double n = 0;
  for (int i = 0; i < 500 && n == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    n = CountAndTtfc(c, "source", "otlp").first;
  }
  EXPECT_EQ(n, 1);
  auto [count, ttfc] = CountAndTtfc(c, "provider", "mock");
  EXPECT_EQ(count, 1);
  EXPECT_EQ(ttfc.value_or(-1), 50.5);
  EXPECT_EQ(JsonNum(c.Get("/v1/status")->body, "/otlp/aux_calls"), 1);
}

}  // namespace
}  // namespace agentperf::server
