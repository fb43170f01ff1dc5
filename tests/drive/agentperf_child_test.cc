#include "drive/agentperf_child.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "net/http_client.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::drive {
namespace {

TEST(AgentperfChild, ServeAndSimulateStartAnswerAndStopCleanly) {
  testing::TempDir dir;
  ServeChild serve;
  ASSERT_TRUE(serve.Start(testing::AgentperfBin(), dir.Sub("serve"), {"--no-opencode-spool"}).ok()) << serve.log();
  EXPECT_EQ(serve.data(), dir.Sub("serve/data"));
  net::HttpClient c(*net::ParseUrl(serve.url()));
  auto h = c.Get("/healthz");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200);

  SimChild sim;
  ASSERT_TRUE(sim.Start(testing::AgentperfBin(), dir.Sub("sim"), R"({"models": {"m": {"ttfc_ms": 1}}})").ok())
      << sim.stderr_text();
  EXPECT_EQ(sim.base_url(), fmt::format("http://127.0.0.1:{}/v1", sim.port()));
  net::HttpClient s(*net::ParseUrl(sim.base_url()));
  auto models = s.Get("/models");
  ASSERT_TRUE(models.ok());
  EXPECT_EQ(models->status, 200) << models->body;
  EXPECT_EQ(sim.Stop(), 0) << sim.stderr_text();
  EXPECT_EQ(serve.Stop(), 0) << serve.log();
}

TEST(AgentperfChild, AStartThatFailsSaysWhy) {
  testing::TempDir dir;
  ServeChild first, second;
  ASSERT_TRUE(first.Start(testing::AgentperfBin(), dir.Sub("a"), {"--no-opencode-spool"}, dir.Sub("data")).ok());
  // The same data directory: the second server refuses it.
  Status st = second.Start(testing::AgentperfBin(), dir.Sub("b"), {"--no-opencode-spool"}, dir.Sub("data"));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(dir.Sub("data")), std::string::npos) << st.message();
  SimChild sim;
  Status bad = sim.Start(testing::AgentperfBin(), dir.Sub("sim"), "{not json");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(first.Stop(), 0);
}

}  // namespace
}  // namespace agentperf::drive
