#include "event/json_decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "event/event_id.h"
#include "event/fields.h"
#include "testing/events.h"

namespace agentperf::event {
namespace {

using ::agentperf::testing::EventJson;
using ::agentperf::testing::kBaseMs;

constexpr int64_t kDayMs = 86400000;
constexpr int64_t kNowMs = kBaseMs + kDayMs;  // the "server clock" of these tests

struct Outcome {
  Status st;
  DecodeError err;
  EventBatch batch;
};

Outcome Try(const std::string& body, Limits limits = {}, int64_t now_ms = kNowMs) {
  Outcome o;
  JsonBatchDecoder decoder(limits);
  o.st = decoder.Decode(body, body.size(), now_ms * 1000, &o.batch, &o.err);
  return o;
}

std::string Array(const std::vector<std::string>& events) {
  std::string s = "[";
  for (size_t i = 0; i < events.size(); ++i) s += (i ? ",\n " : "") + events[i];
  return s + "]";
}

// Places `bad` at array index 2 (after two good events, before one more) and
// at NDJSON line 4 (after a blank line), and checks the error in both forms.
void ExpectRejected(const std::string& bad, const std::string& field, StatusCode code = StatusCode::kInvalidArgument) {
  const std::string good = EventJson().Str();
  SCOPED_TRACE("event: " + bad.substr(0, 300));
  Outcome a = Try(Array({good, good, bad, good}));
  EXPECT_EQ(a.st.code(), code) << a.st.ToString();
  EXPECT_EQ(a.err.index, 2) << a.st.ToString();
  EXPECT_EQ(a.err.line, -1);
  EXPECT_EQ(a.err.field, field) << a.st.ToString();
  EXPECT_TRUE(a.batch.events.empty());
  EXPECT_TRUE(a.batch.attrs.empty());
  if (!field.empty()) {
    EXPECT_NE(a.st.message().find("'" + field + "'"), std::string::npos) << a.st.message();
  }
  EXPECT_NE(a.st.message().find("event 2"), std::string::npos) << a.st.message();

  Outcome n = Try(good + "\n\n" + good + "\n" + bad + "\n" + good + "\n");
  EXPECT_EQ(n.st.code(), code) << n.st.ToString();
  EXPECT_EQ(n.err.line, 4) << n.st.ToString();
  EXPECT_EQ(n.err.index, -1);
  EXPECT_EQ(n.err.field, field) << n.st.ToString();
  EXPECT_TRUE(n.batch.events.empty());
  EXPECT_TRUE(n.batch.attrs.empty());
  EXPECT_NE(n.st.message().find("line 4"), std::string::npos) << n.st.message();
}

void ExpectAccepted(const std::string& body) {
  Outcome o = Try(body);
  EXPECT_TRUE(o.st.ok()) << o.st.ToString() << "\n" << body.substr(0, 300);
}

TEST(JsonDecoder, FullyPopulatedEventDecodesExactly) {
  const std::string body = R"([{"id":"ev-1","kind":"tool_call","status":"error",
    "start_ms":1767225600123.456,"duration_ms":250.5,
    "session_id":"s1","parent_session_id":"s0","message_id":"m1","span_id":"sp1","parent_span_id":"sp0",
    "agent":"coder","model":"claude-x","provider":"anthropic","tool":"bash","error_class":"timeout","source":"plugin",
    "tokens":{"input":100,"output":200,"reasoning":30,"cache_read":4000,"cache_write":5},
    "rss_bytes":1048576,"io_read_bytes":7,"io_write_bytes":0,
    "cost":0.0123,"ttfc_ms":87.5,"cpu_s":1.25,
    "attrs":{"s":"v\u00e9","n":1.5,"i":-3,"b":true,"f":false,"empty":"","nul":null}}])";
  Outcome o = Try(body);
  ASSERT_TRUE(o.st.ok()) << o.st.ToString();
  ASSERT_EQ(o.batch.size(), 1u);
  const Event& e = o.batch.events[0];
  EXPECT_EQ(e.id, ExplicitEventId("ev-1"));
  EXPECT_EQ(e.kind, SpanKind::kToolCall);
  EXPECT_EQ(e.status, SpanStatus::kError);
  EXPECT_EQ(e.start_us, 1767225600123456);
  EXPECT_EQ(e.end_us, 1767225600123456 + 250500);
  const char* strs[] = {"s1", "s0", "m1", "sp1", "sp0", "coder", "claude-x", "anthropic", "bash", "timeout", "plugin"};
  for (int i = 0; i < kNumStrFields; ++i) EXPECT_EQ(e.str[i], strs[i]) << kStrFields[i].json_name;
  const int64_t ints[] = {100, 200, 30, 4000, 5, 1048576, 7, 0};
  for (int i = 0; i < kNumIntFields; ++i) EXPECT_EQ(e.ints[i], ints[i]) << kIntFields[i].name;
  EXPECT_EQ(e.Float(FloatField::kCost), 0.0123);
  EXPECT_EQ(e.Float(FloatField::kTtfcMs), 87.5);
  EXPECT_EQ(e.Float(FloatField::kCpuSeconds), 1.25);
  ASSERT_EQ(e.attr_count, 6u);  // the null attribute is absent
  const Attr* a = o.batch.AttrsOf(e);
  EXPECT_EQ(a[0].key, "s");
  EXPECT_EQ(a[0].type, AttrType::kString);
  EXPECT_EQ(a[0].str, "v\xc3\xa9");
  EXPECT_EQ(a[1].key, "n");
  EXPECT_EQ(a[1].type, AttrType::kNumber);
  EXPECT_EQ(a[1].num, 1.5);
  EXPECT_EQ(a[2].num, -3);
  EXPECT_EQ(a[3].type, AttrType::kBool);
  EXPECT_EQ(a[3].num, 1);
  EXPECT_EQ(a[4].type, AttrType::kBool);
  EXPECT_EQ(a[4].num, 0);
  EXPECT_EQ(a[5].key, "empty");
  EXPECT_EQ(a[5].type, AttrType::kString);
  EXPECT_EQ(a[5].str, "");
}

TEST(JsonDecoder, EndMsAndDefaults) {
  Outcome o = Try(R"([{"kind":"turn","start_ms":1767225600000,"end_ms":1767225600001.5}])");
  ASSERT_TRUE(o.st.ok()) << o.st.ToString();
  const Event& e = o.batch.events[0];
  EXPECT_EQ(e.start_us, 1767225600000000);
  EXPECT_EQ(e.end_us, 1767225600001500);
  EXPECT_EQ(e.status, SpanStatus::kOk);
  for (auto s : e.str) EXPECT_TRUE(s.empty());
  for (auto v : e.ints) EXPECT_EQ(v, kAbsentInt);
  for (auto v : e.floats) EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(e.attr_count, 0u);
  EXPECT_FALSE(e.id.IsZero());
}

TEST(JsonDecoder, SampleMayOmitEnd) {
  Outcome o = Try(EventJson().Set("kind", "sample").Remove("duration_ms").Raw("rss_bytes", "4096").Str());
  ASSERT_TRUE(o.st.ok()) << o.st.ToString();
  EXPECT_EQ(o.batch.events[0].end_us, o.batch.events[0].start_us);
  EXPECT_EQ(o.batch.events[0].Int(IntField::kRssBytes), 4096);
}

TEST(JsonDecoder, NullMeansAbsentExceptForRequiredFields) {
  Outcome o = Try(EventJson()
                      .Raw("agent", "null").Raw("status", "null").Raw("id", "null").Raw("end_ms", "null")
                      .Raw("tokens", R"({"input":null,"output":3})").Raw("attrs", R"({"a":null})").Raw("cost", "null")
                      .Raw("rss_bytes", "null").Str());
  ASSERT_TRUE(o.st.ok()) << o.st.ToString();
  const Event& e = o.batch.events[0];
  EXPECT_TRUE(e.Str(StrField::kAgent).empty());
  EXPECT_EQ(e.status, SpanStatus::kOk);
  EXPECT_EQ(e.Int(IntField::kTokensInput), kAbsentInt);
  EXPECT_EQ(e.Int(IntField::kTokensOutput), 3);
  EXPECT_EQ(e.Int(IntField::kRssBytes), kAbsentInt);
  EXPECT_TRUE(std::isnan(e.Float(FloatField::kCost)));
  EXPECT_EQ(e.attr_count, 0u);
  EXPECT_EQ(e.duration_us(), 1000000);
  Outcome attrs_null = Try(EventJson().Raw("attrs", "null").Raw("tokens", "null").Str());
  EXPECT_TRUE(attrs_null.st.ok()) << attrs_null.st.ToString();

  ExpectRejected(EventJson().Raw("kind", "null").Str(), "kind");
  ExpectRejected(EventJson().Raw("start_ms", "null").Str(), "start_ms");
}

TEST(JsonDecoder, ArrayForms) {
  Outcome empty = Try("[]");
  EXPECT_TRUE(empty.st.ok());
  EXPECT_EQ(empty.batch.size(), 0u);
  Outcome spaced = Try(" \n\t[ " + EventJson().Str() + " , " + EventJson().Set("agent", "b").Str() + " ]\n ");
  ASSERT_TRUE(spaced.st.ok()) << spaced.st.ToString();
  ASSERT_EQ(spaced.batch.size(), 2u);
  EXPECT_EQ(spaced.batch.events[1].Str(StrField::kAgent), "b");
}

TEST(JsonDecoder, NdjsonForms) {
  const std::string a = EventJson().Set("agent", "a").Str(), b = EventJson().Set("agent", "b").Str();
  const std::string bodies[] = {
      a + "\n" + b + "\n",           // plain
      a + "\n" + b,                  // no trailing newline
      "\n\n" + a + "\n  \n\t\n" + b,  // blank and whitespace-only lines
      a + "\r\n" + b + "\r\n",       // CRLF
      a + "\r\n\r\n" + b,
  };
  for (const auto& body : bodies) {
    Outcome o = Try(body);
    ASSERT_TRUE(o.st.ok()) << o.st.ToString() << "\n" << body;
    ASSERT_EQ(o.batch.size(), 2u);
    EXPECT_EQ(o.batch.events[0].Str(StrField::kAgent), "a");
    EXPECT_EQ(o.batch.events[1].Str(StrField::kAgent), "b");
  }
}

TEST(JsonDecoder, RequiredFields) {
  ExpectRejected(EventJson().Remove("kind").Str(), "kind");
  ExpectRejected(EventJson().Remove("start_ms").Str(), "start_ms");
  ExpectRejected(EventJson().Remove("duration_ms").Str(), "end_ms");
  ExpectRejected(EventJson().Raw("end_ms", "1767225601000").Str(), "duration_ms");  // both end and duration
}

TEST(JsonDecoder, UnknownValuesAndFields) {
  ExpectRejected(EventJson().Set("kind", "llm").Str(), "kind");
  ExpectRejected(EventJson().Set("kind", "LLM_CALL").Str(), "kind");
  ExpectRejected(EventJson().Set("status", "failed").Str(), "status");
  ExpectRejected(EventJson().Set("colour", "red").Str(), "colour");
  ExpectRejected(EventJson().Raw("input", "5").Str(), "input");  // token kinds live inside "tokens"
  ExpectRejected(EventJson().Raw("tokens", R"({"foo":1})").Str(), "tokens.foo");
}

TEST(JsonDecoder, DuplicateFields) {
  std::string dup_top = EventJson().Str();
  dup_top.insert(1, R"("agent":"other",)");
  ExpectRejected(dup_top, "agent");
  std::string dup_kind = EventJson().Str();
  dup_kind.insert(1, R"("kind":"turn",)");
  ExpectRejected(dup_kind, "kind");
  ExpectRejected(EventJson().Raw("tokens", R"({"input":1,"input":2})").Str(), "tokens.input");
  ExpectRejected(EventJson().Raw("attrs", R"({"k":1,"k":2})").Str(), "attrs.k");
}

TEST(JsonDecoder, WrongTypes) {
  ExpectRejected(EventJson().Set("start_ms", "1767225600000").Str(), "start_ms");
  ExpectRejected(EventJson().Raw("duration_ms", "true").Str(), "duration_ms");
  ExpectRejected(EventJson().Raw("agent", "5").Str(), "agent");
  ExpectRejected(EventJson().Raw("agent", R"({"x":1})").Str(), "agent");
  ExpectRejected(EventJson().Raw("session_id", "[]").Str(), "session_id");
  ExpectRejected(EventJson().Raw("kind", "2").Str(), "kind");
  ExpectRejected(EventJson().Raw("id", "12").Str(), "id");
  ExpectRejected(EventJson().Set("cost", "0.5").Str(), "cost");
  ExpectRejected(EventJson().Raw("rss_bytes", "true").Str(), "rss_bytes");
  ExpectRejected(EventJson().Raw("tokens", "5").Str(), "tokens");
  ExpectRejected(EventJson().Raw("tokens", R"({"input":"5"})").Str(), "tokens.input");
  ExpectRejected(EventJson().Raw("attrs", "[1]").Str(), "attrs");
  ExpectRejected(EventJson().Raw("attrs", R"({"k":{"x":1}})").Str(), "attrs.k");
  ExpectRejected(EventJson().Raw("attrs", R"({"k":[1]})").Str(), "attrs.k");
  ExpectRejected(EventJson().Set("id", "").Str(), "id");
}

TEST(JsonDecoder, NegativeAndNonWholeNumbers) {
  ExpectRejected(EventJson().Raw("duration_ms", "-5").Str(), "duration_ms");
  ExpectRejected(EventJson().Remove("duration_ms").Raw("end_ms", std::to_string(kBaseMs - 1)).Str(), "end_ms");
  ExpectRejected(EventJson().Raw("start_ms", "-1").Str(), "start_ms");
  ExpectRejected(EventJson().Raw("tokens", R"({"input":-1})").Str(), "tokens.input");
  ExpectRejected(EventJson().Raw("cost", "-0.5").Str(), "cost");
  ExpectRejected(EventJson().Raw("io_write_bytes", "-7").Str(), "io_write_bytes");
  ExpectRejected(EventJson().Raw("tokens", R"({"output":1.5})").Str(), "tokens.output");
  ExpectRejected(EventJson().Raw("rss_bytes", "2.5").Str(), "rss_bytes");
  ExpectRejected(EventJson().Raw("cost", "1e10").Str(), "cost");
  // Zero-length spans and whole numbers written with an exponent are fine.
  ExpectAccepted(EventJson().Raw("duration_ms", "0").Raw("tokens", R"({"input":1e3})").Str());
}

TEST(JsonDecoder, CountsAboveTwoToThe53AreRejected) {
  ExpectAccepted(EventJson().Raw("tokens", R"({"input":9007199254740992})").Str());
  ExpectRejected(EventJson().Raw("tokens", R"({"input":9007199254740993})").Str(), "tokens.input");
  ExpectRejected(EventJson().Raw("tokens", R"({"input":9007199254740994})").Str(), "tokens.input");
  ExpectRejected(EventJson().Raw("rss_bytes", "9223372036854775807").Str(), "rss_bytes");
  ExpectRejected(EventJson().Raw("rss_bytes", "18446744073709551615").Str(), "rss_bytes");
  ExpectRejected(EventJson().Raw("io_read_bytes", "1e300").Str(), "io_read_bytes");
  Outcome o = Try(EventJson().Raw("tokens", R"({"input":9007199254740992})").Str());
  ASSERT_TRUE(o.st.ok());
  EXPECT_EQ(o.batch.events[0].Int(IntField::kTokensInput), int64_t{1} << 53);
}

TEST(JsonDecoder, TimeRange) {
  const int64_t y2000_ms = 946684800000;
  ExpectAccepted(EventJson().Raw("start_ms", std::to_string(y2000_ms)).Str());
  ExpectRejected(EventJson().Raw("start_ms", std::to_string(y2000_ms - 1)).Str(), "start_ms");
  ExpectRejected(EventJson().Raw("start_ms", "1767225600").Str(), "start_ms");  // seconds, not ms
  // Up to one day after the server's clock.
  ExpectAccepted(EventJson().Set("kind", "sample").Remove("duration_ms").Raw("start_ms", std::to_string(kNowMs + kDayMs)).Str());
  ExpectRejected(EventJson().Set("kind", "sample").Remove("duration_ms").Raw("start_ms", std::to_string(kNowMs + kDayMs + 1)).Str(),
                 "start_ms");
  ExpectRejected(EventJson().Raw("start_ms", "1767225600000000").Str(), "start_ms");  // microseconds
  ExpectRejected(EventJson().Raw("start_ms", std::to_string(kNowMs + kDayMs - 10)).Raw("duration_ms", "20").Str(),
                 "end_ms");
  // Durations up to 31 days.
  const int64_t d31 = 31 * kDayMs;
  ExpectAccepted(EventJson().Raw("start_ms", std::to_string(kBaseMs - 40 * kDayMs)).Raw("duration_ms", std::to_string(d31)).Str());
  ExpectRejected(
      EventJson().Raw("start_ms", std::to_string(kBaseMs - 40 * kDayMs)).Raw("duration_ms", std::to_string(d31 + 1)).Str(),
      "duration_ms");
}

TEST(JsonDecoder, HugeTimesAreRejectedWithoutOverflow) {
  // start + duration would overflow int64 microseconds if added unchecked.
  ExpectRejected(EventJson().Raw("start_ms", "9000000000000000").Raw("duration_ms", "9000000000000000").Str(),
                 "duration_ms");
  ExpectRejected(EventJson().Raw("start_ms", "1e300").Str(), "start_ms");
  ExpectRejected(EventJson().Raw("duration_ms", "1e300").Str(), "duration_ms");
  ExpectRejected(EventJson().Remove("duration_ms").Raw("end_ms", "1e300").Str(), "end_ms");
}

TEST(JsonDecoder, StringLimits) {
  ExpectAccepted(EventJson().Set("agent", std::string(256, 'a')).Set("session_id", std::string(256, 's')).Str());
  ExpectRejected(EventJson().Set("agent", std::string(257, 'a')).Str(), "agent");
  ExpectRejected(EventJson().Set("model", std::string(257, 'm')).Str(), "model");
  ExpectRejected(EventJson().Set("session_id", std::string(257, 's')).Str(), "session_id");
  ExpectRejected(EventJson().Set("span_id", std::string(257, 's')).Str(), "span_id");
  ExpectAccepted(EventJson().Set("id", std::string(256, 'i')).Str());
  ExpectRejected(EventJson().Set("id", std::string(257, 'i')).Str(), "id");
  // The limit counts bytes, not characters: 129 two-byte characters are 258 bytes.
  std::string e_acute;
  for (int i = 0; i < 129; ++i) e_acute += "\xc3\xa9";
  ExpectRejected(EventJson().Set("tool", e_acute).Str(), "tool");
}

TEST(JsonDecoder, ControlCharactersInStrings) {
  ExpectRejected(EventJson().Set("agent", "a\x01z").Str(), "agent");
  ExpectRejected(EventJson().Set("agent", "a\nz").Str(), "agent");
  ExpectRejected(EventJson().Set("tool", "a\x7fz").Str(), "tool");
  ExpectRejected(EventJson().Set("session_id", std::string("a\0z", 3)).Str(), "session_id");
  ExpectRejected(EventJson().Set("id", "x\ty").Str(), "id");
  ExpectRejected(EventJson().Raw("attrs", R"({"k\u0001":1})").Str(), "attrs.k\x01");
}

TEST(JsonDecoder, AttributeLimits) {
  auto attrs = [](int n) {
    std::string s = "{";
    for (int i = 0; i < n; ++i) s += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":" + std::to_string(i));
    return s + "}";
  };
  Outcome ok = Try(EventJson().Raw("attrs", attrs(32)).Str());
  ASSERT_TRUE(ok.st.ok()) << ok.st.ToString();
  EXPECT_EQ(ok.batch.events[0].attr_count, 32u);
  ExpectRejected(EventJson().Raw("attrs", attrs(33)).Str(), "attrs");
  const std::string k128(128, 'k'), k129(129, 'k');
  ExpectAccepted(EventJson().Raw("attrs", "{\"" + k128 + "\":1}").Str());
  ExpectRejected(EventJson().Raw("attrs", "{\"" + k129 + "\":1}").Str(), "attrs." + k129.substr(0, 64));
  ExpectAccepted(EventJson().Raw("attrs", "{\"v\":\"" + std::string(4096, 'v') + "\"}").Str());
  ExpectRejected(EventJson().Raw("attrs", "{\"v\":\"" + std::string(4097, 'v') + "\"}").Str(), "attrs.v");
  ExpectRejected(EventJson().Raw("attrs", R"({"":1})").Str(), "attrs");
}

TEST(JsonDecoder, CustomLimitsAreHonoured) {
  Limits l;
  l.max_label_bytes = 5;
  l.max_attrs = 1;
  EXPECT_EQ(Try(EventJson().Set("agent", "abcdef").Str(), l).err.field, "agent");
  EXPECT_TRUE(Try(EventJson().Set("agent", "abcde").Str(), l).st.ok());
  EXPECT_EQ(Try(EventJson().Raw("attrs", R"({"a":1,"b":2})").Str(), l).err.field, "attrs");
}

// Malformed JSON: reported for the element (array index) or line that holds it.
void ExpectMalformed(const std::string& bad_event) {
  ExpectRejected(bad_event, "");
}

TEST(JsonDecoder, NonFiniteLiteralsAreMalformed) {
  ExpectMalformed(EventJson().Raw("cost", "NaN").Str());
  ExpectMalformed(EventJson().Raw("cost", "Infinity").Str());
  ExpectMalformed(EventJson().Raw("cost", "-Infinity").Str());
  ExpectMalformed(EventJson().Raw("attrs", R"({"x":NaN})").Str());
  ExpectMalformed(EventJson().Raw("start_ms", "1e400").Str());
}

TEST(JsonDecoder, InvalidUtf8IsRejected) {
  ExpectMalformed(EventJson().Set("agent", "a\xff" "b").Str());
  ExpectMalformed(EventJson().Set("agent", "a\xe6\x97").Str());       // truncated multibyte
  ExpectMalformed(EventJson().Set("agent", "a\xc0\xaf").Str());       // overlong "/"
  ExpectMalformed(EventJson().Set("agent", "\xed\xa0\x80").Str());    // UTF-8-encoded surrogate
  ExpectMalformed(EventJson().Raw("agent", R"("\ud800")").Str());    // lone high surrogate escape
  ExpectMalformed(EventJson().Raw("agent", R"("\udc00x")").Str());   // lone low surrogate escape
  ExpectMalformed(EventJson().Raw("attrs", "{\"k\":\"\xf8\x88\x80\x80\x80\"}").Str());
  // The error carries the offset of the offending byte.
  std::string good = EventJson().Str();
  std::string bad = EventJson().Set("agent", "zz\xff").Str();
  std::string body = "[" + good + "," + bad + "]";
  Outcome o = Try(body);
  EXPECT_EQ(o.st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(o.err.index, 1);
  EXPECT_EQ(o.err.offset, static_cast<int64_t>(body.find('\xff')));
  // A valid escaped pair decodes to the 4-byte character.
  Outcome pair = Try(EventJson().Raw("agent", R"("\ud83d\ude00")").Str());
  ASSERT_TRUE(pair.st.ok()) << pair.st.ToString();
  EXPECT_EQ(pair.batch.events[0].Str(StrField::kAgent), "\xf0\x9f\x98\x80");
}

TEST(JsonDecoder, StructurallyBrokenBodies) {
  const std::string good = EventJson().Str();
  auto expect_invalid = [](const std::string& body) {
    Outcome o = Try(body);
    EXPECT_EQ(o.st.code(), StatusCode::kInvalidArgument) << body.substr(0, 200);
    EXPECT_TRUE(o.batch.events.empty());
    EXPECT_FALSE(o.err.message.empty());
    return o;
  };
  expect_invalid("");
  expect_invalid(" \n\t\r\n ");
  expect_invalid("[" + good + "," + good);                       // array missing ']'
  expect_invalid("[" + good + "," + good.substr(0, good.size() / 2));  // object cut in half
  EXPECT_EQ(expect_invalid("[" + good + "," + good.substr(0, good.size() / 2)).err.index, 1);
  expect_invalid("[" + good + "] garbage");
  expect_invalid("[" + good + "][" + good + "]");
  expect_invalid("[" + good + ",]");
  expect_invalid(good.substr(0, good.size() - 1));  // NDJSON object missing '}'
  expect_invalid(good + "\n" + good.substr(0, 20) + "\n");
  EXPECT_EQ(expect_invalid(good + "\n" + good.substr(0, 20) + "\n").err.line, 2);
  expect_invalid("nope");
  expect_invalid("\"just a string\"");
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  expect_invalid(deep);
  std::string deep_attr = EventJson().Raw("attrs", "{\"k\":" + std::string(1000, '[') + std::string(1000, ']') + "}").Str();
  expect_invalid("[" + deep_attr + "]");
  EXPECT_EQ(expect_invalid(good + "\n" + deep_attr + "\n").err.line, 2);
}

TEST(JsonDecoder, NonObjectElements) {
  const std::string good = EventJson().Str();
  for (const std::string& el : {std::string("5"), std::string("\"x\""), std::string("[]"), std::string("null")}) {
    Outcome o = Try("[" + good + "," + el + "]");
    EXPECT_EQ(o.st.code(), StatusCode::kInvalidArgument) << el;
    EXPECT_EQ(o.err.index, 1) << el;
    EXPECT_TRUE(o.batch.events.empty());
  }
  Outcome line = Try(good + "\n5\n");
  EXPECT_EQ(line.st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(line.err.line, 2);
  Outcome arr_line = Try(good + "\n[" + good + "]\n");
  EXPECT_EQ(arr_line.st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(arr_line.err.line, 2);
}

TEST(JsonDecoder, TooManyEventsIsTooLarge) {
  Limits l;
  l.max_events_per_batch = 3;
  const std::string e = EventJson().Str();
  EXPECT_TRUE(Try(Array({e, e, e}), l).st.ok());
  EXPECT_TRUE(Try(e + "\n" + e + "\n" + e + "\n", l).st.ok());
  Outcome a = Try(Array({e, e, e, e}), l);
  EXPECT_EQ(a.st.code(), StatusCode::kTooLarge) << a.st.ToString();
  EXPECT_TRUE(a.batch.events.empty());
  Outcome n = Try(e + "\n" + e + "\n" + e + "\n" + e + "\n", l);
  EXPECT_EQ(n.st.code(), StatusCode::kTooLarge) << n.st.ToString();
  EXPECT_EQ(n.err.line, 4);
  EXPECT_TRUE(n.batch.events.empty());
}

TEST(JsonDecoder, FailedDecodeLeavesEarlierEventsIntact) {
  JsonBatchDecoder decoder;
  EventBatch batch;
  DecodeError err;
  std::string first = Array({EventJson().Set("agent", "keep").Raw("attrs", R"({"a":1})").Str()});
  ASSERT_TRUE(decoder.Decode(first, first.size(), kNowMs * 1000, &batch, &err).ok());
  ASSERT_EQ(batch.size(), 1u);
  std::string bad = Array({EventJson().Raw("attrs", R"({"b":2,"c":3})").Str(), EventJson().Set("kind", "bogus").Str()});
  EXPECT_FALSE(decoder.Decode(bad, bad.size(), kNowMs * 1000, &batch, &err).ok());
  EXPECT_EQ(err.index, 1);
  ASSERT_EQ(batch.size(), 1u);
  ASSERT_EQ(batch.attrs.size(), 1u);
  EXPECT_EQ(batch.events[0].Str(StrField::kAgent), "keep");
  EXPECT_EQ(batch.AttrsOf(batch.events[0])[0].key, "a");
  // The decoder stays usable and appends after the kept event.
  std::string more = EventJson().Set("agent", "next").Raw("attrs", R"({"z":true})").Str() + "\n";
  ASSERT_TRUE(decoder.Decode(more, more.size(), kNowMs * 1000, &batch, &err).ok());
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(err.line, -1);
  EXPECT_EQ(batch.events[1].Str(StrField::kAgent), "next");
  ASSERT_EQ(batch.events[1].attr_count, 1u);
  EXPECT_EQ(batch.AttrsOf(batch.events[1])[0].key, "z");
}

TEST(JsonDecoder, LargeBodiesInBothForms) {
  // Larger than the parser's initial capacity and the NDJSON window.
  std::vector<std::string> events;
  std::string ndjson;
  for (int i = 0; i < 8000; ++i) {
    events.push_back(EventJson().Set("span_id", "span-" + std::to_string(i)).Set("model", std::string(200, 'm')).Str());
    ndjson += events.back() + "\n";
  }
  ASSERT_GT(ndjson.size(), size_t{1} << 21);
  Outcome a = Try(Array(events));
  ASSERT_TRUE(a.st.ok()) << a.st.ToString();
  EXPECT_EQ(a.batch.size(), 8000u);
  Outcome n = Try(ndjson);
  ASSERT_TRUE(n.st.ok()) << n.st.ToString();
  ASSERT_EQ(n.batch.size(), 8000u);
  EXPECT_EQ(n.batch.events[7999].Str(StrField::kSpanId), "span-7999");
  // An error near the end is still located by line.
  Outcome bad = Try(ndjson + EventJson().Set("kind", "x").Str() + "\n");
  EXPECT_EQ(bad.err.line, 8001);
  EXPECT_EQ(bad.err.field, "kind");
}

TEST(JsonDecoder, BytesPastTheBodyInItsCapacityAreIgnored) {
  // The caller says padding is readable: the decoder parses in place and must
  // not treat the bytes after body.size() as content.
  std::string body = Array({EventJson().Str()});
  const size_t size = body.size();
  body.resize(size + JsonPadding(), '}');
  JsonBatchDecoder decoder;
  EventBatch batch;
  DecodeError err;
  ASSERT_TRUE(decoder.Decode(std::string_view(body.data(), size), body.size(), kNowMs * 1000, &batch, &err).ok());
  EXPECT_EQ(batch.size(), 1u);
}

TEST(JsonDecoder, ErrorToString) {
  DecodeError e;
  e.message = "m";
  EXPECT_EQ(e.ToString(), "body: m");
  e.offset = 9;
  EXPECT_EQ(e.ToString(), "byte 9: m");
  e.index = 3;
  e.field = "start_ms";
  EXPECT_EQ(e.ToString(), "event 3: field 'start_ms': m");
  e.line = 7;
  EXPECT_EQ(e.ToString(), "line 7: field 'start_ms': m");
}

}  // namespace
}  // namespace agentperf::event
