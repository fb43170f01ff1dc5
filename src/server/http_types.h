// Plain HTTP request/response values shared by the server and the API
// handlers, so that handlers never include Boost.Beast (compile time).
// Thread-safety: values.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

std::string_view StatusReason(int status);

}  // namespace agentperf::server
