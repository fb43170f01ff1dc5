// Server: `agentperf serve` minus the command line: the REST API on the HTTP
// server over a Store, and the OTLP receiver (its step-fact join sits on the
// ingest path of POST /v1/events; a sweeper thread turns expired facts into
// auxiliary llm_calls, docs/design/opencode-integration.md §6.4). Refuses to
// listen on a non-loopback address without a token.
// Thread-safety: Start/Stop from one thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "analysis/cost/price_table.h"
#include "api/rest/rest_api.h"
#include "core/json_writer.h"
#include "core/status.h"
#include "ingest/otlp/receiver.h"
#include "server/http_server.h"
#include "store/store.h"

namespace agentperf::server {

constexpr uint16_t kDefaultPort = 7420;
constexpr std::string_view kDefaultListen = "127.0.0.1:7420";

struct ServerOptions {
  std::string listen = std::string(kDefaultListen);  // HOST:PORT; port 0 picks a free one
  std::string token;
  int threads = 0;  // 0: one per core, at least 2
  uint64_t max_body_bytes = uint64_t{64} << 20;
  uint64_t max_inflight_bytes = uint64_t{128} << 20;  // >= max_body_bytes
  int max_connections = 1024;
  event::Limits limits;
  ingest::BodyLimits body_limits;
  // OTLP receiver (POST /v1/traces, /v1/logs, /v1/metrics). Its join limits
  // are set from `limits`.
  bool otlp = true;
  otlp::ReceiverOptions otlp_options;
  int otlp_sweep_ms = 1000;  // how often expired step facts are turned into events
  // Model prices for the analysis endpoints' cost estimates.
  analysis::PriceTable prices = analysis::PriceTable::Bundled();
};

// "127.0.0.1:7420", "[::1]:7420", "localhost:0", ":7420" (loopback).
Status ParseListen(std::string_view listen, std::string* host, uint16_t* port);
bool IsLoopbackHost(std::string_view host);

class Server {
 public:
  // REQUIRES: store outlives the server.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, store::Store* store);
  ~Server();

  uint16_t port() const { return http_->port(); }
  std::string url() const;
  // Stops accepting connections and requests (503); returns when no request
  // handler is using the store any more, so the store may then be closed.
  void StopAccepting() {
    http_->StopAccepting();
    StopSweeper();
    api_->BeginShutdown();
  }
  void Stop() { http_->Stop(); }
  // The OTLP receiver (null when disabled).
  otlp::OtlpReceiver* otlp() { return otlp_.get(); }
  // Runs one sweep now (what the sweeper thread does every otlp_sweep_ms):
  // expired facts become auxiliary llm_calls, stored before it returns.
  void SweepOtlp(int64_t now_us);
  // Adds `name` to the "server" object of GET /v1/status: `write` writes one
  // JSON value (called on an I/O thread, under a lock: keep it quick; it must
  // stay valid until ClearStatusSections or the server's destruction).
  void AddStatusSection(std::string name, std::function<void(JsonWriter&)> write);
  void ClearStatusSections();

 private:
  Server() = default;
  void StopSweeper();
  std::string host_;
  store::Store* store_ = nullptr;
  std::unique_ptr<otlp::OtlpReceiver> otlp_;
  std::unique_ptr<api::RestApi> api_;
  std::unique_ptr<HttpServer> http_;
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool sweep_stop_ = false;
  std::thread sweeper_;
  std::mutex status_mu_;
  std::vector<std::pair<std::string, std::function<void(JsonWriter&)>>> status_sections_;
};

}  // namespace agentperf::server
