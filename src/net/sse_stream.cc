#include "net/sse_stream.h"

#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <utility>

namespace agentperf::net {
namespace {

using Clock = std::chrono::steady_clock;

std::string ErrnoText(int err) {
  char buf[256];
  return strerror_r(err, buf, sizeof(buf));
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  void Reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Connects (non-blocking sockets, all addresses within the timeout).
Status Connect(const Url& url, int timeout_ms, Fd* out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  const std::string port = std::to_string(url.port);
  addrinfo* addrs = nullptr;
  int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &addrs);
  if (rc != 0) return Status::Unavailable(fmt::format("cannot resolve host '{}': {}", url.host, ::gai_strerror(rc)));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(addrs, &::freeaddrinfo);
  const int64_t deadline = NowMs() + std::max(timeout_ms, 1);
  int err = EHOSTUNREACH;
  for (addrinfo* ai = addrs; ai != nullptr; ai = ai->ai_next) {
    Fd fd(::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (fd.get() < 0) {
      err = errno;
      continue;
    }
    err = ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS || err == EINTR) {
      pollfd p{fd.get(), POLLOUT, 0};
      int r;
      do {
        r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, deadline - NowMs())));
      } while (r < 0 && errno == EINTR);
      if (r == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t len = sizeof(err);
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    if (err == 0) {
      out->Reset(fd.Release());
      return Status::OK();
    }
  }
  if (err == ETIMEDOUT) return Status::Unavailable(fmt::format("connect timed out after {} ms", timeout_ms));
  return Status::Unavailable(fmt::format("connect: {}", ErrnoText(err)));
}

Status SendAll(int fd, std::string_view data, int timeout_ms) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, timeout_ms) == 0) return Status::Unavailable("send timed out");
      continue;
    }
    return Status::Unavailable(fmt::format("send: {}", ErrnoText(errno)));
  }
  return Status::OK();
}

// Incremental decoder of the chunked transfer coding.
class Dechunker {
 public:
  // Appends the data bytes of `in` to *out; *done at the last chunk.
  Status Feed(std::string_view in, std::string* out, bool* done) {
    for (size_t i = 0; i < in.size() && st_ != kDone;) {
      switch (st_) {
        case kData: {
          size_t n = std::min(left_, in.size() - i);
          out->append(in.substr(i, n));
          i += n;
          left_ -= n;
          if (left_ == 0) st_ = kDataEnd;
          break;
        }
        default: {  // line-oriented states
          size_t nl = in.find('\n', i);
          if (nl == std::string_view::npos) {
            line_.append(in.substr(i));
            if (line_.size() > 4096) return Status::IOError("malformed HTTP response: chunk line too long");
            i = in.size();
            break;
          }
          line_.append(in.substr(i, nl - i));
          i = nl + 1;
          std::string_view line = Trim(line_);
          if (st_ == kSize) {
            line = line.substr(0, line.find(';'));
            size_t n = 0;
            if (line.empty()) return Status::IOError("malformed HTTP response: empty chunk size");
            for (char c : line) {
              int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                      : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                                  : -1;
              if (v < 0 || n > (size_t{1} << 40)) return Status::IOError("malformed HTTP response: bad chunk size");
              n = n * 16 + static_cast<size_t>(v);
            }
            left_ = n;
            st_ = n == 0 ? kTrailer : kData;
          } else if (st_ == kDataEnd) {
            if (!line.empty()) return Status::IOError("malformed HTTP response: chunk without CRLF");
            st_ = kSize;
          } else if (st_ == kTrailer && line.empty()) {
            st_ = kDone;
          }
          line_.clear();
        }
      }
    }
    *done = st_ == kDone;
    return Status::OK();
  }

 private:
  enum State { kSize, kData, kDataEnd, kTrailer, kDone } st_ = kSize;
  size_t left_ = 0;
  std::string line_;
};

}  // namespace

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = std::string(user) + ":" + std::string(password);
  std::string out = "Basic ";
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

Status StreamGet(const Url& url, std::string_view path, const StreamOptions& options, const StreamCallbacks& cb) {
  std::string full_path = url.base_path;
  if (path.empty() || path.front() != '/') full_path.push_back('/');
  full_path.append(path);
  const std::string what = fmt::format("GET {}{}", url.ToString(), path);
  auto err = [&](const Status& s) { return s.WithContext(what); };

  Fd fd;
  if (Status s = Connect(url, options.connect_timeout_ms, &fd); !s.ok()) return err(s);
  std::string head = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: agentperf\r\nAccept: text/event-stream\r\n"
      "Cache-Control: no-cache\r\nConnection: keep-alive\r\n",
      full_path, url.HostHeader());
  for (const auto& [k, v] : options.headers) head += fmt::format("{}: {}\r\n", k, v);
  head += "\r\n";
  if (Status s = SendAll(fd.get(), head, std::max(options.connect_timeout_ms, 1000)); !s.ok()) return err(s);

  std::string buf;  // received, not yet consumed
  enum class Framing { kUntilClose, kLength, kChunked } framing = Framing::kUntilClose;
  size_t length_left = 0;
  bool opened = false;
  Dechunker dechunker;
  std::string decoded;
  int64_t last_byte = NowMs();
  int64_t last_tick = last_byte;
  char rbuf[16384];

  for (;;) {
    if (opened && !buf.empty()) {  // body bytes
      decoded.clear();
      bool done = false;
      if (framing == Framing::kChunked) {
        if (Status s = dechunker.Feed(buf, &decoded, &done); !s.ok()) return err(s);
      } else if (framing == Framing::kLength) {
        size_t n = std::min(length_left, buf.size());
        decoded.assign(buf, 0, n);
        length_left -= n;
        done = length_left == 0;
      } else {
        decoded.swap(buf);
      }
      buf.clear();
      if (!decoded.empty() && !cb.on_body(decoded)) return Status::OK();
      if (done) return err(Status::Unavailable("the stream ended"));
    }
    const int64_t now = NowMs();
    if (now - last_tick >= options.tick_ms) {
      last_tick = now;
      if (cb.on_tick && !cb.on_tick()) return Status::OK();
    }
    if (options.idle_timeout_ms > 0 && now - last_byte >= options.idle_timeout_ms) {
      return err(Status::Unavailable(fmt::format("no data for {} ms", options.idle_timeout_ms)));
    }
    pollfd p{fd.get(), POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, options.tick_ms - (NowMs() - last_tick))));
    if (r < 0 && errno != EINTR) return err(Status::Unavailable(fmt::format("poll: {}", ErrnoText(errno))));
    if (r <= 0) continue;
    ssize_t n = ::recv(fd.get(), rbuf, sizeof(rbuf), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return err(Status::Unavailable(fmt::format("recv: {}", ErrnoText(errno))));
    }
    if (n == 0) return err(Status::Unavailable(opened ? "the stream ended" : "connection closed before the response"));
    last_byte = NowMs();
    buf.append(rbuf, static_cast<size_t>(n));
    if (opened) continue;
    size_t end = buf.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (buf.size() > options.max_header_bytes) return err(Status::IOError("response headers too large"));
      continue;
    }
    std::string_view hv(buf.data(), end);
    size_t eol = hv.find("\r\n");
    std::string_view status_line = hv.substr(0, eol);
    if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12) {
      return err(Status::IOError("malformed HTTP response: bad status line"));
    }
    const int code = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    for (size_t pos = eol; pos != std::string_view::npos && pos < hv.size();) {
      size_t next = hv.find("\r\n", pos + 2);
      std::string_view line =
          hv.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
      pos = next;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
      if (IEquals(name, "transfer-encoding") && value.find("chunked") != std::string_view::npos) {
        framing = Framing::kChunked;
      } else if (IEquals(name, "content-length") && framing != Framing::kChunked) {
        framing = Framing::kLength;
        length_left = std::strtoull(std::string(value).c_str(), nullptr, 10);
      }
    }
    if (code == 401 || code == 403) return err(Status::PermissionDenied(fmt::format("HTTP {}", code)));
    if (code != 200) return err(Status::IOError(fmt::format("HTTP {}", code)));
    buf.erase(0, end + 4);
    opened = true;
    if (cb.on_open && !cb.on_open()) return Status::OK();
    if (framing == Framing::kLength && length_left == 0) return err(Status::Unavailable("the stream ended"));
  }
}

}  // namespace agentperf::net
