#include "sim/session_state.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace agentperf::sim {
namespace {

TEST(SessionStateTest, AttemptsCountPerKey) {
  SessionState s;
  EXPECT_EQ(s.NextAttempt("a/1/0"), 0);
  EXPECT_EQ(s.NextAttempt("a/1/0"), 1);
  EXPECT_EQ(s.NextAttempt("a/1/1"), 0);
  EXPECT_EQ(s.NextAttempt("b/1/0"), 0);
  EXPECT_EQ(s.NextAttempt("a/1/0"), 2);
  EXPECT_EQ(s.attempt_keys(), 3u);
}

TEST(SessionStateTest, PrefixCacheIsThePreviousPromptCappedByThisOne) {
  SessionState s;
  EXPECT_EQ(s.TakeCached("a#chat", 1000), 0);     // first request: nothing cached
  EXPECT_EQ(s.TakeCached("a#chat", 1500), 1000);  // grew: the old prompt is the prefix
  EXPECT_EQ(s.TakeCached("a#chat", 1200), 1200);  // shrank (compaction): capped
  EXPECT_EQ(s.TakeCached("a#title", 300), 0);     // another key
  EXPECT_EQ(s.TakeCached("a#chat", 1300), 1200);
}

TEST(SessionStateTest, ConcurrentAttemptsAreNeverRepeated) {
  SessionState s;
  std::vector<std::thread> threads;
  std::vector<std::vector<int>> got(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) got[static_cast<size_t>(t)].push_back(s.NextAttempt("k"));
    });
  }
  for (auto& t : threads) t.join();
  std::vector<bool> seen(4000, false);
  for (const auto& v : got) {
    for (int a : v) {
      ASSERT_GE(a, 0);
      ASSERT_LT(a, 4000);
      EXPECT_FALSE(seen[static_cast<size_t>(a)]);
      seen[static_cast<size_t>(a)] = true;
    }
  }
}

}  // namespace
}  // namespace agentperf::sim
