#include "net/http_client.h"

#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace agentperf::net {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMinBufferBytes = size_t{16} << 10;

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

bool IsTokenChar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool IsToken(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Returns true if the comma-separated list `value` contains `token`.
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (EqualsIgnoreCase(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// For error messages: at most 80 bytes, control characters replaced by '?'.
std::string Printable(std::string_view s) {
  std::string out(s.substr(0, 80));
  for (char& c : out) c = (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return s.size() > 80 ? out + "..." : out;
}

std::string ErrnoText(int err) {
  char buf[256];
  return strerror_r(err, buf, sizeof(buf));  // GNU variant returns the message
}

// Milliseconds left until `deadline` (>= 0), or -1 (infinite) when not bounded.
int RemainingMs(bool bounded, Clock::time_point deadline) {
  if (!bounded) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

Status Malformed(std::string_view what) { return Status::IOError(fmt::format("malformed HTTP response: {}", what)); }

}  // namespace

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

HttpClient::HttpClient(Url url, Options opts)
    : url_(std::move(url)), opts_(std::move(opts)), host_header_(url_.HostHeader()) {}

HttpClient::~HttpClient() { Close(); }

HttpClient::HttpClient(HttpClient&& other) noexcept { *this = std::move(other); }

HttpClient& HttpClient::operator=(HttpClient&& other) noexcept {
  if (this != &other) {
    Close();
    url_ = std::move(other.url_);
    opts_ = std::move(other.opts_);
    host_header_ = std::move(other.host_header_);
    fd_ = std::exchange(other.fd_, -1);
    head_ = std::move(other.head_);
    rbuf_ = std::move(other.rbuf_);
    rbuf_cap_ = std::exchange(other.rbuf_cap_, 0);
    rpos_ = std::exchange(other.rpos_, 0);
    rend_ = std::exchange(other.rend_, 0);
  }
  return *this;
}

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  rpos_ = rend_ = 0;
}

std::string HttpClient::Describe(std::string_view method, std::string_view path) const {
  return fmt::format("{} http://{}{}{}{}", method, url_.HostPort(), url_.base_path,
                     (path.empty() || path.front() != '/') ? "/" : "", path);
}

Result<HttpResponse> HttpClient::DoRequest(std::string_view method, std::string_view path, std::string_view body,
                                           std::string_view content_type, const HttpHeaders& extra_headers) {
  AP_RETURN_IF_ERROR(BuildHead(method, path, body, content_type, extra_headers));  // message names the culprit
  const bool head_request = method == "HEAD";
  // Set when a request on a reused connection got no answer and is being resent:
  // if the resend cannot even connect, the first send's outcome is unknown, so
  // that error (not "connection refused", which means "never sent") is returned.
  Status first_failure;
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    if (fd_ >= 0) {
      // An idle connection that is readable has either been closed by the server
      // (EOF/RST pending) or holds stray bytes: don't send into it.
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) != 0) {
        Close();
      } else {
        reused = true;
      }
    }
    if (fd_ < 0) {
      if (Status s = Connect(); !s.ok()) return (first_failure.ok() ? s : first_failure).WithContext(Describe(method, path));
    }
    retryable_ = false;
    bytes_received_ = 0;
    rpos_ = rend_ = 0;

    Status sent = SendRequest(body);
    if (!sent.ok() && !retryable_) {
      Close();
      return sent.WithContext(Describe(method, path));
    }
    // Even if the peer closed while we were sending, it may have answered first
    // (e.g. 413 for an oversized body): try to read that response.
    HttpResponse response;
    bool keep_alive = false;
    Status got = ReadResponse(head_request, &response, &keep_alive);
    if (got.ok()) {
      if (!sent.ok() || !keep_alive) Close();
      return response;
    }
    Close();
    if (reused && attempt == 0 && retryable_ && bytes_received_ == 0) {  // stale keep-alive
      first_failure = sent.ok() ? got : sent;
      continue;
    }
    return (sent.ok() ? got : sent).WithContext(Describe(method, path));
  }
}

Status HttpClient::BuildHead(std::string_view method, std::string_view path, std::string_view body,
                             std::string_view content_type, const HttpHeaders& extra_headers) {
  if (!IsToken(method)) return Status::InvalidArgument(fmt::format("invalid HTTP method '{}'", Printable(method)));
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return Status::InvalidArgument(fmt::format("invalid request path '{}'", Printable(path)));
    }
  }
  auto bad_value = [](std::string_view v) { return v.find_first_of(std::string_view("\r\n\0", 3)) != v.npos; };
  for (const auto& [name, value] : extra_headers) {
    if (!IsToken(name) || bad_value(value)) {
      return Status::InvalidArgument(fmt::format("invalid request header '{}'", Printable(name)));
    }
  }
  if (bad_value(content_type) || bad_value(opts_.bearer_token) || bad_value(opts_.user_agent)) {
    return Status::InvalidArgument("invalid content type, bearer token or user agent (contains CR/LF)");
  }

  // head_ keeps its capacity, so this does not allocate once warmed up.
  auto add = [this](std::string_view prefix, std::string_view value) {
    head_.append(prefix).append(value).append("\r\n");
  };
  head_.assign(method).append(" ").append(url_.base_path);
  if (path.empty() || path.front() != '/') head_ += '/';
  head_.append(path).append(" HTTP/1.1\r\n");
  add("Host: ", host_header_);
  add("User-Agent: ", opts_.user_agent);
  add("Connection: ", "keep-alive");
  if (!opts_.bearer_token.empty()) add("Authorization: Bearer ", opts_.bearer_token);
  if (!content_type.empty()) add("Content-Type: ", content_type);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    char digits[24];
    add("Content-Length: ", std::string_view(digits, std::to_chars(digits, digits + 24, body.size()).ptr - digits));
  }
  for (const auto& [name, value] : extra_headers) head_.append(name).append(": ").append(value).append("\r\n");
  head_ += "\r\n";
  return Status::OK();
}

Status HttpClient::ConnectionError(std::string_view what, int err) {
  if (err == ECONNREFUSED) {
    return Status::Unavailable(
        fmt::format("connection refused: is `agentperf serve` running on {}?", url_.HostPort()));
  }
  return Status::Unavailable(fmt::format("{}: {}", what, ErrnoText(err)));
}

Status HttpClient::Connect() {
  Close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  char port[8];
  *std::to_chars(port, port + sizeof(port) - 1, url_.port).ptr = '\0';
  addrinfo* addrs = nullptr;
  int rc = ::getaddrinfo(url_.host.c_str(), port, &hints, &addrs);
  if (rc != 0) {
    return Status::Unavailable(fmt::format("cannot resolve host '{}': {}", url_.host,
                                           rc == EAI_SYSTEM ? ErrnoText(errno) : ::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(addrs, &::freeaddrinfo);

  const bool bounded = opts_.connect_timeout_ms > 0;
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(opts_.connect_timeout_ms, 0));
  int err = EHOSTUNREACH;
  for (addrinfo* ai = addrs; ai != nullptr; ai = ai->ai_next) {  // e.g. ::1, then 127.0.0.1
    int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    err = ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS || err == EINTR) {
      pollfd p{fd, POLLOUT, 0};
      int r;
      while ((r = ::poll(&p, 1, RemainingMs(bounded, deadline))) < 0 && errno == EINTR) {
      }
      socklen_t len = sizeof(err);
      if (r == 0) {
        ::close(fd);
        return Status::Unavailable(fmt::format("connecting timed out after {} ms", opts_.connect_timeout_ms));
      }
      if (r < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
    if (err == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      fd_ = fd;
      return Status::OK();
    }
    ::close(fd);
  }
  return ConnectionError("cannot connect", err);
}

Status HttpClient::WaitFor(short events, int timeout_ms, std::string_view what) {
  const bool bounded = timeout_ms > 0;
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
  for (;;) {
    pollfd p{fd_, events, 0};
    int r = ::poll(&p, 1, RemainingMs(bounded, deadline));
    if (r > 0) return Status::OK();  // errors/hangups surface from the next send/recv
    if (r == 0) {
      retryable_ = false;  // never resend after a timeout: the server may be working on it
      return Status::Unavailable(fmt::format("{} timed out after {} ms", what, timeout_ms));
    }
    if (errno != EINTR) return ConnectionError("poll", errno);
  }
}

Status HttpClient::SendRequest(std::string_view body) {
  iovec iov[2] = {{head_.data(), head_.size()}, {const_cast<char*>(body.data()), body.size()}};
  size_t first = 0;
  const size_t count = body.empty() ? 1 : 2;
  while (first < count) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = count - first;
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        AP_RETURN_IF_ERROR(WaitFor(POLLOUT, opts_.io_timeout_ms, "sending the request"));
        continue;
      }
      if (err == EPIPE || err == ECONNRESET) {
        retryable_ = true;
        return Status::Unavailable(fmt::format("connection closed by the server while sending ({})", ErrnoText(err)));
      }
      return ConnectionError("sending the request", err);
    }
    auto sent = static_cast<size_t>(n);
    while (first < count && sent >= iov[first].iov_len) {
      sent -= iov[first].iov_len;
      ++first;
    }
    if (first < count) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + sent;
      iov[first].iov_len -= sent;
    }
  }
  return Status::OK();
}

Status HttpClient::RecvSome(char* dst, size_t len, size_t* n) {
  for (;;) {
    ssize_t r = ::recv(fd_, dst, len, 0);
    if (r >= 0) {
      *n = static_cast<size_t>(r);
      bytes_received_ += *n;
      return Status::OK();
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      AP_RETURN_IF_ERROR(WaitFor(POLLIN, opts_.io_timeout_ms, "waiting for the response"));
      continue;
    }
    if (err == ECONNRESET) {
      if (bytes_received_ == 0) retryable_ = true;
      return Status::Unavailable("connection reset by the server");
    }
    return ConnectionError("receiving the response", err);
  }
}

Status HttpClient::Fill(size_t* n) {
  if (!rbuf_) {
    rbuf_cap_ = std::max(opts_.max_header_bytes, kMinBufferBytes);
    rbuf_ = std::make_unique<char[]>(rbuf_cap_);
  }
  if (rpos_ > 0) {  // compact: unconsumed bytes move to the front
    std::memmove(rbuf_.get(), rbuf_.get() + rpos_, rend_ - rpos_);
    rend_ -= rpos_;
    rpos_ = 0;
  }
  if (rend_ == rbuf_cap_) return Status::Internal("HTTP client receive buffer full");
  AP_RETURN_IF_ERROR(RecvSome(rbuf_.get() + rend_, rbuf_cap_ - rend_, n));
  rend_ += *n;
  return Status::OK();
}

Status HttpClient::ReadHeaderBlock(size_t* block_len) {
  size_t from = 0;  // where to resume searching, relative to rpos_
  for (;;) {
    // The block ends with an empty line: "\n\r\n" (or a bare "\n\n").
    std::string_view data(rbuf_ ? rbuf_.get() + rpos_ : "", rend_ - rpos_);
    size_t crlf = data.find("\n\r\n", from), lf = data.find("\n\n", from);
    *block_len = std::min(crlf == data.npos ? data.npos : crlf + 3, lf == data.npos ? data.npos : lf + 2);
    if (*block_len <= opts_.max_header_bytes) return Status::OK();
    if (data.size() >= opts_.max_header_bytes) {
      return Status::TooLarge(fmt::format("response headers exceed the {} byte limit", opts_.max_header_bytes));
    }
    from = data.size() < 2 ? 0 : data.size() - 2;
    size_t n = 0;
    AP_RETURN_IF_ERROR(Fill(&n));
    if (n == 0) {
      retryable_ = bytes_received_ == 0;
      return Status::Unavailable(retryable_ ? "the server closed the connection before sending a response"
                                            : "connection closed in the middle of the response headers");
    }
  }
}

Status HttpClient::ReadResponse(bool head_request, HttpResponse* out, bool* keep_alive) {
  out->body.clear();
  bool http11 = true, conn_close = false, conn_keep_alive = false, chunked = false, has_te = false;
  bool has_length = false;
  uint64_t content_length = 0;
  for (;;) {  // loops over interim 1xx responses
    size_t block_len = 0;
    AP_RETURN_IF_ERROR(ReadHeaderBlock(&block_len));
    std::string_view block(rbuf_.get() + rpos_, block_len);
    rpos_ += block_len;

    size_t eol = block.find('\n');
    std::string_view status_line = Trim(block.substr(0, eol));
    block.remove_prefix(eol + 1);
    // "HTTP/1.x SSS[ reason]"
    if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
        !std::all_of(status_line.begin() + 9, status_line.begin() + 12, [](char c) { return c >= '0' && c <= '9'; }) ||
        (status_line.size() > 12 && status_line[12] != ' ') || status_line[7] < '0' || status_line[7] > '9') {
      return Malformed(fmt::format("bad status line '{}'", Printable(status_line)));
    }
    http11 = status_line[7] != '0';
    out->status = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');

    out->headers.clear();
    conn_close = conn_keep_alive = chunked = has_te = has_length = false;
    content_length = 0;
    while (!block.empty()) {
      eol = block.find('\n');
      std::string_view line = block.substr(0, eol);
      block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) break;  // end of the header block
      size_t colon = line.find(':');
      std::string_view name = line.substr(0, colon);
      if (colon == std::string_view::npos || !IsToken(name)) {
        return Malformed(fmt::format("bad header line '{}'", Printable(line)));
      }
      std::string_view value = Trim(line.substr(colon + 1));
      auto& header = out->headers.emplace_back(std::string(name), std::string(value));
      for (char& c : header.first) c = ToLower(c);
      if (header.first == "content-length") {
        uint64_t v = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
            (has_length && v != content_length)) {
          return Malformed(fmt::format("bad Content-Length '{}'", Printable(value)));
        }
        has_length = true;
        content_length = v;
      } else if (header.first == "transfer-encoding") {
        has_te = true;
        size_t comma = value.rfind(',');
        chunked = EqualsIgnoreCase(Trim(comma == std::string_view::npos ? value : value.substr(comma + 1)), "chunked");
      } else if (header.first == "connection") {
        conn_close = conn_close || HasToken(value, "close");
        conn_keep_alive = conn_keep_alive || HasToken(value, "keep-alive");
      }
    }
    if (out->status >= 100 && out->status < 200 && out->status != 101) continue;  // interim response
    break;
  }

  *keep_alive = http11 ? !conn_close : (conn_keep_alive && !conn_close);
  const int status = out->status;
  if (head_request || status == 204 || status == 304 || (status >= 100 && status < 200)) {
    if (status == 101) *keep_alive = false;  // protocol switch: not ours to follow
  } else if (has_te) {
    if (chunked) {
      AP_RETURN_IF_ERROR(ReadChunkedBody(&out->body));
    } else {
      AP_RETURN_IF_ERROR(ReadUntilClose(&out->body));
      *keep_alive = false;
    }
  } else if (has_length) {
    if (content_length > opts_.max_response_bytes) {
      return Status::TooLarge(fmt::format("response body of {} bytes exceeds the {} byte limit", content_length,
                                          opts_.max_response_bytes));
    }
    out->body.resize(content_length);
    AP_RETURN_IF_ERROR(ReadExact(out->body.data(), content_length));
  } else {
    AP_RETURN_IF_ERROR(ReadUntilClose(&out->body));
    *keep_alive = false;
  }
  if (rpos_ != rend_) *keep_alive = false;  // unexpected extra bytes: don't trust the stream
  rpos_ = rend_ = 0;
  return Status::OK();
}

Status HttpClient::ReadExact(char* dst, size_t n) {
  while (n > 0) {
    size_t got = std::min(n, rend_ - rpos_);
    if (got > 0) {  // buffered bytes first
      std::memcpy(dst, rbuf_.get() + rpos_, got);
      rpos_ += got;
    } else if (n >= rbuf_cap_ / 4) {
      AP_RETURN_IF_ERROR(RecvSome(dst, n, &got));  // large: straight into the destination
    } else {
      AP_RETURN_IF_ERROR(Fill(&got));  // small: buffer, so following chunks come in the same recv
      if (got > 0) continue;
    }
    if (got == 0) return Status::Unavailable("connection closed in the middle of the response body");
    dst += got;
    n -= got;
  }
  return Status::OK();
}

Status HttpClient::ReadLine(std::string_view* line) {
  for (;;) {
    if (rend_ > rpos_) {
      const char* base = rbuf_.get() + rpos_;
      if (const void* nl = std::memchr(base, '\n', rend_ - rpos_)) {
        size_t len = static_cast<const char*>(nl) - base;
        rpos_ += len + 1;
        *line = std::string_view(base, len);
        if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
        return Status::OK();
      }
      if (rend_ - rpos_ >= rbuf_cap_) return Malformed("overlong chunk line");
    }
    size_t n = 0;
    AP_RETURN_IF_ERROR(Fill(&n));
    if (n == 0) return Status::Unavailable("connection closed in the middle of a chunked response body");
  }
}

Status HttpClient::ReadChunkedBody(std::string* body) {
  std::string_view line;
  for (;;) {
    AP_RETURN_IF_ERROR(ReadLine(&line));
    uint64_t size = 0;  // "1a2b[;ext=value]"
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    std::string_view rest(end, line.data() + line.size() - end);
    if (ec != std::errc() || (!rest.empty() && rest.front() != ';' && rest.front() != ' ' && rest.front() != '\t')) {
      return Malformed(fmt::format("bad chunk size line '{}'", Printable(line)));
    }
    if (size == 0) break;
    if (size > opts_.max_response_bytes - std::min(body->size(), opts_.max_response_bytes)) {
      return Status::TooLarge(fmt::format("response body exceeds the {} byte limit", opts_.max_response_bytes));
    }
    size_t old = body->size();
    body->resize(old + size);
    AP_RETURN_IF_ERROR(ReadExact(body->data() + old, size));
    AP_RETURN_IF_ERROR(ReadLine(&line));
    if (!line.empty()) return Malformed("missing CRLF after chunk data");
  }
  size_t trailer_bytes = 0;  // trailers are read and dropped
  for (;;) {
    AP_RETURN_IF_ERROR(ReadLine(&line));
    if (line.empty()) return Status::OK();
    trailer_bytes += line.size() + 2;
    if (trailer_bytes > opts_.max_header_bytes) {
      return Status::TooLarge(fmt::format("response trailers exceed the {} byte limit", opts_.max_header_bytes));
    }
  }
}

Status HttpClient::ReadUntilClose(std::string* body) {
  for (;;) {
    size_t avail = rend_ - rpos_;
    if (avail > opts_.max_response_bytes - std::min(body->size(), opts_.max_response_bytes)) {
      return Status::TooLarge(fmt::format("response body exceeds the {} byte limit", opts_.max_response_bytes));
    }
    if (avail > 0) body->append(rbuf_.get() + rpos_, avail);
    rpos_ = rend_ = 0;
    size_t n = 0;
    AP_RETURN_IF_ERROR(Fill(&n));
    if (n == 0) return Status::OK();
  }
}

}  // namespace agentperf::net
