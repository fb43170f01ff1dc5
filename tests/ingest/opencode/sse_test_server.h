// TestServer: a tiny HTTP/1.1 server on 127.0.0.1 (one thread per
// connection) standing in for `opencode serve` in the watcher tests; the
// handler writes whole answers, e.g. an endless text/event-stream.
// Thread-safety: the handler runs on connection threads; paths()/Count()
// from any thread.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace agentperf::ingest::opencode::testing {

// handler(path, connection number of that path, fd) writes the whole answer.
class TestServer {
 public:
  using Handler = std::function<void(const std::string& path, int nth, int fd, const std::atomic<bool>& stop)>;
  explicit TestServer(Handler h) : handler_(std::move(h)) {
    lfd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    EXPECT_EQ(::bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(::listen(lfd_, 16), 0);
    socklen_t len = sizeof(a);
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    accept_ = std::thread([this] { AcceptLoop(); });
  }
  ~TestServer() {
    stop_ = true;
    ::shutdown(lfd_, SHUT_RDWR);
    ::close(lfd_);
    accept_.join();
    std::vector<std::thread> conns;
    {
      std::lock_guard<std::mutex> l(mu_);  // not held while joining: Serve takes it too
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
      conns.swap(conns_);
    }
    for (auto& t : conns) t.join();
  }
  int port() const { return port_; }
  std::vector<std::string> paths() {
    std::lock_guard<std::mutex> l(mu_);
    return paths_;
  }
  int Count(std::string_view prefix) {
    int n = 0;
    for (const auto& p : paths()) n += p.rfind(prefix, 0) == 0;
    return n;
  }

  static void Write(int fd, std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      s.remove_prefix(static_cast<size_t>(n));
    }
  }
  static void Respond(int fd, int code, std::string_view body) {
    Write(fd, "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n");
    Write(fd, body);
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      int fd = ::accept4(lfd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      std::lock_guard<std::mutex> l(mu_);
      open_.insert(fd);
      conns_.emplace_back([this, fd] { Serve(fd); });
    }
  }
  void Serve(int fd) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
    }
    std::string path;
    if (size_t sp = req.find(' '); sp != std::string::npos) path = req.substr(sp + 1, req.find(' ', sp + 1) - sp - 1);
    int nth = 0;
    {
      std::lock_guard<std::mutex> l(mu_);
      paths_.push_back(path);
      nth = ++count_[path.substr(0, path.find('?'))];
    }
    if (!path.empty()) handler_(path, nth, fd, stop_);
    {
      std::lock_guard<std::mutex> l(mu_);
      open_.erase(fd);
    }
    ::close(fd);
  }

  Handler handler_;
  int lfd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_;
  std::mutex mu_;
  std::vector<std::thread> conns_;
  std::set<int> open_;
  std::vector<std::string> paths_;
  std::map<std::string, int> count_;
};

}  // namespace agentperf::ingest::opencode::testing
