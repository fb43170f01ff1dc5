#include "core/serial_executor.h"

#include <pthread.h>

namespace agentperf {

SerialExecutor::SerialExecutor(std::string name) : name_(std::move(name)) {
  thread_ = std::thread([this] { Run(); });
  pthread_setname_np(thread_.native_handle(), name_.substr(0, 15).c_str());
}

SerialExecutor::~SerialExecutor() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SerialExecutor::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> l(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

size_t SerialExecutor::pending() const {
  std::lock_guard<std::mutex> l(mu_);
  return tasks_.size() + running_;
}

void SerialExecutor::Run() {
  std::deque<std::function<void()>> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(mu_);
      running_ = 0;
      cv_.wait(l, [this] { return !tasks_.empty() || stopping_; });
      if (tasks_.empty()) return;
      batch.swap(tasks_);
      running_ = batch.size();
    }
    for (auto& t : batch) {
      t();
      std::lock_guard<std::mutex> l(mu_);
      --running_;  // pending() counts only tasks not yet finished
    }
    batch.clear();
  }
}

}  // namespace agentperf
