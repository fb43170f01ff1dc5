// SimServer: the simulated model listening on a loopback address — a
// Simulator behind the streaming HTTP server, with its request log.
// Thread-safety: Start/Stop from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "server/http_server.h"
#include "sim/config.h"
#include "sim/request_log.h"
#include "sim/simulator.h"

namespace agentperf::sim {

struct SimServerOptions {
  std::string listen = "127.0.0.1:0";  // HOST:PORT, loopback only; port 0 picks one
  int threads = 2;
  std::string log_path;  // empty: no request log
};

class SimServer {
 public:
  // InvalidArgument for a non-loopback or malformed address; Unavailable when
  // the port is taken; IOError when the log cannot be opened.
  static Result<std::unique_ptr<SimServer>> Start(SimConfig config, const SimServerOptions& options);
  ~SimServer();  // Stop()

  uint16_t port() const { return http_->port(); }
  std::string url() const;  // http://127.0.0.1:PORT
  // Stops the server; answers in progress end (logged as client_gone). Idempotent.
  void Stop();
  const Simulator& simulator() const { return *sim_; }

 private:
  SimServer() = default;
  std::string host_;
  std::unique_ptr<RequestLog> log_;
  std::unique_ptr<Simulator> sim_;
  std::unique_ptr<server::HttpServer> http_;  // declared last: destroyed (stopped) first
};

}  // namespace agentperf::sim
