#include "core/serial_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace agentperf {
namespace {

TEST(SerialExecutor, RunsTasksInSubmissionOrder) {
  std::vector<int> order;  // touched only by the executor thread until done
  std::promise<void> done;
  {
    SerialExecutor ex("t-order");
    for (int i = 0; i < 1000; ++i) ex.Submit([&order, i] { order.push_back(i); });
    ex.Submit([&done] { done.set_value(); });
    done.get_future().wait();
  }
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(order[i], i);
}

TEST(SerialExecutor, DestructorRunsEverythingAlreadySubmitted) {
  std::atomic<int> ran{0};
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::vector<int> order;
  {
    SerialExecutor ex("t-drain");
    // The first task holds the queue until just before destruction, so the
    // rest are (normally) still queued when ~SerialExecutor starts.
    ex.Submit([open] { open.wait(); });
    for (int i = 0; i < 100; ++i) {
      ex.Submit([&, i] {
        order.push_back(i);
        ran.fetch_add(1);
      });
    }
    gate.set_value();
  }  // ~SerialExecutor: drains, then joins
  EXPECT_EQ(ran.load(), 100);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(SerialExecutor, TasksSubmittedByTasksDuringShutdownAlsoRun) {
  std::atomic<int> ran{0};
  {
    SerialExecutor ex("t-chain");
    SerialExecutor* self = &ex;
    ex.Submit([self, &ran] {
      ran.fetch_add(1);
      self->Submit([&ran] { ran.fetch_add(10); });
    });
  }
  EXPECT_EQ(ran.load(), 11);
}

TEST(SerialExecutor, SubmitFromManyThreadsRunsEachTaskOnceAndSerially) {
  constexpr int kThreads = 8, kPerThread = 500;
  std::vector<std::vector<int>> seen(kThreads);  // executor thread only
  std::atomic<int> concurrent{0};
  std::atomic<int> max_concurrent{0};
  {
    SerialExecutor ex("t-multi");
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          ex.Submit([&, t, i] {
            int now = concurrent.fetch_add(1) + 1;
            int prev = max_concurrent.load();
            while (now > prev && !max_concurrent.compare_exchange_weak(prev, now)) {
            }
            seen[t].push_back(i);
            concurrent.fetch_sub(1);
          });
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  EXPECT_EQ(max_concurrent.load(), 1);
  for (int t = 0; t < kThreads; ++t) {
    // Each submitter's own tasks keep their relative order.
    ASSERT_EQ(seen[t].size(), static_cast<size_t>(kPerThread)) << t;
    for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(seen[t][i], i) << t;
  }
}

TEST(SerialExecutor, RunsTasksOnItsOwnSingleThread) {
  std::thread::id first, second;
  std::promise<void> done;
  SerialExecutor ex("t-thread");
  ex.Submit([&] { first = std::this_thread::get_id(); });
  ex.Submit([&] {
    second = std::this_thread::get_id();
    done.set_value();
  });
  done.get_future().wait();
  EXPECT_EQ(first, second);
  EXPECT_NE(first, std::this_thread::get_id());
}

TEST(SerialExecutor, PendingCountsQueuedAndRunningTasks) {
  SerialExecutor ex("t-pending");
  EXPECT_EQ(ex.pending(), 0u);
  std::promise<void> started, release;
  std::shared_future<void> go = release.get_future().share();
  ex.Submit([&started, go] {
    started.set_value();
    go.wait();
  });
  started.get_future().wait();
  ex.Submit([] {});
  ex.Submit([] {});
  EXPECT_EQ(ex.pending(), 3u);  // one running, two queued
  std::promise<void> done;
  ex.Submit([&done] { done.set_value(); });
  EXPECT_EQ(ex.pending(), 4u);
  release.set_value();
  done.get_future().wait();
  EXPECT_LE(ex.pending(), 1u);  // at most the task that just signalled
}

TEST(SerialExecutor, PendingDoesNotCountFinishedTasksOfTheCurrentBatch) {
  // Tasks A and B are queued together while a blocker runs, so the executor
  // picks them up as one batch. Once A has finished and B is running, exactly
  // one task is "submitted but not finished".
  SerialExecutor ex("t-batch");
  std::promise<void> blocker_started, blocker_release, b_started, b_release;
  std::shared_future<void> blocker_go = blocker_release.get_future().share();
  std::shared_future<void> b_go = b_release.get_future().share();
  bool a_ran = false;
  ex.Submit([&blocker_started, blocker_go] {
    blocker_started.set_value();
    blocker_go.wait();
  });
  blocker_started.get_future().wait();
  ex.Submit([&a_ran] { a_ran = true; });
  ex.Submit([&b_started, b_go] {
    b_started.set_value();
    b_go.wait();
  });
  blocker_release.set_value();
  b_started.get_future().wait();
  EXPECT_TRUE(a_ran);
  EXPECT_EQ(ex.pending(), 1u);
  b_release.set_value();
}

TEST(SerialExecutor, LongNameIsAccepted) {
  // pthread names are limited to 15 bytes; the executor must truncate, not fail.
  std::promise<void> done;
  SerialExecutor ex("a-very-long-executor-name-indeed");
  ex.Submit([&done] { done.set_value(); });
  EXPECT_EQ(done.get_future().wait_for(std::chrono::minutes(1)), std::future_status::ready);
}

}  // namespace
}  // namespace agentperf
