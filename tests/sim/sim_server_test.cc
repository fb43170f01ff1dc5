#include "sim/sim_server.h"

#include <gtest/gtest.h>

#include "net/http_client.h"
#include "testing/json_doc.h"

namespace agentperf::sim {
namespace {

TEST(SimServerTest, ListensOnLoopbackAndStopsTwice) {
  auto cfg = ParseConfig(R"({"models": {"m": {"ttfc_ms": 1}}})");
  ASSERT_TRUE(cfg.ok());
  auto s = SimServer::Start(*cfg, SimServerOptions{});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NE((*s)->port(), 0);
  EXPECT_EQ((*s)->url(), "http://127.0.0.1:" + std::to_string((*s)->port()));
  net::HttpClient c(*net::ParseUrl((*s)->url()));
  auto m = c.Get("/v1/models");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(agentperf::testing::JsonStr(m->body, "/data/0/id"), "m");
  EXPECT_EQ((*s)->simulator().config().models.size(), 1u);
  (*s)->Stop();
  (*s)->Stop();
  c.Close();
  EXPECT_FALSE(c.Get("/healthz").ok());  // nothing listens any more
}

TEST(SimServerTest, RefusesNonLoopbackAddressesTakenPortsAndBadLogs) {
  auto cfg = ParseConfig("{}");
  ASSERT_TRUE(cfg.ok());
  SimServerOptions o;
  o.listen = "0.0.0.0:0";
  EXPECT_EQ(SimServer::Start(*cfg, o).status().code(), StatusCode::kInvalidArgument);
  o.listen = "not an address";
  EXPECT_EQ(SimServer::Start(*cfg, o).status().code(), StatusCode::kInvalidArgument);
  auto first = SimServer::Start(*cfg, SimServerOptions{});
  ASSERT_TRUE(first.ok());
  o.listen = "127.0.0.1:" + std::to_string((*first)->port());
  EXPECT_EQ(SimServer::Start(*cfg, o).status().code(), StatusCode::kUnavailable);
  o.listen = "127.0.0.1:0";
  o.log_path = "/nonexistent-dir/x.ndjson";
  EXPECT_EQ(SimServer::Start(*cfg, o).status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace agentperf::sim
