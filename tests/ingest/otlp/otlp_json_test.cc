// OTLP/JSON decoding: the real OpenCode captures, lenient number and id
// forms, and the errors that refuse a body.
#include "ingest/otlp/otlp_json.h"

#include <gtest/gtest.h>

#include "ingest/otlp/testdata.h"

namespace agentperf::otlp {
namespace {

const Span* FindSpan(const TracesRequest& r, std::string_view name) {
  for (const Span& s : r.spans) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

size_t CountNamed(const TracesRequest& r, std::string_view name) {
  size_t n = 0;
  for (const Span& s : r.spans) n += s.name == name;
  return n;
}

TEST(OtlpJsonTest, DecodesTheRealTitleCapture) {
  std::string body = testdata::Read("004_v1_traces.json");
  OtlpJsonDecoder dec;
  TracesRequest r;
  ASSERT_TRUE(dec.DecodeTraces(body, body.size(), &r).ok());
  EXPECT_EQ(r.spans.size(), 512u);
  EXPECT_EQ(r.invalid_spans, 0u);
  ASSERT_EQ(r.resources.size(), 1u);
  EXPECT_EQ(r.resources[0].service_name, "opencode");
  EXPECT_EQ(CountNamed(r, "ai.streamText.doStream"), 1u);
  EXPECT_EQ(CountNamed(r, "sql.execute"), 76u);
  const Span* ds = FindSpan(r, "ai.streamText.doStream");
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ(ds->span_id, "c1bc2416032cc89e");
  EXPECT_EQ(ds->trace_id.size(), 32u);
  EXPECT_EQ(ds->start_ns, 1795487302822000000);
  EXPECT_EQ(ds->status, SpanStatusCode::kUnset);  // the AI SDK leaves it unset (code 0)
  const Value* v = r.Attr(*ds, "ai.usage.inputTokens");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->type, ValueType::kInt);
  EXPECT_EQ(v->i, 592);
  double ttfc = 0;
  ASSERT_TRUE(r.Attr(*ds, "ai.response.msToFirstChunk")->AsDouble(&ttfc));
  EXPECT_NEAR(ttfc, 134.910499, 1e-5);
  // A span with an error status (auth.json not found).
  const Span* err = FindSpan(r, "FileSystem.readJson");
  ASSERT_NE(err, nullptr);
  bool some_error = false;
  for (const Span& s : r.spans) some_error |= s.status == SpanStatusCode::kError;
  EXPECT_TRUE(some_error);
}

TEST(OtlpJsonTest, DecodesTheRealStepCaptureWithEventsAndArrays) {
  std::string body = testdata::Read("006_v1_traces.json");
  OtlpJsonDecoder dec;
  TracesRequest r;
  ASSERT_TRUE(dec.DecodeTraces(body, body.size(), &r).ok());
  EXPECT_EQ(r.spans.size(), 512u);
  const Span* ds = FindSpan(r, "ai.streamText.doStream");
  ASSERT_NE(ds, nullptr);
  ASSERT_EQ(ds->event_count, 2u);
  EXPECT_EQ(r.events[ds->event_begin].name, "ai.stream.firstChunk");
  EXPECT_EQ(r.events[ds->event_begin].time_ns, 1795487306954886851);
  const Value* tools = r.Attr(*ds, "ai.prompt.tools");
  ASSERT_NE(tools, nullptr);
  EXPECT_EQ(tools->type, ValueType::kArray);
  EXPECT_GT(tools->size, 0u);
  const Value* finish = r.Attr(*ds, "gen_ai.response.finish_reasons");
  ASSERT_NE(finish, nullptr);
  EXPECT_EQ(finish->str, "tool-calls");
}

TEST(OtlpJsonTest, IsLenientAboutNumbersIdsAndFieldNames) {
  // intValue as a string, times as JSON numbers, uppercase hex ids, base64
  // ids (standard alphabet), snake_case names.
  std::string body = R"({"resource_spans":[{"resource":{"attributes":[]},"scope_spans":[{"spans":[
    {"trace_id":"0AF7651916CD43DD8448EB211C80319C","span_id":"B7AD6B7169203331","name":"a",
     "start_time_unix_nano":1795487306859000000,"end_time_unix_nano":"1795487307387000000",
     "attributes":[{"key":"n","value":{"intValue":"2455"}},{"key":"d","value":{"doubleValue":"1.5"}},
                   {"key":"b","value":{"boolValue":true}}],
     "status":{"code":"STATUS_CODE_ERROR"}},
    {"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"t61rcWkgMzE=","parentSpanId":"b7ad6b7169203331","name":"b",
     "startTimeUnixNano":"1795487306859000001"}]}]}]})";
  OtlpJsonDecoder dec;
  TracesRequest r;
  ASSERT_TRUE(dec.DecodeTraces(body, body.size(), &r).ok());
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(r.spans[0].span_id, "b7ad6b7169203331");
  EXPECT_EQ(r.spans[0].start_ns, 1795487306859000000);
  EXPECT_EQ(r.spans[0].end_ns, 1795487307387000000);
  EXPECT_EQ(r.spans[0].status, SpanStatusCode::kError);
  int64_t n = 0;
  ASSERT_TRUE(r.Attr(r.spans[0], "n")->AsInt(&n));
  EXPECT_EQ(n, 2455);
  double d = 0;
  ASSERT_TRUE(r.Attr(r.spans[0], "d")->AsDouble(&d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(r.Attr(r.spans[0], "b")->b);
  // The base64 forms of the same ids.
  EXPECT_EQ(r.spans[1].trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(r.spans[1].span_id, "b7ad6b7169203331");
  EXPECT_EQ(r.spans[1].parent_span_id, "b7ad6b7169203331");
  EXPECT_EQ(r.spans[1].end_ns, r.spans[1].start_ns);  // no end: a zero-length span
}

TEST(OtlpJsonTest, NormalizesIds) {
  std::string out;
  EXPECT_TRUE(NormalizeId("ABCDEF0123456789", 8, &out));
  EXPECT_EQ(out, "abcdef0123456789");
  EXPECT_FALSE(NormalizeId("0000000000000000", 8, &out));  // all zero is invalid in OTLP
  EXPECT_FALSE(NormalizeId("abcdef012345678", 8, &out));   // too short
  EXPECT_FALSE(NormalizeId("abcdef012345678g", 8, &out));  // not hex
  EXPECT_FALSE(NormalizeId("", 8, &out));
  EXPECT_TRUE(NormalizeId("q83vASNFZ4k", 8, &out));  // base64 without padding
  EXPECT_EQ(out, "abcdef0123456789");
}

TEST(OtlpJsonTest, SkipsSpansWithBadIdsAndCountsThem) {
  std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[
    {"traceId":"xyz","spanId":"b7ad6b7169203331","name":"bad","startTimeUnixNano":"1"},
    {"traceId":"0af7651916cd43dd8448eb211c80319c","name":"no span id","startTimeUnixNano":"1"},
    {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"no start"},
    {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"ok","startTimeUnixNano":"5"}
  ]}]}]})";
  OtlpJsonDecoder dec;
  TracesRequest r;
  ASSERT_TRUE(dec.DecodeTraces(body, body.size(), &r).ok());
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].name, "ok");
  EXPECT_EQ(r.invalid_spans, 3u);
}

TEST(OtlpJsonTest, RefusesWhatIsNotAnOtlpJsonRequest) {
  OtlpJsonDecoder dec;
  TracesRequest r;
  for (std::string body : {std::string("{\"resourceSpans\":["), std::string("[1,2]"), std::string("not json"),
                           std::string("{\"resourceSpans\":{}}"), std::string("{\"resourceSpans\":[3]}"),
                           std::string("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":7}]}]}")}) {
    SCOPED_TRACE(body);
    Status st = dec.DecodeTraces(body, body.size(), &r);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  }
  std::string empty = "{}";
  ASSERT_TRUE(dec.DecodeTraces(empty, empty.size(), &r).ok());
  EXPECT_TRUE(r.spans.empty());
}

TEST(OtlpJsonTest, CountsRealLogRecordsPerService) {
  std::string body = testdata::Read("001_v1_logs.json");
  OtlpJsonDecoder dec;
  SignalCounts c;
  ASSERT_TRUE(dec.DecodeLogs(body, body.size(), &c).ok());
  EXPECT_EQ(c.items, 13u);
  ASSERT_EQ(c.services.size(), 1u);
  EXPECT_EQ(c.services[0].service, "opencode");
  EXPECT_EQ(c.services[0].items, 13u);
  std::string not_logs = R"({"resourceLogs":{}})";
  EXPECT_FALSE(dec.DecodeLogs(not_logs, not_logs.size(), &c).ok());
}

TEST(OtlpJsonTest, CountsMetricsAndDataPoints) {
  std::string body =
      R"({"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},
    "scopeMetrics":[{"metrics":[
      {"name":"a","gauge":{"dataPoints":[{"asInt":"1"},{"asInt":"2"}]}},
      {"name":"b","sum":{"dataPoints":[{"asDouble":1.5}]}},
      {"name":"c","histogram":{"dataPoints":[]}}]}]}]})";
  OtlpJsonDecoder dec;
  SignalCounts c;
  ASSERT_TRUE(dec.DecodeMetrics(body, body.size(), &c).ok());
  EXPECT_EQ(c.items, 3u);
  EXPECT_EQ(c.points, 3u);
  ASSERT_EQ(c.services.size(), 1u);
  EXPECT_EQ(c.services[0].service, "claude-code");
}

}  // namespace
}  // namespace agentperf::otlp
