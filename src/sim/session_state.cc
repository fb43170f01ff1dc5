#include "sim/session_state.h"

#include <algorithm>

namespace agentperf::sim {

int SessionState::NextAttempt(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  if (attempts_.size() >= kMaxEntries && attempts_.find(key) == attempts_.end()) attempts_.clear();
  return attempts_[key]++;
}

int64_t SessionState::TakeCached(const std::string& key, int64_t prompt_tokens) {
  std::lock_guard<std::mutex> l(mu_);
  if (last_prompt_.size() >= kMaxEntries && last_prompt_.find(key) == last_prompt_.end()) last_prompt_.clear();
  auto [it, inserted] = last_prompt_.try_emplace(key, prompt_tokens);
  if (inserted) return 0;
  const int64_t cached = std::min(it->second, prompt_tokens);
  it->second = prompt_tokens;
  return cached;
}

size_t SessionState::attempt_keys() const {
  std::lock_guard<std::mutex> l(mu_);
  return attempts_.size();
}

}  // namespace agentperf::sim
