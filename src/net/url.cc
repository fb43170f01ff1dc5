#include "net/url.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

namespace agentperf::net {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status Bad(std::string_view input, std::string_view why) {
  std::string msg = "invalid server URL '";
  msg += input;
  msg += "': ";
  msg += why;
  return Status::InvalidArgument(std::move(msg));
}

// A DNS name: dot-separated labels of letters, digits, '-' and '_' (1..63 chars,
// not starting or ending with '-'). All-numeric names must be valid IPv4.
bool ValidHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  bool numeric = true;
  for (char c : host) {
    if (!IsDigit(c) && c != '.') numeric = false;
  }
  if (numeric) {
    std::string h(host);
    in_addr addr;
    return inet_pton(AF_INET, h.c_str(), &addr) == 1;
  }
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    std::string_view label = host.substr(start, dot - start);
    // A single trailing dot ("example.com.") is a valid fully-qualified name.
    if (label.empty()) return dot == host.size() && start == host.size() && start > 0;
    if (label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!IsAlnum(c) && c != '-' && c != '_') return false;
    }
    start = dot + 1;
  }
  return true;
}

}  // namespace

std::string Url::HostPort() const {
  std::string out;
  if (host.find(':') != std::string::npos) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

std::string Url::HostHeader() const {
  std::string out = HostPort();
  if (port == 80) out.resize(out.size() - 3);
  return out;
}

std::string Url::ToString() const { return scheme + "://" + HostPort() + base_path; }

Result<Url> ParseUrl(std::string_view text) {
  const std::string_view input = text;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return Bad(input, "empty");

  Url url;
  if (size_t sep = text.find("://"); sep != std::string_view::npos) {
    std::string scheme = Lower(text.substr(0, sep));
    if (scheme == "https") {
      return Bad(input,
                 "https is not supported (agentperf's client has no TLS); use a local "
                 "http:// endpoint such as http://127.0.0.1:7420, or an SSH tunnel");
    }
    if (scheme != "http") return Bad(input, "unsupported scheme '" + scheme + "' (only http is supported)");
    text.remove_prefix(sep + 3);
  }
  url.scheme = "http";

  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Bad(input, "contains whitespace or control characters");
    }
  }
  if (text.find_first_of("?#") != std::string_view::npos) {
    return Bad(input, "query strings and fragments are not allowed in a server URL");
  }

  size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : text.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return Bad(input, "user info ('user@host') is not supported; use --token for authentication");
  }
  if (authority.empty()) return Bad(input, "empty host");

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(input, "unterminated '[' in IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Bad(input, "unexpected characters after ']'");
      has_port = true;
      port_text = rest.substr(1);
    }
    if (host.empty()) return Bad(input, "empty host");
    std::string h(host);
    in6_addr addr;
    if (inet_pton(AF_INET6, h.c_str(), &addr) != 1) return Bad(input, "invalid IPv6 address '" + h + "'");
    url.host = Lower(host);
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos) {
      return Bad(input, "too many ':' (IPv6 addresses must be bracketed, e.g. http://[::1]:7420)");
    }
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return Bad(input, "empty host");
    if (!ValidHostName(host)) return Bad(input, "invalid host '" + std::string(host) + "'");
    url.host = Lower(host);
  }

  if (has_port) {
    if (port_text.empty()) return Bad(input, "empty port after ':'");
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port_text.size() > 5 ||
        !IsDigit(port_text.front())) {
      return Bad(input, "port '" + std::string(port_text) + "' is not a number");
    }
    if (value == 0 || value > 65535) return Bad(input, "port " + std::string(port_text) + " is out of range 1..65535");
    url.port = static_cast<uint16_t>(value);
  }

  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.find("//") != std::string_view::npos) return Bad(input, "empty segment ('//') in base path");
  url.base_path = std::string(path);
  return url;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace agentperf::net
