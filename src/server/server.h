// Server: `agentperf serve` minus the command line: the REST API on the HTTP
// server over a Store. Refuses to listen on a non-loopback address without a
// token.
// Thread-safety: Start/Stop from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/rest/rest_api.h"
#include "core/status.h"
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
    api_->BeginShutdown();
  }
  void Stop() { http_->Stop(); }

 private:
  Server() = default;
  std::string host_;
  std::unique_ptr<api::RestApi> api_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace agentperf::server
