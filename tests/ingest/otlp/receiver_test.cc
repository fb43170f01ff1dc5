// OtlpReceiver: the real captures through the whole receiver (facts, title
// call, counters), generic gen_ai events, logs and metrics counting.
#include "ingest/otlp/receiver.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ingest/otlp/testdata.h"
#include "testing/events.h"
#include "testing/json_doc.h"

namespace agentperf::otlp {
namespace {

constexpr int64_t kNowUs = 1795487400000000;

void Feed(OtlpReceiver* r, const std::string& file, event::EventBatch* out) {
  std::string body = testdata::Read(file);
  OtlpJsonDecoder dec;
  TracesRequest req;
  ASSERT_TRUE(dec.DecodeTraces(body, body.size(), &req).ok());
  r->OnTraces(req, kNowUs, out);
}

TEST(OtlpReceiverTest, RealCapturesGiveATitleCallAndACachedStep) {
  OtlpReceiver r;
  event::EventBatch out;
  Feed(&r, "004_v1_traces.json", &out);
  ASSERT_EQ(out.size(), 1u);  // the title call, at once
  EXPECT_EQ(out.events[0].Str(event::StrField::kAgent), "title");
  Feed(&r, "006_v1_traces.json", &out);
  EXPECT_EQ(out.size(), 1u);  // the step waits for its llm_call
  testing::JsonDoc s(r.StatsJson());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.Num("/requests/traces"), 2);
  EXPECT_EQ(s.Num("/spans"), 1024);
  EXPECT_EQ(s.Num("/step_facts"), 2);
  EXPECT_EQ(s.Num("/title_calls"), 1);
  EXPECT_EQ(s.Num("/aux_calls"), 1);
  EXPECT_EQ(s.Num("/cache/facts"), 1);
  EXPECT_EQ(s.Num("/tool_spans"), 2);  // ai.toolCall and Tool.execute in 006
  EXPECT_EQ(s.Num("/genai_events"), 0);
  // The step's llm_call arrives (from the plugin, say) and is filled.
  event::EventBatch b = testing::Decode(testing::EventJson()
                                            .Set("session_id", "ses_df49dec43ffen3TNFZ3yz1ytnw")
                                            .Set("span_id", "msg_A")
                                            .Set("start_ms", int64_t{1795487306724})
                                            .Remove("duration_ms")
                                            .Set("end_ms", int64_t{1795487307495})
                                            .Raw("tokens", R"({"input":1228,"output":17,"cache_read":1227})")
                                            .Str(),
                                        kNowUs / 1000);
  r.Join(&b, kNowUs);
  EXPECT_NEAR(b.events[0].Float(event::FloatField::kTtfcMs), 95.76617, 1e-5);
  EXPECT_EQ(testing::JsonNum(r.StatsJson(), "/joined"), 1);
}

TEST(OtlpReceiverTest, FailedCallsAreOnlyCounted) {
  testdata::SpanJson ds;
  ds.name = "ai.streamText.doStream";
  ds.status = 2;
  ds.Str("session.id", "ses_1").Int("ai.usage.outputTokens", 3);
  std::string body = testdata::TracesJson("opencode", {ds});
  OtlpJsonDecoder dec;
  TracesRequest req;
  ASSERT_TRUE(dec.DecodeTraces(body, body.size(), &req).ok());
  OtlpReceiver r;
  event::EventBatch out;
  r.OnTraces(req, kNowUs, &out);
  EXPECT_TRUE(out.empty());
  testing::JsonDoc s(r.StatsJson());
  EXPECT_EQ(s.Num("/failed_calls"), 1);
  EXPECT_EQ(s.Num("/step_facts"), 0);
  EXPECT_EQ(s.Num("/cache/facts"), 0);
}

TEST(OtlpReceiverTest, GenericSpansBecomeEventsAndSignalsAreCounted) {
  testdata::SpanJson chat;
  chat.Str("gen_ai.operation.name", "chat").Str("gen_ai.request.model", "gpt-x").Int("gen_ai.usage.output_tokens", 5);
  std::string body = testdata::TracesJson("some-agent", {chat});
  OtlpJsonDecoder dec;
  TracesRequest req;
  ASSERT_TRUE(dec.DecodeTraces(body, body.size(), &req).ok());
  OtlpReceiver r;
  event::EventBatch out;
  r.OnTraces(req, kNowUs, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.events[0].Str(event::StrField::kModel), "gpt-x");
  SignalCounts logs;
  logs.items = 13;
  logs.services.push_back({"opencode", 13});
  r.OnLogs(logs);
  SignalCounts metrics;
  metrics.items = 2;
  metrics.points = 7;
  r.OnMetrics(metrics);
  testing::JsonDoc s(r.StatsJson());
  EXPECT_EQ(s.Num("/genai_events"), 1);
  EXPECT_EQ(s.Num("/log_records"), 13);
  EXPECT_EQ(s.Num("/log_records_by_service/opencode"), 13);
  EXPECT_EQ(s.Num("/metrics"), 2);
  EXPECT_EQ(s.Num("/metric_points"), 7);
  EXPECT_EQ(s.Num("/requests/logs"), 1);
}

}  // namespace
}  // namespace agentperf::otlp
