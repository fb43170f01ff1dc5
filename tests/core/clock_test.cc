#include "core/clock.h"

#include <gtest/gtest.h>

namespace agentperf {
namespace {

TEST(Clock, UnitConstants) {
  EXPECT_EQ(kMicrosPerMilli, 1000);
  EXPECT_EQ(kMicrosPerSecond, 1000000);
  EXPECT_EQ(kMicrosPerMinute, 60 * kMicrosPerSecond);
  EXPECT_EQ(kMicrosPerHour, 3600 * kMicrosPerSecond);
  EXPECT_EQ(kMicrosPerDay, 86400LL * 1000000);
}

TEST(Clock, WallMicrosIsMicrosecondsSinceTheEpoch) {
  const int64_t y2020 = 1577836800LL * kMicrosPerSecond;
  const int64_t y2200 = 7258118400LL * kMicrosPerSecond;
  int64_t now = WallMicros();
  EXPECT_GT(now, y2020);  // not seconds or milliseconds
  EXPECT_LT(now, y2200);  // not nanoseconds
}

TEST(Clock, MonotonicNeverGoesBackwards) {
  int64_t prev = MonotonicNanos();
  EXPECT_GT(prev, 0);
  for (int i = 0; i < 10000; ++i) {
    int64_t now = MonotonicNanos();
    ASSERT_GE(now, prev);
    prev = now;
  }
}

}  // namespace
}  // namespace agentperf
