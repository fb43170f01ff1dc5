// HttpServer: HTTP/1.1 on Boost.Beast/Asio (the only translation unit that
// includes them), with keep-alive, a bound on concurrent connections, a bound
// on request body size (413) and on the bytes of all bodies in flight (503 +
// Retry-After, so memory stays bounded under overload). Handlers get plain
// HttpRequest values and answer through a Responder from any thread, or,
// when the server is built with a StreamHandler, through a ResponseStream
// (chunked responses paced by timers on the I/O threads; http_types.h).
//
// Thread-safety: Start/Stop from one thread; handlers run on the I/O threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "server/http_types.h"

namespace agentperf::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 7420;  // 0: pick a free port (see port())
  int threads = 2;
  uint64_t max_body_bytes = uint64_t{64} << 20;
  uint64_t max_inflight_bytes = uint64_t{512} << 20;
  int max_connections = 1024;
  int idle_timeout_seconds = 120;
  // Per streamed response: bytes written by the handler and not yet taken by
  // the socket (ResponseStream::Write refuses more).
  uint64_t max_stream_buffer_bytes = uint64_t{1} << 20;
};

struct HttpServerStats {
  uint64_t connections_open = 0;
  uint64_t connections_total = 0;
  uint64_t requests = 0;
  uint64_t rejected_overload = 0;  // 503 for in-flight bytes or connections
  uint64_t inflight_bytes = 0;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Handler handler, EarlyCheck early_check);
  // Every request is answered through a ResponseStream.
  HttpServer(HttpServerOptions options, StreamHandler handler, EarlyCheck early_check);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the I/O threads. Fails with a clear message if the
  // address is in use.
  Status Start();
  // Stops accepting new connections; open ones keep being served (so answers
  // still owed by the store can be written).
  void StopAccepting();
  // Stops accepting, closes connections, joins the threads. Idempotent.
  void Stop();
  uint16_t port() const;
  HttpServerStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// URL-decodes a path or query component ('+' as space only when `plus_space`).
std::string UrlDecode(std::string_view s, bool plus_space);

}  // namespace agentperf::server
