// A small blocking HTTP/1.1 client over plain POSIX sockets (no TLS).
//
// Contract:
//  * Request() sends one request and returns the complete response, or an
//    error Status; it never throws and never raises SIGPIPE (MSG_NOSIGNAL).
//    Any HTTP status (including 4xx/5xx) is a successful Result: check
//    HttpResponse::status.
//  * Connections are kept alive and reused. An idle connection that became
//    readable (server closed it) is dropped before sending. If a *reused*
//    connection still turns out to be closed (send fails with EPIPE/ECONNRESET,
//    or EOF/reset before the first response byte), the client reconnects once
//    and resends. It never resends once any response byte has arrived, and never
//    after a timeout. Note that the resend can deliver a non-idempotent request
//    twice if the server processed it and then closed without answering.
//  * Bodies are framed by Content-Length, chunked transfer coding, or the
//    connection closing. HEAD, 1xx, 204 and 304 responses have no body; interim
//    1xx responses (e.g. 100 Continue) are skipped.
//  * Error codes: Unavailable for connection problems (refused, reset, closed
//    early, DNS failure) and timeouts ("... timed out after N ms"); IOError for
//    a malformed response; TooLarge when the response headers exceed
//    max_header_bytes or the body exceeds max_response_bytes; InvalidArgument
//    for a bad method/path/header from the caller (checked before connecting).
//    Network and protocol errors are prefixed "POST http://host:port/path: ".
//    After any error the connection is closed; the next request reconnects.
//    A server that already answered (e.g. 413) before closing mid-upload gets
//    that response returned rather than the send error.
//  * Timeouts: connect_timeout_ms bounds establishing a connection (all
//    resolved addresses together); io_timeout_ms bounds each wait for the socket
//    to make progress (a stalled send or receive), not the whole request.
//    A value <= 0 means no timeout.
//  * Per request, the client allocates only the response (headers + body); the
//    request head and the receive buffer are reused, and the request body is
//    sent straight from the caller's memory with one sendmsg (header + body).
//
// Thread-safety: NOT thread-safe. Use one HttpClient per thread. Movable, not
// copyable; the destructor closes the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "net/url.h"

namespace agentperf::net {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // in arrival order; names lowercased, values trimmed
  std::string body;

  // Value of the first header named `name` (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
};

// Declared outside HttpClient so it can be a default argument; use it as
// HttpClient::Options.
struct HttpClientOptions {
  int connect_timeout_ms = 5000;
  int io_timeout_ms = 60000;
  std::string bearer_token;  // sent as "Authorization: Bearer <token>" when set
  std::string user_agent = "agentperf";
  size_t max_response_bytes = size_t{256} << 20;  // body limit
  size_t max_header_bytes = size_t{64} << 10;     // status line + headers limit
};

class HttpClient {
 public:
  using Options = HttpClientOptions;

  explicit HttpClient(Url url, Options opts = {});
  ~HttpClient();
  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `method` to base_path + path (a '/' is inserted if `path` lacks one).
  // Host, User-Agent, Connection: keep-alive and, when set, Authorization are
  // always sent; Content-Length is sent for POST/PUT/PATCH (even when 0) and
  // whenever the body is non-empty. `extra_headers` must not repeat those.
  Result<HttpResponse> Request(std::string_view method, std::string_view path, std::string_view body = {},
                               const HttpHeaders& extra_headers = {}) {
    return DoRequest(method, path, body, {}, extra_headers);
  }
  Result<HttpResponse> Get(std::string_view path, const HttpHeaders& extra_headers = {}) {
    return DoRequest("GET", path, {}, {}, extra_headers);
  }
  // Sends Content-Type: content_type (omitted when empty).
  Result<HttpResponse> Post(std::string_view path, std::string_view body,
                            std::string_view content_type = "application/json", const HttpHeaders& extra_headers = {}) {
    return DoRequest("POST", path, body, content_type, extra_headers);
  }

  // Drops the connection (if any); the next request reconnects.
  void Close();
  bool IsConnected() const { return fd_ >= 0; }
  const Url& url() const { return url_; }

 private:
  Result<HttpResponse> DoRequest(std::string_view method, std::string_view path, std::string_view body,
                                 std::string_view content_type, const HttpHeaders& extra_headers);
  Status BuildHead(std::string_view method, std::string_view path, std::string_view body,
                   std::string_view content_type, const HttpHeaders& extra_headers);
  Status Connect();
  Status SendRequest(std::string_view body);
  Status ReadResponse(bool head_request, HttpResponse* out, bool* keep_alive);
  Status ReadHeaderBlock(size_t* block_len);
  Status ReadLine(std::string_view* line);
  Status ReadExact(char* dst, size_t n);
  Status ReadChunkedBody(std::string* body);
  Status ReadUntilClose(std::string* body);
  // Reads more bytes into the receive buffer; *n == 0 means EOF.
  Status Fill(size_t* n);
  // recv() with poll()-based timeout; *n == 0 means EOF.
  Status RecvSome(char* dst, size_t len, size_t* n);
  Status WaitFor(short events, int timeout_ms, std::string_view what);
  Status ConnectionError(std::string_view what, int err);
  std::string Describe(std::string_view method, std::string_view path) const;

  Url url_;
  Options opts_;
  std::string host_header_;          // cached url_.HostHeader()
  int fd_ = -1;
  std::string head_;                 // request head, reused across requests
  std::unique_ptr<char[]> rbuf_;     // receive buffer (max_header_bytes), lazy
  size_t rbuf_cap_ = 0;
  size_t rpos_ = 0;                  // first unconsumed byte in rbuf_
  size_t rend_ = 0;                  // end of valid bytes in rbuf_
  uint64_t bytes_received_ = 0;      // response bytes seen by the current attempt
  bool retryable_ = false;           // last error: peer closed before any response
};

}  // namespace agentperf::net
