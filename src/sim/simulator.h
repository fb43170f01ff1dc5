// Simulator: the HTTP side of `agentperf simulate llm` (docs/simulate.md):
//   POST /v1/chat/completions  SSE (stream:true) or JSON, paced by timers
//   GET  /v1/models            the configured models
//   GET  /healthz              {"status":"ok"}
//   GET  /sim/stats            counters (SimStats)
// For each chat request it plans the answer (plan.h), sends the SSE headers at
// once, then the emissions (pacing.h) at their times with
// ResponseStream::At, and logs one line when the answer has ended.
// Thread-safety: Handle runs on the server's I/O threads concurrently.
// REQUIRES: the HTTP server calling Handle is stopped before the Simulator
// is destroyed (callbacks still pending then refer to it).
#pragma once

#include <memory>
#include <string>

#include "server/http_types.h"
#include "sim/config.h"
#include "sim/request_log.h"
#include "sim/session_state.h"
#include "sim/sim_stats.h"

namespace agentperf::sim {

class Simulator {
 public:
  // `log` may be null; REQUIRES: it outlives the simulator.
  Simulator(SimConfig config, RequestLog* log);
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  void Handle(server::HttpRequest&& request, std::shared_ptr<server::ResponseStream> stream);

  const SimConfig& config() const { return config_; }
  const SimStats& stats() const { return stats_; }

 private:
  struct Exchange;
  void HandleChat(server::HttpRequest&& request, std::shared_ptr<server::ResponseStream> stream);
  void SendNext(std::shared_ptr<Exchange> ex);
  void End(Exchange& ex, bool client_gone);

  const SimConfig config_;
  RequestLog* const log_;
  SessionState state_;
  SimStats stats_;
};

}  // namespace agentperf::sim
