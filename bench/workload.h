// A synthetic agent workload for benchmarks and tests: sessions of 50-150
// spans (turns, LLM calls, tool calls, permission waits, retries), five
// agents, ten models from four providers, fifteen tools, lognormal durations,
// token counts and costs, random 26-character ids. The mix follows
// ../shared/baselines.md so figures are comparable with those baselines.
// Deterministic for a seed. Thread-safety: one Workload per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace agentperf::bench {

class Workload {
 public:
  // Events start at start_us and are spaced by exponential gaps of mean gap_us.
  Workload(uint64_t seed, int64_t start_us, double gap_us);
  // Appends n events as NDJSON lines (one event per line).
  void AppendNdjson(size_t n, std::string* out);
  uint64_t produced() const { return produced_; }

 private:
  void NewSession();
  std::string RandomId();

  std::mt19937_64 rng_;
  double t_us_;
  double gap_us_;
  uint64_t produced_ = 0;
  int left_in_session_ = 0;
  int agent_ = 0;
  int model_ = 0;
  std::string session_id_;
  std::string parent_session_id_;
  std::string message_id_;
};

}  // namespace agentperf::bench
