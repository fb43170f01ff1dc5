// Storage faults seen over HTTP (TestServer over a FaultInjectingFileSystem):
// a failed fsync or a full disk gives 503 + Retry-After with nothing of the
// batch visible, the server recovers once the fault is gone, and after a
// restart exactly the acknowledged events are present.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/server_fixture.h"

namespace agentperf::server {
namespace {

using agentperf::testing::JsonNum;
using agentperf::testing::EventJson;
using agentperf::testing::TestServer;
using agentperf::testing::TestServerOptions;

// Batch `tag`: n events, all with source = tag (so a query can tell batches apart).
std::string Batch(const std::string& tag, int n = 10, const std::string& agent = "coder") {
  std::string s = "[";
  for (int i = 0; i < n; ++i) {
    s += (i ? "," : "") +
         EventJson().Set("span_id", fmt::format("{}-{}", tag, i)).Set("source", tag).Set("agent", agent).Str();
  }
  return s + "]";
}

class FaultTest : public ::testing::Test {
 protected:
  static TestServerOptions Options() {
    TestServerOptions o;
    o.fault_fs = true;
    return o;
  }
  FaultTest() : ts_(Options()), client_(ts_.Client()) {}

  // Posts a batch and returns the HTTP status (0 on a transport error).
  int Post(const std::string& body, std::string* response = nullptr) {
    auto r = client_.Post("/v1/events", body);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return 0;
    if (response) *response = r->body;
    if (r->status == 503) {
      EXPECT_EQ(r->Header("retry-after"), "1") << r->body;
      simdjson::dom::parser p;
      simdjson::dom::element root;
      EXPECT_EQ(p.parse(r->body).get(root), simdjson::SUCCESS) << r->body;
    }
    return r->status;
  }
  double Events() {
    auto r = client_.Get("/v1/status");
    EXPECT_TRUE(r.ok());
    return r.ok() ? JsonNum(r->body, "/store/events").value_or(-1) : -1;
  }
  // Events per source label value, from the query API.
  std::map<std::string, double> PerBatch() {
    std::map<std::string, double> out;
    auto r = client_.Post("/v1/query", R"({"group_by":["source"],"aggregates":["count"]})");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return out;
    EXPECT_EQ(r->status, 200) << r->body;
    simdjson::dom::parser p;
    simdjson::dom::element root;
    if (p.parse(r->body).get(root) != simdjson::SUCCESS) return out;
    for (simdjson::dom::element s : root["series"].get_array()) {
      std::string_view src = s["labels"]["source"].get_string().value();
      out[std::string(src)] = s["points"].at(0)["count"].get_double().value();
    }
    return out;
  }
  void ExpectHealthy() {
    auto h = client_.Get("/healthz");
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->status, 200);
  }

  TestServer ts_;
  net::HttpClient client_;
};

TEST_F(FaultTest, FailedFsyncIs503AndTheBatchIsNotVisible) {
  ASSERT_EQ(Post(Batch("a")), 200);
  ts_.faults()->FailSyncs(1);
  std::string body;
  EXPECT_EQ(Post(Batch("b"), &body), 503) << body;
  EXPECT_EQ(ts_.faults()->failed_syncs(), 1u);
  EXPECT_EQ(Events(), 10);
  EXPECT_EQ(PerBatch().count("b"), 0u);
  ExpectHealthy();
  // The next batch goes through, and the failed one can be resent in full.
  EXPECT_EQ(Post(Batch("c")), 200);
  EXPECT_EQ(Post(Batch("b"), &body), 200);
  EXPECT_EQ(JsonNum(body, "/accepted"), 10) << body;
  EXPECT_EQ(JsonNum(body, "/duplicates"), 0) << body;
  EXPECT_EQ(Events(), 30);
  auto st = client_.Get("/v1/status");
  ASSERT_TRUE(st.ok());
  EXPECT_GE(JsonNum(st->body, "/store/ingest/failed_batches").value_or(0), 1) << st->body;
}

TEST_F(FaultTest, DiskFullIs503UntilSpaceIsBack) {
  ASSERT_EQ(Post(Batch("a")), 200);
  ts_.faults()->SetSpaceLeft(64);
  EXPECT_EQ(Post(Batch("full1")), 503);
  EXPECT_EQ(Post(Batch("full2")), 503);
  ExpectHealthy();
  EXPECT_EQ(Events(), 10);
  ts_.faults()->ClearFaults();
  std::string body;
  EXPECT_EQ(Post(Batch("full1"), &body), 200);
  EXPECT_EQ(JsonNum(body, "/accepted"), 10) << body;
  EXPECT_EQ(Post(Batch("after")), 200);
  EXPECT_EQ(Events(), 30);
  auto per = PerBatch();
  EXPECT_EQ(per.count("full2"), 0u);
  EXPECT_EQ(per["full1"], 10);
}

TEST_F(FaultTest, EverySyncFailingRefusesConcurrentPostsThenRecovers) {
  ASSERT_EQ(Post(Batch("base")), 200);
  ts_.faults()->FailSyncs(-1);
  std::vector<std::thread> threads;
  std::vector<int> statuses(4 * 5, -1);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto c = ts_.Client();
      for (int i = 0; i < 5; ++i) {
        auto r = c.Post("/v1/events", Batch(fmt::format("t{}-{}", t, i)));
        statuses[t * 5 + i] = r.ok() ? r->status : 0;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int s : statuses) EXPECT_EQ(s, 503);
  EXPECT_EQ(Events(), 10);
  ts_.faults()->ClearFaults();
  EXPECT_EQ(Post(Batch("t0-0")), 200);
  EXPECT_EQ(Events(), 20);
}

TEST_F(FaultTest, RestartKeepsExactlyTheAcknowledgedEvents) {
  std::map<std::string, double> acked;
  for (int k = 0; k < 16; ++k) {
    const std::string tag = fmt::format("batch{}", k);
    const int fault = k % 4;
    if (fault == 1) ts_.faults()->FailSyncs(1);
    if (fault == 2) ts_.faults()->SetSpaceLeft(40 * k);
    int status = Post(Batch(tag, 5 + k));
    if (fault == 2) ts_.faults()->ClearFaults();
    if (fault == 1 || fault == 2) {
      EXPECT_EQ(status, 503) << tag;
    } else {
      EXPECT_EQ(status, 200) << tag;
    }
    if (status == 200) acked[tag] = 5 + k;
  }
  ASSERT_EQ(PerBatch(), acked);
  ts_.Restart();
  client_ = ts_.Client();
  EXPECT_EQ(PerBatch(), acked);
  double total = 0;
  for (const auto& [tag, n] : acked) total += n;
  EXPECT_EQ(Events(), total);
  // Resending everything after the restart adds nothing already acknowledged.
  std::string body;
  for (int k = 0; k < 16; ++k) {
    const std::string tag = fmt::format("batch{}", k);
    ASSERT_EQ(Post(Batch(tag, 5 + k), &body), 200);
    EXPECT_EQ(JsonNum(body, "/duplicates"), acked.count(tag) ? 5 + k : 0) << tag << " " << body;
  }
  EXPECT_EQ(Events(), 16 * 5 + 120);
}

// A refused batch must not use up label cardinality: the values it reserved
// are given back when its write fails.
TEST(FaultCardinalityTest, FailedBatchDoesNotConsumeLabelCardinality) {
  TestServerOptions o;
  o.fault_fs = true;
  o.store.limits.max_label_cardinality = 3;
  TestServer ts(o);
  auto c = ts.Client();
  auto post = [&](const std::string& body) {
    auto r = c.Post("/v1/events", body);
    return r.ok() ? r->status : 0;
  };
  ASSERT_EQ(post(Batch("one", 2, "agent-1")), 200);
  ASSERT_EQ(post(Batch("two", 2, "agent-2")), 200);
  ts.faults()->FailSyncs(1);
  ASSERT_EQ(post(Batch("lost", 2, "agent-lost")), 503);
  EXPECT_EQ(post(Batch("three", 2, "agent-3")), 200)
      << "a batch that was refused with 503 still counts against max_label_cardinality";
}

}  // namespace
}  // namespace agentperf::server
