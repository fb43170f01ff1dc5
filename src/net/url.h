// URL parsing for the HTTP client: where an `agentperf` server listens.
//
// Contract: ParseUrl accepts only plain-HTTP server addresses of the forms
//   http://host[:port][/base/path]     (port defaults to 80)
//   host[:port][/base/path]            (scheme-less: http is assumed)
// where host is a DNS name (e.g. `localhost`), an IPv4 literal, or a bracketed
// IPv6 literal (`[::1]:7420`). The scheme and host are lowercased; IPv6 hosts
// are stored without brackets. base_path is either empty or starts with '/' and
// has no trailing '/'. https is rejected (no TLS support), as are user info,
// query strings, fragments, empty hosts, ports outside 1..65535 and anything
// else malformed; errors are InvalidArgument with a message naming the input.
//
// Thread-safety: plain values and a pure function; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace agentperf::net {

struct Url {
  std::string scheme = "http";  // always "http" after ParseUrl
  std::string host;             // "127.0.0.1", "localhost", "::1" (no brackets)
  uint16_t port = 80;
  std::string base_path;        // "" or "/api" (never a trailing '/')

  // "host:port" as used in messages; IPv6 hosts are bracketed: "[::1]:7420".
  std::string HostPort() const;
  // Value for the Host request header: HostPort(), minus ":80".
  std::string HostHeader() const;
  // "http://host:port/base"
  std::string ToString() const;
};

Result<Url> ParseUrl(std::string_view text);

// Percent-encodes everything but unreserved characters and '/', for a path
// segment or a query value: "a b|c" -> "a%20b%7Cc".
std::string PercentEncode(std::string_view s);

}  // namespace agentperf::net
