// StreamGet: a streaming HTTP/1.1 GET over plain POSIX sockets, for
// long-lived responses such as server-sent events (`opencode serve`'s
// /global/event). HttpClient (http_client.h) returns whole bodies only; this
// hands the body to a callback as it arrives.
//
// Contract:
//  * StreamGet connects, sends `GET base_path+path` with Accept:
//    text/event-stream, Cache-Control: no-cache, Connection: keep-alive and
//    the caller's headers, reads the response head and, for a 200, calls
//    on_open once, then on_body with the decoded body bytes (chunked transfer
//    coding, Content-Length, or until the peer closes) in pieces of any size,
//    and on_tick at least every tick_ms while waiting (also between pieces).
//  * It returns OK as soon as a callback returns false (the caller stops).
//    Otherwise it returns Unavailable: connection refused/reset, the stream
//    ended (EOF, last chunk), no byte for idle_timeout_ms (when > 0), or a
//    timeout connecting; PermissionDenied for 401/403; IOError for another
//    HTTP status or a malformed response. Messages start "GET <url>: ".
//  * Never raises SIGPIPE (MSG_NOSIGNAL); the socket is closed on return.
//
// Thread-safety: StreamGet is reentrant; callbacks run on the calling thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/http_client.h"
#include "net/url.h"

namespace agentperf::net {

struct StreamOptions {
  int connect_timeout_ms = 5000;
  int tick_ms = 200;
  int idle_timeout_ms = 0;  // <= 0: a silent stream is fine
  size_t max_header_bytes = size_t{64} << 10;
  HttpHeaders headers;  // extra request headers, e.g. Authorization
};

struct StreamCallbacks {
  std::function<bool()> on_open;                  // after a 200 head
  std::function<bool(std::string_view)> on_body;  // decoded body bytes
  std::function<bool()> on_tick;                  // periodic
};

Status StreamGet(const Url& url, std::string_view path, const StreamOptions& options, const StreamCallbacks& cb);

// "Basic base64(user:password)" for an Authorization header.
std::string BasicAuthorization(std::string_view user, std::string_view password);

}  // namespace agentperf::net
