#include "sim/sim_stats.h"

#include "core/json_writer.h"

namespace agentperf::sim {

void SimStats::RequestStarted(bool stream) {
  std::lock_guard<std::mutex> l(mu_);
  ++requests_;
  ++active_;
  if (stream) ++streams_;
}

void SimStats::RequestEnded(bool, int status, const std::string& agent, const Usage* usage, bool client_gone) {
  std::lock_guard<std::mutex> l(mu_);
  if (active_ > 0) --active_;
  ++by_status_[status];
  ++by_agent_[agent];
  if (client_gone) ++client_gone_;
  if (usage != nullptr) {
    prompt_tokens_ += usage->prompt_tokens;
    completion_tokens_ += usage->completion_tokens;
    cached_tokens_ += usage->cached_tokens;
  }
}

void SimStats::BadRequest() {
  std::lock_guard<std::mutex> l(mu_);
  ++bad_requests_;
}

uint64_t SimStats::requests() const {
  std::lock_guard<std::mutex> l(mu_);
  return requests_;
}

uint64_t SimStats::active() const {
  std::lock_guard<std::mutex> l(mu_);
  return active_;
}

std::string SimStats::Json() const {
  std::lock_guard<std::mutex> l(mu_);
  JsonWriter w;
  w.BeginObject()
      .Field("requests", requests_)
      .Field("active", active_)
      .Field("streams", streams_)
      .Key("by_status")
      .BeginObject();
  for (const auto& [s, n] : by_status_) w.Field(std::to_string(s), n);
  w.EndObject().Key("by_agent").BeginObject();
  for (const auto& [a, n] : by_agent_) w.Field(a, n);
  w.EndObject()
      .Field("prompt_tokens", prompt_tokens_)
      .Field("completion_tokens", completion_tokens_)
      .Field("cached_tokens", cached_tokens_)
      .Field("client_gone", client_gone_)
      .Field("bad_requests", bad_requests_)
      .EndObject();
  return w.Take();
}

}  // namespace agentperf::sim
