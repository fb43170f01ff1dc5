// Tests for the process-wide ingest backpressure: when Wait() waits, that it
// ends when memory is released, gives up after max_wait (and then does not
// wait again until a holder goes), and can be aborted.
#include "core/ingest_backpressure.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace agentperf::backpressure {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class BackpressureTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (uint64_t b : held_) Unregister(b);
    SetLimit(0);
  }
  void Hold(uint64_t bytes) {
    Register(bytes);
    held_.push_back(bytes);
  }
  void Drop(size_t i) {
    Unregister(held_[i]);
    held_.erase(held_.begin() + static_cast<long>(i));
  }
  std::vector<uint64_t> held_;
};

TEST_F(BackpressureTest, OffByDefaultAndUnderTheLimit) {
  Hold(1 << 20);
  Hold(1 << 20);
  EXPECT_FALSE(ShouldWait());  // no limit
  SetLimit(uint64_t{3} << 20);
  EXPECT_FALSE(ShouldWait());  // under it
  EXPECT_FALSE(Wait(nullptr));
  Update(1 << 20, uint64_t{3} << 20);
  held_[1] = uint64_t{3} << 20;
  EXPECT_TRUE(ShouldWait());
  Stats s = GetStats();
  EXPECT_EQ(s.bytes, uint64_t{4} << 20);
  EXPECT_EQ(s.holders, 2u);
  EXPECT_EQ(s.limit, uint64_t{3} << 20);
}

TEST_F(BackpressureTest, OneHolderAloneNeverWaits) {
  SetLimit(100);
  Hold(1000);  // the active head, over the limit by itself: waiting would free nothing
  EXPECT_FALSE(ShouldWait());
  Hold(10);
  EXPECT_TRUE(ShouldWait());
}

TEST_F(BackpressureTest, WaitEndsWhenAHolderGoes) {
  SetLimit(100, std::chrono::seconds(30));
  Hold(80);
  Hold(80);
  const uint64_t waits = GetStats().waits;
  std::thread releaser([this] {
    std::this_thread::sleep_for(milliseconds(100));
    Drop(0);
  });
  const auto t0 = Clock::now();
  EXPECT_TRUE(Wait(nullptr));
  releaser.join();
  EXPECT_GE(Clock::now() - t0, milliseconds(90));
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(10));
  EXPECT_FALSE(ShouldWait());
  EXPECT_EQ(GetStats().waits, waits + 1);
}

TEST_F(BackpressureTest, WaitEndsWhenAHolderShrinks) {
  SetLimit(100, std::chrono::seconds(30));
  Hold(80);
  Hold(80);
  std::thread shrinker([this] {
    std::this_thread::sleep_for(milliseconds(50));
    Update(80, 10);
    held_[0] = 10;
  });
  EXPECT_TRUE(Wait(nullptr));
  shrinker.join();
  EXPECT_FALSE(ShouldWait());
}

TEST_F(BackpressureTest, GivesUpAfterMaxWaitThenNotAgainUntilAHolderGoes) {
  SetLimit(100, milliseconds(100));
  Hold(80);
  Hold(80);
  const uint64_t timeouts = GetStats().timeouts;
  const auto t0 = Clock::now();
  EXPECT_TRUE(Wait(nullptr));
  EXPECT_GE(Clock::now() - t0, milliseconds(90));
  EXPECT_EQ(GetStats().timeouts, timeouts + 1);
  // Stuck (e.g. a failing flusher): no more waits...
  EXPECT_FALSE(ShouldWait());
  EXPECT_FALSE(Wait(nullptr));
  // ...until a holder has gone and the heads are over the limit again.
  Hold(80);
  EXPECT_FALSE(ShouldWait());
  Drop(0);
  EXPECT_TRUE(ShouldWait());
}

TEST_F(BackpressureTest, AbortEndsTheWait) {
  SetLimit(100, std::chrono::seconds(30));
  Hold(80);
  Hold(80);
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(50));
    stop = true;
  });
  const auto t0 = Clock::now();
  EXPECT_TRUE(Wait([&] { return stop.load(); }));
  stopper.join();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
  EXPECT_TRUE(ShouldWait());  // still over: an abort is not a timeout
}

}  // namespace
}  // namespace agentperf::backpressure
