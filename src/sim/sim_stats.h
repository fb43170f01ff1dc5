// SimStats: counters of the simulated model, served as GET /sim/stats.
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "sim/tokens.h"

namespace agentperf::sim {

class SimStats {
 public:
  void RequestStarted(bool stream);
  // An answer has ended (any status); `usage` for successful answers.
  void RequestEnded(bool stream, int status, const std::string& agent, const Usage* usage, bool client_gone);
  void BadRequest();

  // {"requests","active","streams","by_status":{"200":n},"by_agent":{"planner":n},
  //  "prompt_tokens","completion_tokens","cached_tokens","client_gone","bad_requests"}
  std::string Json() const;
  uint64_t requests() const;
  uint64_t active() const;

 private:
  mutable std::mutex mu_;
  uint64_t requests_ = 0;  // all guarded by mu_
  uint64_t active_ = 0;
  uint64_t streams_ = 0;
  uint64_t bad_requests_ = 0;
  uint64_t client_gone_ = 0;
  int64_t prompt_tokens_ = 0;
  int64_t completion_tokens_ = 0;
  int64_t cached_tokens_ = 0;
  std::map<int, uint64_t> by_status_;
  std::map<std::string, uint64_t> by_agent_;
};

}  // namespace agentperf::sim
