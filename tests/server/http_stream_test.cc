// Streamed responses (ResponseStream): chunked framing with keep-alive, timers
// on the I/O thread, the buffer bound, client disconnects, HTTP/1.0 and HEAD,
// a dropped stream, and a server stop with timers pending.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "server/http_server.h"

namespace agentperf::server {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A plain socket that reads whole responses, decoding chunked bodies itself
// and keeping the raw bytes, so the framing can be checked.
class Conn {
 public:
  explicit Conn(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      close(fd_);
      fd_ = -1;
    }
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~Conn() { Close(); }
  bool ok() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  bool Send(std::string_view d) {
    while (!d.empty()) {
      ssize_t n = send(fd_, d.data(), d.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      d.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  struct Response {
    int status = 0;
    std::string head;  // status line and headers, lowercased
    std::string body;  // decoded
    std::vector<std::string> chunks;
    bool complete = false;  // framing ended properly (last chunk / Content-Length / EOF for close framing)
  };
  // Reads one response; `head_only` for a HEAD request.
  Response Read(bool head_only = false) {
    Response r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!More()) return r;
    }
    r.head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    for (char& c : r.head) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    r.status = std::stoi(r.head.substr(9, 3));
    if (head_only) {
      r.complete = true;
      return r;
    }
    if (r.head.find("transfer-encoding: chunked") != std::string::npos) {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!More()) return r;
        }
        size_t n = std::stoul(buf_.substr(0, eol), nullptr, 16);
        while (buf_.size() < eol + 2 + n + 2) {
          if (!More()) return r;
        }
        if (buf_.compare(eol + 2 + n, 2, "\r\n") != 0) return r;
        std::string data = buf_.substr(eol + 2, n);
        buf_.erase(0, eol + 2 + n + 2);
        if (n == 0) {
          r.complete = true;
          return r;
        }
        r.body += data;
        r.chunks.push_back(std::move(data));
      }
    }
    size_t cl = r.head.find("content-length: ");
    if (cl != std::string::npos) {
      size_t len = std::stoul(r.head.substr(cl + 16));
      while (buf_.size() < len) {
        if (!More()) return r;
      }
      r.body = buf_.substr(0, len);
      buf_.erase(0, len);
      r.complete = true;
      return r;
    }
    while (More()) {
    }
    r.body = std::move(buf_);
    buf_.clear();
    r.complete = eof_;
    return r;
  }
  bool AtEof() {
    if (!buf_.empty()) return false;
    return !More() && eof_;
  }

 private:
  bool More() {
    char tmp[65536];
    ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
    if (n == 0) eof_ = true;
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

// A server whose handler is a function the test sets.
class StreamServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions o = {}) {
    o.port = 0;
    server_ = std::make_unique<HttpServer>(o, StreamHandler([this](HttpRequest&& r, std::shared_ptr<ResponseStream> s) {
                                             handler_(std::move(r), std::move(s));
                                           }),
                                           EarlyCheck());
    ASSERT_TRUE(server_->Start().ok());
  }
  void SetUp() override { StartServer(); }
  uint16_t port() const { return server_->port(); }

  std::function<void(HttpRequest&&, std::shared_ptr<ResponseStream>)> handler_;
  std::unique_ptr<HttpServer> server_;
};

// Writes `parts` one by one, each at its own deadline, then finishes.
void WritePaced(std::shared_ptr<ResponseStream> s, std::vector<std::string> parts, size_t i,
                std::chrono::milliseconds gap, std::vector<std::thread::id>* threads, std::mutex* mu) {
  if (i == parts.size()) return s->Finish();
  s->At(Clock::now() + gap, [s, parts = std::move(parts), i, gap, threads, mu](bool ok) mutable {
    if (!ok) return;
    {
      std::lock_guard<std::mutex> l(*mu);
      threads->push_back(std::this_thread::get_id());
    }
    EXPECT_TRUE(s->Write(parts[i]).ok());
    WritePaced(s, std::move(parts), i + 1, gap, threads, mu);
  });
}

TEST_F(StreamServerTest, ChunksArriveInOrderAndTheConnectionIsReused) {
  std::vector<std::thread::id> timer_threads;
  std::mutex mu;
  std::thread::id handler_caller = std::this_thread::get_id();
  handler_ = [&](HttpRequest&& r, std::shared_ptr<ResponseStream> s) {
    if (r.path == "/plain") {
      s->Respond(HttpResponse::Json(200, "{\"plain\":true}"));
      return;
    }
    s->Begin(200, "text/event-stream", {{"Cache-Control", "no-cache"}});
    WritePaced(s, {"data: one\n\n", "data: two\n\n", "data: three\n\n"}, 0, 5ms, &timer_threads, &mu);
  };
  Conn c(port());
  ASSERT_TRUE(c.ok());
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(c.Send("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n"));
    Conn::Response r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.complete);
    EXPECT_NE(r.head.find("content-type: text/event-stream"), std::string::npos) << r.head;
    EXPECT_NE(r.head.find("cache-control: no-cache"), std::string::npos) << r.head;
    EXPECT_EQ(r.head.find("content-length"), std::string::npos) << r.head;
    EXPECT_EQ(r.body, "data: one\n\ndata: two\n\ndata: three\n\n");
    EXPECT_EQ(r.chunks.size(), 3u);
  }
  // A complete response through the stream, on the same connection.
  ASSERT_TRUE(c.Send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n"));
  Conn::Response p = c.Read();
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.body, "{\"plain\":true}");
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(timer_threads.size(), 6u);
  for (auto id : timer_threads) EXPECT_NE(id, handler_caller);  // callbacks run on the I/O thread
}

TEST_F(StreamServerTest, HttpClientReadsStreamedBodies) {
  handler_ = [](HttpRequest&& r, std::shared_ptr<ResponseStream> s) {
    s->Begin(201, "text/plain");
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(s->Write(fmt::format("{},", i)).ok());
    s->Finish();
  };
  net::HttpClient client(*net::ParseUrl(fmt::format("http://127.0.0.1:{}", port())));
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += fmt::format("{},", i);
  for (int i = 0; i < 3; ++i) {
    auto r = client.Get("/x");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->body, expected);
  }
}

TEST_F(StreamServerTest, AWaitingStreamDoesNotBlockOtherRequests) {
  // One I/O thread: a stream waiting for a far deadline must not hold it.
  server_.reset();
  HttpServerOptions o;
  o.threads = 1;
  StartServer(o);
  std::atomic<bool> slow_done{false};
  std::atomic<bool> slow_scheduled{false};
  handler_ = [&](HttpRequest&& r, std::shared_ptr<ResponseStream> s) {
    if (r.path == "/slow") {
      s->Begin(200, "text/plain");
      s->At(Clock::now() + 30s, [s, &slow_done](bool ok) {
        slow_done = true;
        s->Finish();
      });
      slow_scheduled = true;
      return;
    }
    s->Respond(HttpResponse::Json(200, "{}"));
  };
  Conn slow(port());
  ASSERT_TRUE(slow.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  while (!slow_scheduled) std::this_thread::sleep_for(1ms);
  Conn fast(port());
  ASSERT_TRUE(fast.Send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  Conn::Response r = fast.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(slow_done.load());
  // Stopping the server runs the pending callback with ok=false (and frees it).
  server_->Stop();
  EXPECT_TRUE(slow_done.load());
}

TEST_F(StreamServerTest, StopRunsPendingTimersWithFalse) {
  std::atomic<int> calls{0}, oks{0};
  std::atomic<bool> scheduled{false};
  handler_ = [&](HttpRequest&&, std::shared_ptr<ResponseStream> s) {
    s->Begin(200, "text/plain");
    for (int i = 0; i < 3; ++i) {
      s->At(Clock::now() + 60s, [s, &calls, &oks](bool ok) {
        ++calls;
        if (ok) ++oks;
        EXPECT_FALSE(s->Write("late").ok());  // dropped: the server stops
      });
    }
    scheduled = true;
  };
  Conn c(port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  while (!scheduled) std::this_thread::sleep_for(1ms);
  server_->Stop();
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(oks.load(), 0);
}

TEST_F(StreamServerTest, TimersFireInDeadlineOrder) {
  std::mutex mu;
  std::vector<int> order;
  handler_ = [&](HttpRequest&&, std::shared_ptr<ResponseStream> s) {
    s->Begin(200, "text/plain");
    auto now = Clock::now();
    auto remaining = std::make_shared<std::atomic<int>>(4);
    for (int i : {3, 1, 4, 2}) {
      s->At(now + std::chrono::milliseconds(5 * i), [&, s, i, remaining](bool ok) {
        EXPECT_TRUE(ok);
        {
          std::lock_guard<std::mutex> l(mu);
          order.push_back(i);
        }
        EXPECT_TRUE(s->Write(std::to_string(i)).ok());
        if (--*remaining == 0) s->Finish();
      });
    }
  };
  Conn c(port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  Conn::Response r = c.Read();
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "1234");
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
}

TEST_F(StreamServerTest, WritesBeyondTheBufferBoundAreRefused) {
  server_.reset();
  HttpServerOptions o;
  o.threads = 1;
  o.max_stream_buffer_bytes = 64 * 1024;
  StartServer(o);
  std::atomic<int> accepted{0};
  std::atomic<uint64_t> peak{0};
  Status refused;
  handler_ = [&](HttpRequest&&, std::shared_ptr<ResponseStream> s) {
    s->Begin(200, "application/octet-stream");
    // The handler runs on the only I/O thread, so nothing is written to the
    // socket until it returns: the queue fills up.
    std::string piece(16 * 1024, 'x');
    for (int i = 0; i < 10; ++i) {
      Status st = s->Write(piece);
      if (!st.ok()) {
        refused = st;
        break;
      }
      ++accepted;
      peak = std::max<uint64_t>(peak, s->buffered());
    }
    s->Finish();
  };
  Conn c(port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  Conn::Response r = c.Read();
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(accepted.load(), 4);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.ToString();
  EXPECT_LE(peak.load(), o.max_stream_buffer_bytes);
  EXPECT_EQ(r.body.size(), 4u * 16 * 1024);
}

TEST_F(StreamServerTest, ClientDisconnectClosesTheStream) {
  std::atomic<bool> saw_closed{false}, saw_false{false};
  std::atomic<bool> begun{false};
  std::shared_ptr<ResponseStream> keep;
  std::mutex mu;
  std::condition_variable cv;
  // Writes a chunk every 2 ms until the stream reports the connection gone.
  std::function<void(std::shared_ptr<ResponseStream>)> tick = [&](std::shared_ptr<ResponseStream> s) {
    s->At(Clock::now() + 2ms, [&, s](bool ok) {
      if (!ok || s->closed()) {
        if (!ok) saw_false = true;
        if (s->closed()) saw_closed = true;
        std::lock_guard<std::mutex> l(mu);
        cv.notify_all();
        return;
      }
      (void)s->Write(std::string(1024, 'y'));
      tick(s);
    });
  };
  handler_ = [&](HttpRequest&&, std::shared_ptr<ResponseStream> s) {
    s->Begin(200, "text/plain");
    begun = true;
    tick(s);
  };
  {
    Conn c(port());
    ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    while (!begun) std::this_thread::sleep_for(1ms);
  }  // closes the client side
  std::unique_lock<std::mutex> l(mu);
  ASSERT_TRUE(cv.wait_for(l, 20s, [&] { return saw_closed.load() || saw_false.load(); }));
  EXPECT_TRUE(saw_closed.load());
}

TEST_F(StreamServerTest, Http10GetsCloseFramingAndHeadGetsNoBody) {
  handler_ = [](HttpRequest&&, std::shared_ptr<ResponseStream> s) {
    s->Begin(200, "text/plain");
    EXPECT_TRUE(s->Write("hello ").ok());
    EXPECT_TRUE(s->Write("world").ok());
    s->Finish();
  };
  {
    Conn c(port());
    ASSERT_TRUE(c.Send("GET / HTTP/1.0\r\n\r\n"));
    Conn::Response r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.head.find("chunked"), std::string::npos) << r.head;
    EXPECT_EQ(r.body, "hello world");
    EXPECT_TRUE(r.complete);  // ended by the server closing
  }
  {
    Conn c(port());
    ASSERT_TRUE(c.Send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
    Conn::Response r = c.Read(/*head_only=*/true);
    EXPECT_EQ(r.status, 200);
    // Then the connection serves the next request, with no stray body bytes before it.
    ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    Conn::Response g = c.Read();
    EXPECT_EQ(g.status, 200);
    EXPECT_EQ(g.body, "hello world");
  }
}

TEST_F(StreamServerTest, ADroppedStreamIsAnswered500OrClosed) {
  handler_ = [](HttpRequest&& r, std::shared_ptr<ResponseStream> s) {
    if (r.path == "/begun") {
      s->Begin(200, "text/plain");
      EXPECT_TRUE(s->Write("partial").ok());
    }
    // s goes away without Finish()
  };
  {
    Conn c(port());
    ASSERT_TRUE(c.Send("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"));
    Conn::Response r = c.Read();
    EXPECT_EQ(r.status, 500);
  }
  {
    Conn c(port());
    ASSERT_TRUE(c.Send("GET /begun HTTP/1.1\r\nHost: x\r\n\r\n"));
    Conn::Response r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.complete);  // no last chunk: the client can tell the body was cut
    EXPECT_EQ(r.body, "partial");
  }
}

void Pump(std::shared_ptr<ResponseStream> s, std::string tag, int n) {
  s->At(Clock::now() + 1ms, [s, tag, n](bool ok) {
    if (!ok) return;
    if (n == 5) return s->Finish();
    EXPECT_TRUE(s->Write(fmt::format("{}:{};", tag, n)).ok());
    Pump(s, tag, n + 1);
  });
}

TEST_F(StreamServerTest, ManyConcurrentStreamsAllComplete) {
  handler_ = [](HttpRequest&& r, std::shared_ptr<ResponseStream> s) {
    s->Begin(200, "text/plain");
    Pump(s, r.path, 0);
  };
  constexpr int kClients = 8;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Conn c(port());
      for (int k = 0; k < 5; ++k) {
        if (!c.Send(fmt::format("GET /c{} HTTP/1.1\r\nHost: x\r\n\r\n", i))) return;
        Conn::Response r = c.Read();
        std::string want;
        for (int p = 0; p < 5; ++p) want += fmt::format("/c{}:{};", i, p);
        if (r.complete && r.body == want) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), kClients * 5);
}

}  // namespace
}  // namespace agentperf::server
