// The REST endpoints over real HTTP against the real store (TestServer):
// health, status, index page, ingest (counts, duplicates, encodings), query
// numbers, label values, 404/405 and keep-alive.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "testing/compress.h"
#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/server_fixture.h"

namespace agentperf::server {
namespace {

using agentperf::testing::Deflate;
using agentperf::testing::Gzip;
using agentperf::testing::Zstd;
using Doc = agentperf::testing::JsonDoc;

using agentperf::testing::EventJson;
using agentperf::testing::TestServer;
using agentperf::testing::TestServerOptions;

// Event i of a batch tagged `tag`: tokens.input = i + 1, duration_ms = i + 1.
std::string Ev(int i, const std::string& tag, const std::string& agent = "coder") {
  return EventJson()
      .Set("span_id", fmt::format("{}-{}", tag, i))
      .Set("agent", agent)
      .Raw("tokens", fmt::format("{{\"input\":{}}}", i + 1))
      .Set("duration_ms", i + 1)
      .Str();
}

std::string Array(int n, const std::string& tag, int first = 0) {
  std::string s = "[";
  for (int i = first; i < first + n; ++i) s += (i > first ? "," : "") + Ev(i, tag);
  return s + "]";
}

double Count(net::HttpClient& c) {
  auto r = c.Post("/v1/query", R"({"aggregates":["count"]})");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return -1;
  EXPECT_EQ(r->status, 200) << r->body;
  Doc d(r->body);
  if (d.Len("/series") == 0) return 0;
  return d.Num("/series/0/points/0/count").value_or(-1);
}

TEST(RestApiTest, HealthzAnswersOk) {
  TestServer ts;
  auto c = ts.Client();
  auto r = c.Get("/healthz");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Doc(r->body).Str("/status"), "ok");
  auto h = c.Request("HEAD", "/healthz");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->status, 200);
  EXPECT_TRUE(h->body.empty());
  // A HEAD answer carries no body: the next answer on the connection is intact.
  auto after = c.Get("/v1/status");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->status, 200);
  EXPECT_TRUE(Doc(after->body).Num("/store/events").has_value()) << after->body;
}

TEST(RestApiTest, StatusIsJsonWithStoreEventsAndServerFields) {
  TestServer ts;
  auto c = ts.Client();
  auto p = c.Post("/v1/events", Array(7, "st"));
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->status, 200) << p->body;
  auto r = c.Get("/v1/status");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->Header("content-type").find("application/json"), std::string_view::npos);
  Doc d(r->body);
  ASSERT_TRUE(d.ok()) << r->body;
  EXPECT_EQ(d.Num("/store/events"), 7);
  EXPECT_EQ(d.Num("/store/ingest/accepted"), 7);
  EXPECT_EQ(d.Str("/store/backend"), "embedded");
  EXPECT_TRUE(d.Str("/version").has_value());
  EXPECT_EQ(d.Num("/server/inflight_bytes"), 0);
  EXPECT_GE(d.Num("/server/requests").value_or(0), 2);
  EXPECT_EQ(d.Str("/server/listen"), fmt::format("127.0.0.1:{}", ts.Client().url().port));
}

TEST(RestApiTest, IndexIsHtml) {
  TestServer ts;
  auto c = ts.Client();
  for (const char* path : {"/", "/index.html"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->Header("content-type").substr(0, 9), "text/html") << path;
    EXPECT_NE(r->body.find("<html>"), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("/v1/events"), std::string::npos);
  }
}

TEST(RestApiTest, EventsAcceptedThenDuplicatesOnResend) {
  TestServer ts;
  auto c = ts.Client();
  const std::string body = Array(25, "dup");
  auto first = c.Post("/v1/events", body);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->status, 200) << first->body;
  Doc d1(first->body);
  EXPECT_EQ(d1.Num("/accepted"), 25);
  EXPECT_EQ(d1.Num("/duplicates"), 0);
  auto second = c.Post("/v1/events", body);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->status, 200) << second->body;
  Doc d2(second->body);
  EXPECT_EQ(d2.Num("/accepted"), 0);
  EXPECT_EQ(d2.Num("/duplicates"), 25);
  EXPECT_EQ(Count(c), 25);

  // Half old, half new: only the new ones are accepted.
  auto mixed = c.Post("/v1/events", Array(20, "dup", 15));
  ASSERT_TRUE(mixed.ok());
  ASSERT_EQ(mixed->status, 200) << mixed->body;
  Doc d3(mixed->body);
  EXPECT_EQ(d3.Num("/accepted"), 10);
  EXPECT_EQ(d3.Num("/duplicates"), 10);
  EXPECT_EQ(Count(c), 35);
}

TEST(RestApiTest, NdjsonAndEmptyArrayAreAccepted) {
  TestServer ts;
  auto c = ts.Client();
  std::string nd;
  for (int i = 0; i < 12; ++i) nd += Ev(i, "nd") + "\n";
  nd += "\n  \n";  // blank lines are skipped
  auto r = c.Post("/v1/events", nd, "application/x-ndjson");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Doc(r->body).Num("/accepted"), 12);
  auto e = c.Post("/v1/events", "[]");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->status, 200) << e->body;
  EXPECT_EQ(Doc(e->body).Num("/accepted"), 0);
  EXPECT_EQ(Count(c), 12);
}

TEST(RestApiTest, CompressedBodiesAreAccepted) {
  TestServer ts;
  auto c = ts.Client();
  struct Case {
    std::string encoding, body;
    int n;
  };
  std::vector<Case> cases = {{"gzip", Gzip(Array(30, "gz")), 30},
                             {"x-gzip", Gzip(Array(5, "xgz")), 5},
                             {"deflate", agentperf::testing::Zlib(Array(6, "zlib")), 6},
                             {"zstd", Zstd(Array(40, "zs")), 40},
                             {"identity", Array(3, "id"), 3}};
  double total = 0;
  for (const auto& cs : cases) {
    auto r = c.Post("/v1/events", cs.body, "application/json", {{"Content-Encoding", cs.encoding}});
    ASSERT_TRUE(r.ok()) << cs.encoding;
    ASSERT_EQ(r->status, 200) << cs.encoding << ": " << r->body;
    EXPECT_EQ(Doc(r->body).Num("/accepted"), cs.n) << cs.encoding;
    total += cs.n;
  }
  EXPECT_EQ(Count(c), total);
}

TEST(RestApiTest, QueryReturnsThePostedNumbers) {
  TestServer ts;
  auto c = ts.Client();
  const int n = 1000;
  // Two agents: "alpha" gets the even events, "beta" the odd ones.
  std::string body = "[";
  double sum_alpha = 0, sum_all = 0;
  std::vector<double> durations;
  for (int i = 0; i < n; ++i) {
    body += (i ? "," : "") + Ev(i, "q", i % 2 == 0 ? "alpha" : "beta");
    sum_all += i + 1;
    if (i % 2 == 0) sum_alpha += i + 1;
    durations.push_back(i + 1);
  }
  body += "]";
  auto p = c.Post("/v1/events", body);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->status, 200) << p->body;

  auto r = c.Post("/v1/query", R"j({"aggregates":["count","sum(tokens.input)","p95(duration_ms)"]})j");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  Doc d(r->body);
  ASSERT_EQ(d.Len("/series"), 1u) << r->body;
  EXPECT_EQ(d.Num("/series/0/points/0/count"), n);
  EXPECT_EQ(d.Num("/series/0/points/0/sum(tokens.input)"), sum_all);
  std::sort(durations.begin(), durations.end());
  const double exact_p95 = durations[static_cast<size_t>(std::ceil(0.95 * n)) - 1];
  auto p95 = d.Num("/series/0/points/0/p95(duration_ms)");
  ASSERT_TRUE(p95.has_value()) << r->body;
  EXPECT_NEAR(*p95, exact_p95, exact_p95 * 0.005) << r->body;

  auto g = c.Post("/v1/query", R"j({"group_by":["agent"],"aggregates":["count","sum(tokens.input)"],
                                   "filters":[{"label":"agent","op":"in","values":["alpha","beta"]}]})j");
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->status, 200) << g->body;
  Doc gd(g->body);
  ASSERT_EQ(gd.Len("/series"), 2u) << g->body;
  EXPECT_EQ(gd.Str("/series/0/labels/agent"), "alpha");
  EXPECT_EQ(gd.Num("/series/0/points/0/count"), n / 2);
  EXPECT_EQ(gd.Num("/series/0/points/0/sum(tokens.input)"), sum_alpha);
  EXPECT_EQ(gd.Str("/series/1/labels/agent"), "beta");
  EXPECT_EQ(gd.Num("/series/1/points/0/sum(tokens.input)"), sum_all - sum_alpha);
}

TEST(RestApiTest, BadQueryIsA400WithJsonError) {
  TestServer ts;
  auto c = ts.Client();
  for (const char* q : {"{not json", R"j({"aggregates":["p95(nope)"]})j", R"({"bogus":1})", R"({"from":"now","to":"-1h"})"}) {
    auto r = c.Post("/v1/query", q);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << q << " -> " << r->body;
    EXPECT_TRUE(Doc(r->body).Str("/error").has_value()) << r->body;
  }
}

TEST(RestApiTest, LabelValuesAreSortedAndLimited) {
  TestServer ts;
  auto c = ts.Client();
  std::string body = "[";
  const std::vector<std::string> agents = {"zeta", "alpha", "mike", "bravo", "alpha", "zeta"};
  for (size_t i = 0; i < agents.size(); ++i) body += (i ? "," : "") + Ev(static_cast<int>(i), "lv", agents[i]);
  body += "]";
  auto p = c.Post("/v1/events", body);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->status, 200) << p->body;

  auto r = c.Get("/v1/labels/agent/values");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  Doc d(r->body);
  EXPECT_EQ(d.Str("/label"), "agent");
  ASSERT_EQ(d.Len("/values"), 4u) << r->body;
  const std::vector<std::string> want = {"alpha", "bravo", "mike", "zeta"};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(d.Str(fmt::format("/values/{}", i)), want[i]) << r->body;

  auto lim = c.Get("/v1/labels/agent/values?limit=2");
  ASSERT_TRUE(lim.ok());
  ASSERT_EQ(lim->status, 200);
  Doc dl(lim->body);
  ASSERT_EQ(dl.Len("/values"), 2u) << lim->body;
  EXPECT_EQ(dl.Str("/values/1"), "bravo");

  // A time window (goes through the query engine) gives the same sorted set.
  auto win = c.Get("/v1/labels/agent/values?from=2025-12-31T00:00:00Z&to=2026-01-02T00:00:00Z");
  ASSERT_TRUE(win.ok());
  ASSERT_EQ(win->status, 200) << win->body;
  Doc dw(win->body);
  ASSERT_EQ(dw.Len("/values"), 4u) << win->body;
  EXPECT_EQ(dw.Str("/values/0"), "alpha");
  EXPECT_EQ(dw.Str("/values/3"), "zeta");

  auto unknown = c.Get("/v1/labels/nope/values");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  auto bad = c.Get("/v1/labels/agent/values?limit=zero");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400) << bad->body;
}

TEST(RestApiTest, UnknownPathIs404WithJsonError) {
  TestServer ts;
  auto c = ts.Client();
  for (const char* path : {"/nope", "/v1", "/v1/events/extra", "/v1/labels//values"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(Doc(r->body).Str("/code"), "not_found") << r->body;
  }
}

TEST(RestApiTest, WrongMethodIs405WithAllowHeader) {
  TestServer ts;
  auto c = ts.Client();
  struct Case {
    const char* method;
    const char* path;
    const char* allow;
  };
  for (const Case& cs : {Case{"GET", "/v1/events", "POST"}, Case{"PUT", "/v1/query", "POST"},
                         Case{"POST", "/healthz", "GET, HEAD"}, Case{"DELETE", "/v1/status", "GET"},
                         Case{"POST", "/v1/labels/agent/values", "GET"}, Case{"POST", "/", "GET"}}) {
    auto r = c.Request(cs.method, cs.path, cs.method == std::string("GET") ? "" : "{}");
    ASSERT_TRUE(r.ok()) << cs.method << " " << cs.path;
    EXPECT_EQ(r->status, 405) << cs.method << " " << cs.path;
    EXPECT_EQ(r->Header("allow"), cs.allow) << cs.method << " " << cs.path;
    EXPECT_EQ(Doc(r->body).Str("/code"), "method_not_allowed") << r->body;
  }
  // Nothing was ingested by the refused POSTs.
  EXPECT_EQ(Count(c), 0);
}

TEST(RestApiTest, KeepAliveServesManyRequestsOnOneConnection) {
  TestServer ts;
  auto c = ts.Client();
  ASSERT_TRUE(c.Get("/healthz").ok());
  auto before = c.Get("/v1/status");
  ASSERT_TRUE(before.ok());
  const double conns = Doc(before->body).Num("/server/connections_total").value_or(-1);
  ASSERT_GE(conns, 1);
  for (int i = 0; i < 200; ++i) {
    auto r = i % 3 == 0 ? c.Post("/v1/events", Array(2, fmt::format("ka{}", i))) : c.Get("/healthz");
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
    ASSERT_EQ(r->status, 200) << i << ": " << r->body;
    EXPECT_NE(r->Header("connection"), "close");
  }
  auto after = c.Get("/v1/status");
  ASSERT_TRUE(after.ok());
  Doc d(after->body);
  EXPECT_EQ(d.Num("/server/connections_total"), conns) << "requests did not share one connection";
  EXPECT_GE(d.Num("/server/requests").value_or(0), 202);
  EXPECT_EQ(d.Num("/store/events"), 2 * 67);
}

}  // namespace
}  // namespace agentperf::server
