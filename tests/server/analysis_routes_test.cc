// GET /v1/analysis/{baselines,report}: the same answers as the analysis
// service on the store, parameters checked, methods and unknown endpoints.
#include <gtest/gtest.h>

#include "analysis/service/service.h"
#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/server_fixture.h"

namespace agentperf {
namespace {

using testing::EventJson;
using testing::JsonDoc;
using testing::kBaseMs;

class AnalysisRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> lines;
    for (int i = 0; i < 6; ++i) {
      lines.push_back(EventJson()
                          .Set("span_id", "s" + std::to_string(i))
                          .Set("agent", i < 4 ? "coder" : "tester")
                          .Set("start_ms", kBaseMs + i * 1000)
                          .Set("duration_ms", 100 * (i + 1))
                          .Str());
    }
    lines.push_back(
        EventJson().Set("kind", "tool_call").Set("span_id", "t").Set("tool", "read").Set("duration_ms", 30).Str());
    auto r = client_.Post("/v1/events", testing::Ndjson(lines));
    ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
  }
  net::HttpResponse Get(const std::string& path) {
    auto r = client_.Get(path);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : net::HttpResponse{};
  }
  // Drops the timing-dependent "source" objects.
  static std::string WithoutSource(std::string json) {
    for (size_t k; (k = json.find(R"("source":{)")) != std::string::npos;) {
      size_t end = json.find('}', k);
      json.erase(k, end - k + 1);
    }
    return json;
  }

  testing::TestServer server_;
  net::HttpClient client_ = server_.Client();
};

constexpr char kWindow[] = "from=2025-12-31&to=2026-01-02";

TEST_F(AnalysisRoutesTest, BaselinesAndReportMatchTheService) {
  analysis::AnalysisService service(server_.store(), analysis::PriceTable::Bundled());
  const analysis::Params params = {{"from", "2025-12-31"}, {"to", "2026-01-02"}, {"group_by", "agent"}};
  auto local = service.Answer("baselines", params, kBaseMs * 1000);
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  net::HttpResponse r = Get(std::string("/v1/analysis/baselines?") + kWindow + "&group_by=agent");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(WithoutSource(r.body), WithoutSource(*local));
  JsonDoc doc(r.body);
  EXPECT_EQ(doc.Str("/rows/0/labels/agent"), "coder");
  EXPECT_EQ(doc.Num("/rows/0/count"), 4);
  EXPECT_EQ(doc.Num("/rows/1/count"), 2);

  net::HttpResponse rep = Get(std::string("/v1/analysis/report?") + kWindow + "&agent=tester");
  ASSERT_EQ(rep.status, 200) << rep.body;
  JsonDoc rd(rep.body);
  EXPECT_EQ(rd.Str("/agents/rows/0/labels/agent"), "tester");
  EXPECT_FALSE(rd.Str("/agents/rows/1/labels/agent").has_value());
  EXPECT_EQ(rd.Num("/window/from_ms"), kBaseMs - 86400000);
}

TEST_F(AnalysisRoutesTest, GroupByToolDescribesToolCalls) {
  net::HttpResponse r = Get(std::string("/v1/analysis/baselines?") + kWindow + "&group_by=tool");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc doc(r.body);
  EXPECT_EQ(doc.Str("/kind"), "tool_call");
  EXPECT_EQ(doc.Str("/rows/0/labels/tool"), "read");
}

// compare?anomaly=FROM..TO: the anomaly is the after window, the baseline
// the four times longer window just before it (unless before is given).
TEST_F(AnalysisRoutesTest, CompareAroundAnAnomaly) {
  const std::string from = std::to_string(kBaseMs + 3600000), to = std::to_string(kBaseMs + 2 * 3600000);
  net::HttpResponse r = Get("/v1/analysis/compare?anomaly=" + from + ".." + to + "&with=version");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc d(r.body);
  EXPECT_EQ(d.Num("/after/from_ms"), kBaseMs + 3600000) << r.body;
  EXPECT_EQ(d.Num("/after/to_ms"), kBaseMs + 2 * 3600000) << r.body;
  EXPECT_EQ(d.Num("/before/from_ms"), kBaseMs + 3600000 - 4 * 3600000) << r.body;
  EXPECT_EQ(d.Num("/before/to_ms"), kBaseMs + 3600000) << r.body;
  EXPECT_EQ(d.Num("/before/count"), 6) << r.body;
  bool version = false;
  const size_t n = d.Len("/explained");
  for (size_t i = 0; n != SIZE_MAX && i < n; ++i) {
    version |= d.Str("/explained/" + std::to_string(i) + "/dimension") == "version";
  }
  EXPECT_TRUE(version) << r.body;
  net::HttpResponse own = Get("/v1/analysis/compare?anomaly=" + from + ".." + to + "&before=-3650d..-3640d");
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(JsonDoc(own.body).Num("/before/count"), 0) << own.body;
}

TEST_F(AnalysisRoutesTest, BadRequestsNameTheProblem) {
  struct Case {
    std::string path;
    int status;
    std::string needle;
  } cases[] = {
      {"/v1/analysis/baselines?group_by=session_id", 400, "group_by"},
      {"/v1/analysis/baselines?kind=nope", 400, "kind"},
      {"/v1/analysis/baselines?from=yesterday", 400, "from"},
      {"/v1/analysis/baselines?colour=red", 400, "unknown parameter 'colour'"},
      {"/v1/analysis/report?from=2026-01-02&to=2026-01-01", 400, "from must be before to"},
      {"/v1/analysis/report?group_by=tool", 400, "group_by"},
      {"/v1/analysis/nothing", 404, "no analysis endpoint"},
      {"/v1/analysis/compare?before=-2d..-1d&after=-1d..now&from=-3d", 400, "unknown parameter 'from'"},
      {"/v1/analysis/explain?session=ses_a&agent=coder", 400, "unknown parameter 'agent'"},
      {"/v1/analysis/outliers?group_by=agent", 400, "unknown parameter 'group_by'"},
      {"/v1/analysis/outliers?kind=sample", 400, "kind"},
      {"/v1/analysis/outliers?threshold=abc", 400, "threshold"},
      {"/v1/analysis/outliers?top=-1", 400, "top"},
      {"/v1/analysis/correlations?alpha=2", 400, "alpha"},
      {"/v1/analysis/correlations?threshold=3", 400, "unknown parameter 'threshold'"},
      {"/v1/analysis/compare?anomaly=-1h..now&after=-1h..now", 400, "anomaly or after"},
      {"/v1/analysis/compare?before=-2d..-1d&after=-1d..now&with=model", 400, "with"},
  };
  for (const Case& c : cases) {
    net::HttpResponse r = Get(c.path);
    EXPECT_EQ(r.status, c.status) << c.path << ": " << r.body;
    EXPECT_NE(r.body.find(c.needle), std::string::npos) << c.path << ": " << r.body;
  }
  auto post = client_.Post("/v1/analysis/report", "{}");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->status, 405);
}

}  // namespace
}  // namespace agentperf
