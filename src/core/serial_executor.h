// SerialExecutor: one background thread that runs submitted tasks one at a
// time, in submission order. Used to pipeline work that must stay ordered
// (e.g. applying durable batches to the head while the WAL writes the next
// group). The destructor runs every task already submitted, then joins.
// Thread-safety: Submit() may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace agentperf {

class SerialExecutor {
 public:
  explicit SerialExecutor(std::string name);
  ~SerialExecutor();
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  void Submit(std::function<void()> task);
  // Tasks submitted but not finished.
  size_t pending() const;

 private:
  void Run();
  const std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  size_t running_ = 0;                       // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread thread_;
};

}  // namespace agentperf
