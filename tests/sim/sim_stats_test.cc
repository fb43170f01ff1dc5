#include "sim/sim_stats.h"

#include <gtest/gtest.h>

#include "testing/json_doc.h"

namespace agentperf::sim {
namespace {

TEST(SimStatsTest, CountsRequestsStatusesAgentsAndTokens) {
  SimStats s;
  s.RequestStarted(true);
  s.RequestStarted(true);
  s.RequestStarted(false);
  EXPECT_EQ(s.active(), 3u);
  Usage u{100, 10, 40};
  s.RequestEnded(true, 200, "planner", &u, false);
  s.RequestEnded(true, 429, "coder", nullptr, false);
  s.RequestEnded(false, 200, "coder", &u, true);
  s.BadRequest();
  agentperf::testing::JsonDoc d(s.Json());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.Num("/requests"), 3);
  EXPECT_EQ(d.Num("/active"), 0);
  EXPECT_EQ(d.Num("/streams"), 2);
  EXPECT_EQ(d.Num("/by_status/200"), 2);
  EXPECT_EQ(d.Num("/by_status/429"), 1);
  EXPECT_EQ(d.Num("/by_agent/coder"), 2);
  EXPECT_EQ(d.Num("/prompt_tokens"), 200);
  EXPECT_EQ(d.Num("/cached_tokens"), 80);
  EXPECT_EQ(d.Num("/completion_tokens"), 20);
  EXPECT_EQ(d.Num("/client_gone"), 1);
  EXPECT_EQ(d.Num("/bad_requests"), 1);
}

}  // namespace
}  // namespace agentperf::sim
