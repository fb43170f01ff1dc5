// Plain HTTP request/response values shared by the server and the API
// handlers, so that handlers never include Boost.Beast (compile time), and
// ResponseStream, the interface of a response written piece by piece.
// Thread-safety: values; ResponseStream as documented there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace agentperf::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path plus query string, as sent
  std::string path;    // decoded path without the query string
  std::vector<std::pair<std::string, std::string>> query;    // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string remote;  // peer address

  std::string_view Header(std::string_view lower_name) const;
  // Value of a query parameter, or `fallback`.
  std::string_view Query(std::string_view name, std::string_view fallback = {}) const;
  bool HasQuery(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this response

  static HttpResponse Json(int status, std::string body);
  // {"error": message, "code": ..., plus extra fields already JSON-encoded}
  static HttpResponse Error(int status, std::string_view code, std::string_view message);
};

// Sends the response for one request; call exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;
// Handles a complete request.
using Handler = std::function<void(HttpRequest&& request, Responder respond)>;
// Looks at a request before its body is read (body empty, Content-Length in
// `content_length`); returns true with *early filled to refuse it at once
// (401, 413, 404...).
using EarlyCheck = std::function<bool(const HttpRequest& head, uint64_t content_length, HttpResponse* early)>;

// ResponseStream: the answer to one request of a streaming handler, written
// piece by piece (server-sent events, slow generators). Either Respond() once
// (a complete response, as Responder does), or Begin() once, Write() any
// number of chunks, then Finish(). The body is framed with chunked transfer
// encoding (HTTP/1.1; the connection then stays open for the next request) or,
// for an HTTP/1.0 client, by closing the connection.
//
// Buffering is bounded: Write() refuses data that would make more than the
// server's max_stream_buffer_bytes wait for the socket. At() runs a callback
// on the connection's I/O thread at a deadline (an Asio steady_timer: no
// thread sleeps), so a handler can pace its output without threads.
//
// If the last reference goes away before Respond() or Finish(), the
// connection is closed (or, when nothing was sent yet, answered with 500).
//
// Thread-safety: every method may be called from any thread; the calls of one
// thread take effect in order. Callbacks of At() run on the I/O thread of the
// connection, one at a time.
class ResponseStream {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~ResponseStream() = default;

  // A complete response. REQUIRES: neither Respond() nor Begin() called yet.
  virtual void Respond(HttpResponse response) = 0;
  // Sends the status line and headers (and no Content-Length).
  // REQUIRES: neither Respond() nor Begin() called yet.
  virtual void Begin(int status, std::string content_type,
                     std::vector<std::pair<std::string, std::string>> headers = {}) = 0;
  // Queues `data` as one chunk of the body (empty data is ignored).
  // ResourceExhausted (nothing queued) when the bytes waiting for the socket
  // would exceed the bound; Unavailable when the connection is gone or the
  // stream has ended. REQUIRES: Begin() called.
  virtual Status Write(std::string data) = 0;
  // Ends the body. Later calls and writes are ignored.
  virtual void Finish() = 0;
  // Runs fn(true) on the connection's I/O thread at `deadline` (at once if it
  // has passed); fn(false) instead, and early, when the connection closes or
  // the server stops first. fn may be dropped without a call only while the
  // server is stopping.
  virtual void At(TimePoint deadline, std::function<void(bool ok)> fn) = 0;
  // True once the connection was closed (the client went away, a write
  // failed, the server stopped): further output is dropped.
  virtual bool closed() const = 0;
  // Bytes queued and not yet taken by the socket.
  virtual uint64_t buffered() const = 0;
};

// Handles a complete request with a stream for its answer.
using StreamHandler = std::function<void(HttpRequest&& request, std::shared_ptr<ResponseStream> stream)>;

std::string_view StatusReason(int status);

}  // namespace agentperf::server
