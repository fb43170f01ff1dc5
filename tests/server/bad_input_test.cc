// The bad-input matrix for POST /v1/events over real HTTP: every bad body gets
// a clear 4xx JSON error naming where it is, the server stays up, and nothing
// of the batch is stored (the event count is the same before and after).
// HTTP-level bad input (request line, headers, framing) is in
// http_server_test.cc.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "testing/compress.h"
#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/server_fixture.h"

namespace agentperf::server {
namespace {

using Doc = agentperf::testing::JsonDoc;
using agentperf::testing::EventJson;
using agentperf::testing::TestServer;
using agentperf::testing::TestServerOptions;

std::string Ev(const std::string& span, const std::string& agent = "coder") {
  return EventJson().Set("span_id", span).Set("agent", agent).Raw("tokens", R"({"input":10})").Str();
}

// n valid events tagged `tag`, with `bad` (raw JSON) at position `at` (if >= 0).
std::vector<std::string> Events(int n, const std::string& tag, int at = -1, const std::string& bad = "") {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(i == at ? bad : Ev(fmt::format("{}-{}", tag, i)));
  return v;
}
std::string AsArray(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s + "]";
}
std::string AsNdjson(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += e + "\n";
  return s;
}

std::string Compress(const std::string& in, bool zstd) {
  // zstd with a checksum, so that corruption is always detected.
  return zstd ? agentperf::testing::Zstd(in, 3, /*checksum=*/true) : agentperf::testing::Gzip(in, 9);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class BadInputTest : public ::testing::Test {
 protected:
  static TestServerOptions Options() {
    TestServerOptions o;
    o.server.max_body_bytes = 8 << 20;
    o.server.body_limits.max_decoded_bytes = 4 << 20;
    return o;
  }
  BadInputTest() : ts_(Options()), client_(ts_.Client()) {}

  void SetUp() override {
    // Something is stored already, so "nothing stored" is not just "empty".
    auto r = client_.Post("/v1/events", AsArray(Events(10, "base")));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
    ASSERT_EQ(Count(), 10);
  }

  double Count() {
    auto r = client_.Post("/v1/query", R"({"aggregates":["count"]})");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return -1;
    Doc d(r->body);
    if (d.Len("/series") == 0) return 0;
    return d.Num("/series/0/points/0/count").value_or(-1);
  }

  // Posts `body`, expects `status` with a JSON error, nothing new stored and
  // the server still healthy. Returns the response body.
  std::string Refused(const std::string& body, int status, const net::HttpHeaders& headers = {}) {
    const double before = Count();
    auto r = client_.Post("/v1/events", body, "application/json", headers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "";
    EXPECT_EQ(r->status, status) << r->body.substr(0, 500);
    Doc d(r->body);
    EXPECT_TRUE(d.ok()) << "not JSON: " << r->body.substr(0, 500);
    EXPECT_FALSE(d.Str("/error").value_or("").empty()) << r->body.substr(0, 500);
    EXPECT_FALSE(d.Str("/code").value_or("").empty()) << r->body.substr(0, 500);
    auto h = ts_.Client().Get("/healthz");
    EXPECT_TRUE(h.ok() && h->status == 200) << "server not healthy after bad input";
    EXPECT_EQ(Count(), before) << "a refused batch was (partly) stored";
    return r->body;
  }

  // Like Refused with 400, and checks the reported position and field.
  void RefusedAt(const std::string& body, const char* where, int64_t pos, const std::string& field) {
    std::string resp = Refused(body, 400);
    Doc d(resp);
    EXPECT_EQ(d.Str("/code"), "invalid_event") << resp;
    EXPECT_EQ(d.Num(fmt::format("/{}", where)), pos) << resp;
    if (!field.empty()) {
      EXPECT_EQ(d.Str("/field"), field) << resp;
    }
  }

  TestServer ts_;
  net::HttpClient client_;
};

TEST_F(BadInputTest, MalformedJson) {
  for (const char* body : {"[{\"kind\":\"llm_call\",", "{\"kind\": }", "not json at all", "[1,2,]", "", "   \n",
                           "[{\"kind\":\"llm_call\"}]]", "{\"a\":1}{"}) {
    SCOPED_TRACE(body);
    Doc d(Refused(body, 400));
    EXPECT_EQ(d.Str("/code"), "invalid_event");
  }
}

TEST_F(BadInputTest, WrongTypesNameIndexAndField) {
  struct Case {
    std::string key, value, field;
  };
  const std::vector<Case> cases = {
      {"start_ms", R"("yesterday")", "start_ms"}, {"duration_ms", R"("5")", "duration_ms"},
      {"agent", "5", "agent"},                    {"tokens", R"("many")", "tokens"},
      {"tokens", R"({"input":"1"})", "tokens.input"}, {"tokens", R"({"input":1.5})", "tokens.input"},
      {"tokens", R"({"bogus":1})", "tokens.bogus"}, {"attrs", "[]", "attrs"},
      {"attrs", R"({"k":{"nested":1}})", "attrs.k"}, {"kind", "3", "kind"},
      {"kind", R"("nonsense")", "kind"},          {"status", R"("weird")", "status"},
      {"unknown_field", "1", "unknown_field"},   {"cost", "true", "cost"},
      {"span_id", "[1]", "span_id"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key + "=" + c.value);
    std::string bad = EventJson().Set("span_id", "bad").Raw(c.key, c.value).Str();
    RefusedAt(AsArray(Events(5, "wt", 3, bad)), "index", 3, c.field);
  }
  // Not an object at all.
  RefusedAt("[" + Ev("ok1") + ",42]", "index", 1, "");
  RefusedAt(Ev("ok1") + "\n[1]\n", "line", 2, "");
}

TEST_F(BadInputTest, MissingRequiredFields) {
  RefusedAt(AsArray({EventJson().Remove("kind").Str()}), "index", 0, "kind");
  RefusedAt(AsArray({EventJson().Remove("start_ms").Str()}), "index", 0, "start_ms");
  RefusedAt(AsArray({EventJson().Raw("start_ms", "null").Str()}), "index", 0, "start_ms");
  RefusedAt(AsArray({EventJson().Remove("duration_ms").Str()}), "index", 0, "end_ms");
}

TEST_F(BadInputTest, HugeStringsAreRefusedByField) {
  const std::string mb(1 << 20, 'a');
  RefusedAt(AsArray(Events(3, "huge", 1, EventJson().Set("agent", mb).Str())), "index", 1, "agent");
  RefusedAt(AsArray(Events(3, "huge", 2, EventJson().Set("session_id", mb).Str())), "index", 2, "session_id");
  RefusedAt(AsArray(Events(3, "huge", 0, EventJson().Raw("attrs", "{\"big\":\"" + mb + "\"}").Str())), "index",
            0, "attrs.big");
  RefusedAt(AsNdjson(Events(3, "huge", 2, EventJson().Set("model", mb).Str())), "line", 3, "model");
}

TEST_F(BadInputTest, NanAndInfinityLiteralsAreRefused) {
  for (const char* v : {"NaN", "nan", "Infinity", "-Infinity", "1e999", "-1e999"}) {
    SCOPED_TRACE(v);
    Refused(AsArray(Events(2, "nan", 1, EventJson().Raw("duration_ms", v).Str())), 400);
    Refused(AsNdjson(Events(2, "nan", 1, EventJson().Raw("tokens", fmt::format("{{\"input\":{}}}", v)).Str())),
            400);
  }
  // The position is still reported for a literal the JSON parser refuses.
  RefusedAt(AsArray(Events(4, "nan", 2, EventJson().Raw("cost", "NaN").Str())), "index", 2, "");
  RefusedAt(AsNdjson(Events(4, "nan", 3, EventJson().Raw("cost", "Infinity").Str())), "line", 4, "");
}

TEST_F(BadInputTest, NegativeDurationsAndCountsAreRefused) {
  RefusedAt(AsArray(Events(3, "neg", 1, EventJson().Set("duration_ms", -5).Str())), "index", 1, "duration_ms");
  std::string backwards = EventJson().Remove("duration_ms").Set("start_ms", testing::kBaseMs).Set("end_ms",
                                                                                                   testing::kBaseMs - 1)
                              .Str();
  RefusedAt(AsArray(Events(3, "neg", 2, backwards)), "index", 2, "end_ms");
  RefusedAt(AsArray(Events(3, "neg", 0, EventJson().Raw("tokens", R"({"input":-3})").Str())), "index", 0,
            "tokens.input");
  RefusedAt(AsArray(Events(3, "neg", 0, EventJson().Set("cost", -0.5).Str())), "index", 0, "cost");
  RefusedAt(AsArray(Events(3, "neg", 0, EventJson().Set("duration_ms", int64_t{40} * 86400000).Str())), "index", 0,
            "duration_ms");
}

TEST_F(BadInputTest, TimestampsOutOfRangeAreRefused) {
  const int64_t two_days = int64_t{2} * 86400000;
  RefusedAt(AsArray(Events(3, "ts", 1, EventJson().Set("start_ms", NowMs() + two_days).Str())), "index", 1,
            "start_ms");
  RefusedAt(AsArray(Events(3, "ts", 1, EventJson().Set("start_ms", 1e15).Str())), "index", 1, "start_ms");
  RefusedAt(AsArray(Events(3, "ts", 1, EventJson().Set("start_ms", 1e300).Str())), "index", 1, "start_ms");
  RefusedAt(AsArray(Events(3, "ts", 0, EventJson().Set("start_ms", NowMs()).Set("duration_ms", two_days).Str())),
            "index", 0, "end_ms");
  RefusedAt(AsArray(Events(3, "ts", 2, EventJson().Set("start_ms", 0).Str())), "index", 2, "start_ms");
  RefusedAt(AsArray(Events(3, "ts", 2, EventJson().Set("start_ms", 1e9).Str())), "index", 2, "start_ms");
  // Shortly in the future is fine (clock skew).
  auto ok = client_.Post("/v1/events", AsArray({EventJson().Set("span_id", "soon").Set("start_ms", NowMs() + 60000)
                                                    .Str()}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST_F(BadInputTest, InvalidUtf8IsRefusedWithItsPosition) {
  for (const std::string& bad : {std::string("\xff\xfe"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                                std::string("ok\xe2\x82")}) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    std::string ev = "{\"kind\":\"llm_call\",\"start_ms\":1767225600000,\"duration_ms\":5,\"agent\":\"" + bad + "\"}";
    RefusedAt(AsArray(Events(5, "utf", 2, ev)), "index", 2, "");
    RefusedAt(AsNdjson(Events(5, "utf", 4, ev)), "line", 5, "");
  }
  // An escaped lone surrogate is not valid text either.
  Refused(AsArray({EventJson().Set("span_id", "sur").Raw("agent", R"("\ud800")").Str()}), 400);
}

TEST_F(BadInputTest, DeepNestingIsRefusedQuickly) {
  Refused(std::string(100000, '['), 400);
  Refused("[" + std::string(100000, '{'), 400);
  std::string deep_line;
  for (int i = 0; i < 50000; ++i) deep_line += "{\"a\":";
  Refused(Ev("deep-ok") + "\n" + deep_line + "\n", 400);
  std::string deep_attr = "{\"kind\":\"llm_call\",\"start_ms\":1767225600000,\"duration_ms\":1,\"attrs\":{\"k\":" +
                          std::string(5000, '[') + std::string(5000, ']') + "}}";
  Refused(AsArray({Ev("deep-ok2"), deep_attr}), 400);
}

TEST_F(BadInputTest, InvalidEventInTheMiddleOfAThousandIsLocated) {
  const std::string bad_field = EventJson().Set("span_id", "mid").Set("duration_ms", "x").Str();
  RefusedAt(AsArray(Events(1000, "mid", 500, bad_field)), "index", 500, "duration_ms");
  RefusedAt(AsNdjson(Events(1000, "mid", 500, bad_field)), "line", 501, "duration_ms");
  // A syntax error (not just a bad value) is located too.
  const std::string broken = R"({"kind" "llm_call", "start_ms": 1767225600000})";
  RefusedAt(AsArray(Events(1000, "mid", 700, broken)), "index", 700, "");
  RefusedAt(AsNdjson(Events(1000, "mid", 700, broken)), "line", 701, "");
  // Every valid one alone is fine: the 999 others go in once the bad one is fixed.
  auto r = client_.Post("/v1/events", AsArray(Events(1000, "mid")));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Doc(r->body).Num("/accepted"), 1000);
  EXPECT_EQ(Count(), 1010);
}

TEST_F(BadInputTest, UnsupportedContentEncodingIs415) {
  for (const char* enc : {"br", "compress", "gzip, br", "zstd;q=1"}) {
    SCOPED_TRACE(enc);
    Doc d(Refused(AsArray(Events(3, "enc")), 415, {{"Content-Encoding", enc}}));
    EXPECT_EQ(d.Str("/code"), "unsupported_encoding");
  }
}

TEST_F(BadInputTest, CorruptCompressedBodiesAre400) {
  const std::string json = AsArray(Events(200, "corrupt"));
  for (bool zstd : {false, true}) {
    SCOPED_TRACE(zstd ? "zstd" : "gzip");
    const std::string enc = zstd ? "zstd" : "gzip";
    std::string c = Compress(json, zstd);
    std::string flipped = c;
    for (size_t i = c.size() / 3; i < c.size() / 3 + 16; ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    Refused(flipped, 400, {{"Content-Encoding", enc}});
    Refused(c.substr(0, c.size() / 2), 400, {{"Content-Encoding", enc}});  // truncated stream
    Refused(json, 400, {{"Content-Encoding", enc}});                        // not compressed at all
  }
}

TEST_F(BadInputTest, DecompressionBombIs413) {
  // 64 MB of whitespace inside an array decodes far past the 4 MB limit.
  std::string bomb = "[" + std::string(64 << 20, ' ') + "]";
  for (bool zstd : {false, true}) {
    SCOPED_TRACE(zstd ? "zstd" : "gzip");
    std::string c = Compress(bomb, zstd);
    ASSERT_LT(c.size(), 1u << 20);
    Doc d(Refused(c, 413, {{"Content-Encoding", zstd ? "zstd" : "gzip"}}));
    EXPECT_EQ(d.Str("/code"), "too_large");
  }
}

TEST(BadInputLimitsTest, BodyOverMaxBodyBytesAndTooManyEventsAre413) {
  TestServerOptions o;
  o.server.max_body_bytes = 64 << 10;
  o.server.limits.max_events_per_batch = 50;
  TestServer ts(o);
  auto c = ts.Client();
  std::string big = AsArray(Events(1000, "big"));
  ASSERT_GT(big.size(), 64u << 10);
  auto r = c.Post("/v1/events", big);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413) << r->body;
  EXPECT_EQ(Doc(r->body).Str("/code"), "too_large") << r->body;

  auto many = c.Post("/v1/events", AsArray(Events(51, "many")));
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  EXPECT_EQ(many->status, 413) << many->body;
  EXPECT_EQ(Doc(many->body).Str("/code"), "too_large") << many->body;

  auto h = c.Get("/healthz");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200);
  auto st = c.Get("/v1/status");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(Doc(st->body).Num("/store/events"), 0) << st->body;
  auto fine = c.Post("/v1/events", AsArray(Events(50, "many")));
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->status, 200) << fine->body;
}

TEST(BadInputLimitsTest, CardinalityExplosionIsRefusedWholeBatch) {
  TestServerOptions o;
  o.store.limits.max_label_cardinality = 50;
  TestServer ts(o);
  auto c = ts.Client();
  auto count = [&] {
    auto st = c.Get("/v1/status");
    EXPECT_TRUE(st.ok());
    return st.ok() ? Doc(st->body).Num("/store/events").value_or(-1) : -1;
  };
  auto batch = [](int n, const std::string& tag, auto agent_of) {
    std::vector<std::string> v;
    for (int i = 0; i < n; ++i) v.push_back(Ev(fmt::format("{}-{}", tag, i), agent_of(i)));
    return v;
  };
  // 100 new agent names at once: the 51st passes the limit.
  auto r = c.Post("/v1/events", AsArray(batch(100, "x", [](int i) { return fmt::format("agent-{}", i); })));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400) << r->body;
  Doc d(r->body);
  EXPECT_EQ(d.Num("/index"), 50) << r->body;
  EXPECT_EQ(d.Str("/field"), "agent") << r->body;
  EXPECT_EQ(count(), 0);

  // Exactly at the limit is fine.
  r = c.Post("/v1/events", AsArray(batch(50, "fill", [](int i) { return fmt::format("agent-{}", i); })));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(count(), 50);

  // Valid events with known agents plus one new name: nothing of it is stored.
  auto mixed = batch(30, "mixed", [](int i) { return i == 17 ? std::string("brand-new") : fmt::format("agent-{}", i); });
  r = c.Post("/v1/events", AsArray(mixed));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400) << r->body;
  Doc dm(r->body);
  EXPECT_EQ(dm.Num("/index"), 17) << r->body;
  EXPECT_EQ(dm.Str("/field"), "agent") << r->body;
  EXPECT_EQ(count(), 50);
  auto lv = c.Get("/v1/labels/agent/values");
  ASSERT_TRUE(lv.ok());
  EXPECT_EQ(Doc(lv->body).Len("/values"), 50u);
  EXPECT_EQ(lv->body.find("brand-new"), std::string::npos);

  // The same batch as NDJSON is refused the same way.
  r = c.Post("/v1/events", AsNdjson(mixed), "application/x-ndjson");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Doc(r->body).Str("/field"), "agent") << r->body;
  EXPECT_EQ(count(), 50);

  // Known values only: accepted.
  r = c.Post("/v1/events", AsArray(batch(30, "known", [](int i) { return fmt::format("agent-{}", i); })));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(count(), 80);
  auto h = c.Get("/healthz");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200);
}

}  // namespace
}  // namespace agentperf::server
