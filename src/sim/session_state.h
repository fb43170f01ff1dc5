// SessionState: the little the simulated model remembers between requests —
// how many times each (session, kind, turn, step) was asked (the attempt
// number, for scripted failures and the random stream), and each
// (session, kind)'s last successful prompt size (for the prefix cache).
// Everything else comes from the request itself. Memory is bounded: past
// kMaxEntries keys a table starts over (attempts and cache hits restart).
// Thread-safety: thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace agentperf::sim {

class SessionState {
 public:
  static constexpr size_t kMaxEntries = 1 << 20;

  // The attempt number of a request with this key (0 for the first) and
  // counts it.
  int NextAttempt(const std::string& key);
  // Prefix cache: the cached tokens of a successful request with `prompt_tokens`
  // (min of the previous successful one with the same key, 0 for the first),
  // and remembers this one.
  int64_t TakeCached(const std::string& key, int64_t prompt_tokens);
  size_t attempt_keys() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> attempts_;         // guarded by mu_
  std::unordered_map<std::string, int64_t> last_prompt_;  // guarded by mu_
};

}  // namespace agentperf::sim
