#include "core/ingest_backpressure.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace agentperf::backpressure {
namespace {

struct State {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t bytes = 0;
  uint64_t holders = 0;
  uint64_t gone = 0;                 // holders unregistered so far
  uint64_t gave_up_at = UINT64_MAX;  // `gone` when a wait last timed out
  uint64_t limit = 0;
  std::chrono::milliseconds max_wait{10000};
  uint64_t waits = 0, wait_ms = 0, timeouts = 0;

  bool Over() const { return limit > 0 && bytes > limit && holders > 1 && gave_up_at != gone; }
};

State& S() {
  static State* s = new State();  // never destroyed: holders may outlive static destruction
  return *s;
}

}  // namespace

void SetLimit(uint64_t bytes, std::chrono::milliseconds max_wait) {
  State& s = S();
  {
    std::lock_guard<std::mutex> l(s.mu);
    s.limit = bytes;
    s.max_wait = max_wait;
    s.gave_up_at = UINT64_MAX;
  }
  s.cv.notify_all();
}

Stats GetStats() {
  State& s = S();
  std::lock_guard<std::mutex> l(s.mu);
  return Stats{s.bytes, s.holders, s.limit, s.waits, s.wait_ms, s.timeouts};
}

void Register(uint64_t bytes) {
  State& s = S();
  std::lock_guard<std::mutex> l(s.mu);
  s.bytes += bytes;
  ++s.holders;
}

void Update(uint64_t old_bytes, uint64_t new_bytes) {
  State& s = S();
  bool less;
  {
    std::lock_guard<std::mutex> l(s.mu);
    s.bytes = s.bytes - std::min(s.bytes, old_bytes) + new_bytes;
    less = new_bytes < old_bytes;
  }
  if (less) s.cv.notify_all();
}

void Unregister(uint64_t bytes) {
  State& s = S();
  {
    std::lock_guard<std::mutex> l(s.mu);
    s.bytes -= std::min(s.bytes, bytes);
    s.holders -= std::min<uint64_t>(s.holders, 1);
    ++s.gone;
  }
  s.cv.notify_all();
}

bool ShouldWait() {
  State& s = S();
  std::lock_guard<std::mutex> l(s.mu);
  return s.Over();
}

bool Wait(const std::function<bool()>& abort) {
  State& s = S();
  std::unique_lock<std::mutex> l(s.mu);
  if (!s.Over()) return false;
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + s.max_wait;
  bool timed_out = false;
  while (s.Over()) {
    if (abort && abort()) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    s.cv.wait_for(l, std::chrono::milliseconds(20));
  }
  ++s.waits;
  s.wait_ms += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  if (timed_out) {
    ++s.timeouts;
    s.gave_up_at = s.gone;
  }
  return true;
}

}  // namespace agentperf::backpressure
