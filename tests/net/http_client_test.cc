// Tests for HttpClient against a scripted in-process HTTP server: a listener on
// 127.0.0.1 (port 0) whose script runs on a background thread, reads requests,
// records them, and writes canned (sometimes broken) responses.
#include "net/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace agentperf::net {
namespace {

using namespace std::chrono_literals;

const std::string kOk2 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

class Notification {
 public:
  void Notify() {
    std::lock_guard lock(mu_);
    done_ = true;
    cv_.notify_all();
  }
  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

struct ReceivedRequest {
  std::string method, target, version, body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "<absent>";
  }
};

// One accepted connection, seen from the server side. Every request read is
// appended to the server's log.
class Conn {
 public:
  Conn(int fd, std::vector<ReceivedRequest>* log) : fd_(fd), log_(log) {
    timeval tv{5, 0};  // never hang a test forever
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  }
  ~Conn() { Close(); }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // Reads one request (head + Content-Length body). False on EOF/error.
  bool Read() {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore()) return false;
    }
    ReceivedRequest req;
    std::string head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    size_t eol = head.find("\r\n"), sp1 = head.find(' '), sp2 = head.rfind(' ', eol);
    req.method = head.substr(0, sp1);
    req.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    req.version = head.substr(sp2 + 1, eol - sp2 - 1);
    size_t content_length = 0;
    for (size_t pos = eol + 2; pos < head.size();) {
      size_t next = head.find("\r\n", pos), colon = head.find(':', pos);
      std::string name = head.substr(pos, colon - pos), value = head.substr(colon + 1, next - colon - 1);
      for (char& c : name) c = static_cast<char>(tolower(c));
      value.erase(0, value.find_first_not_of(' '));
      if (name == "content-length") content_length = std::stoul(value);
      req.headers.emplace_back(name, value);
      pos = next + 2;
    }
    while (buf_.size() < content_length) {
      if (!ReadMore()) return false;
    }
    req.body = buf_.substr(0, content_length);
    buf_.erase(0, content_length);
    log_->push_back(std::move(req));
    return true;
  }

  bool Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  bool Serve(std::string_view response) { return Read() && Write(response); }

  // Writes in 3-byte pieces with pauses, so the client sees many partial reads.
  bool Dribble(std::string_view data) {
    for (size_t i = 0; i < data.size(); i += 3) {
      if (!Write(data.substr(i, 3))) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  // True if the peer closes the connection (EOF/reset) within the socket timeout.
  bool SeesEof() {
    char c;
    ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  bool ReadMore() {
    char tmp[65536];
    ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

 private:
  int fd_;
  std::vector<ReceivedRequest>* log_;
  std::string buf_;
};

class ScriptedServer {
 public:
  using Script = std::function<void(ScriptedServer&)>;

  // Runs `script` on a background thread.
  explicit ScriptedServer(Script script) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(listen_fd_, 16), 0);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, script = std::move(script)] { script(*this); });
  }
  // Accepts one connection and answers its requests with `responses` in order.
  explicit ScriptedServer(std::vector<std::string> responses)
      : ScriptedServer(Script([responses = std::move(responses)](ScriptedServer& s) {
          auto conn = s.Accept();
          for (const std::string& response : responses) {
            if (!conn->Serve(response)) return;
          }
        })) {}
  ~ScriptedServer() {
    Join();
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  Url url(std::string base_path = "") const {
    Url u;
    u.host = "127.0.0.1";
    u.port = port_;
    u.base_path = std::move(base_path);
    return u;
  }
  // True if a client connection is waiting to be accepted within timeout_ms.
  bool HasPendingConnection(int timeout_ms) {
    pollfd p{listen_fd_, POLLIN, 0};
    return poll(&p, 1, timeout_ms) > 0;
  }
  // Closes the listening socket: later connects are refused.
  void StopListening() {
    close(listen_fd_);
    listen_fd_ = -1;
  }
  // Accepts the next connection (waits up to 5 s; on timeout all I/O fails).
  std::unique_ptr<Conn> Accept() {
    if (!HasPendingConnection(5000)) return std::make_unique<Conn>(-1, &requests);
    ++accepted;
    return std::make_unique<Conn>(accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC), &requests);
  }

  // Written by the script thread; read by the test after Join().
  std::vector<ReceivedRequest> requests;
  int accepted = 0;

 private:
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// Short enough that a regression fails fast instead of stalling the suite.
HttpClient::Options TestOptions() {
  HttpClient::Options opts;
  opts.io_timeout_ms = 5000;
  return opts;
}

bool Contains(const Status& status, std::string_view needle) {
  return status.message().find(needle) != std::string::npos;
}

TEST(HttpClientTest, GetWithContentLength) {
  ScriptedServer server(std::vector<std::string>{
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Custom-Header:  Value \r\nCONTENT-TYPE: text/plain\r\n\r\nhello"});
  HttpClient client(server.url("/api"), TestOptions());
  Result<HttpResponse> resp = client.Get("v1/status");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "hello");
  EXPECT_EQ(resp->Header("X-CUSTOM-HEADER"), "Value");
  EXPECT_EQ(resp->Header("content-type"), "text/plain");
  EXPECT_EQ(resp->Header("missing"), "");
  ASSERT_EQ(resp->headers.size(), 3u);
  EXPECT_EQ(resp->headers[1].first, "x-custom-header");
  EXPECT_EQ(resp->headers[2].first, "content-type");
  EXPECT_TRUE(client.IsConnected());
  server.Join();
  ASSERT_EQ(server.requests.size(), 1u);
  const ReceivedRequest& req = server.requests[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/api/v1/status");
  EXPECT_EQ(req.version, "HTTP/1.1");
  EXPECT_EQ(req.Header("host"), "127.0.0.1:" + std::to_string(server.url().port));
  EXPECT_EQ(req.Header("user-agent"), "agentperf");
  EXPECT_EQ(req.Header("connection"), "keep-alive");
  EXPECT_EQ(req.Header("content-length"), "<absent>");
  EXPECT_EQ(req.Header("authorization"), "<absent>");
}

TEST(HttpClientTest, PostSendsBodyBearerTokenAndContentLength) {
  const std::string created = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  ScriptedServer server(std::vector<std::string>{created, created, created});
  HttpClient::Options opts = TestOptions();
  opts.bearer_token = "s3cret";
  opts.user_agent = "agentperf-test/1";
  HttpClient client(server.url(), opts);
  Result<HttpResponse> resp = client.Post("/v1/ingest", R"({"a":1})", "application/json", {{"X-Batch", "7"}});
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->body, "");
  ASSERT_TRUE(client.Post("/empty", "").ok());
  ASSERT_TRUE(client.Request("PUT", "/put").ok());
  server.Join();
  ASSERT_EQ(server.requests.size(), 3u);
  const ReceivedRequest& req = server.requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v1/ingest");
  EXPECT_EQ(req.body, R"({"a":1})");
  EXPECT_EQ(req.Header("content-length"), "7");
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("authorization"), "Bearer s3cret");
  EXPECT_EQ(req.Header("user-agent"), "agentperf-test/1");
  EXPECT_EQ(req.Header("x-batch"), "7");
  EXPECT_EQ(server.requests[1].Header("content-length"), "0");
  EXPECT_EQ(server.requests[2].method, "PUT");
  EXPECT_EQ(server.requests[2].Header("content-length"), "0");
  EXPECT_EQ(server.accepted, 1);
}

TEST(HttpClientTest, ChunkedResponseWithExtensionsAndTrailers) {
  ScriptedServer server([](ScriptedServer& s) {
    auto conn = s.Accept();
    if (!conn->Read()) return;
    conn->Dribble(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4\r\nWiki\r\n5;name=value\r\npedia\r\nE ; ext\r\n in\r\n\r\nchunks.\r\n"
        "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n");
    // The same connection must still be usable: the framing was consumed exactly.
    conn->Serve("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, Chunked\r\n\r\n3\r\nend\r\n0\r\n\r\n");
  });
  HttpClient client(server.url(), TestOptions());
  Result<HttpResponse> resp = client.Get("/chunks");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "Wikipedia in\r\n\r\nchunks.abcdefghijklmnopqrstuvwxyz");
  Result<HttpResponse> second = client.Get("/again");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->body, "end");
  server.Join();
  EXPECT_EQ(server.accepted, 1);
}

TEST(HttpClientTest, KeepAliveReusesConnectionAcrossMove) {
  bool reused = false;
  ScriptedServer server([&reused](ScriptedServer& s) {
    auto conn = s.Accept();
    if (!conn->Serve("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none")) return;
    // The second request must arrive on the same connection, not a new one.
    reused = !s.HasPendingConnection(0) && conn->Read() && !s.HasPendingConnection(0);
    conn->Write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
  });
  HttpClient first(server.url(), TestOptions());
  Result<HttpResponse> a = first.Get("/1");
  HttpClient client = std::move(first);  // the connection moves along
  EXPECT_TRUE(client.IsConnected());
  Result<HttpResponse> b = client.Get("/2");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->body, "one");
  EXPECT_EQ(b->body, "two");
  client.Close();
  EXPECT_FALSE(client.IsConnected());
  server.Join();
  EXPECT_TRUE(reused);
  EXPECT_EQ(server.accepted, 1);
}

TEST(HttpClientTest, ReconnectsWhenServerClosedIdleConnection) {
  Notification closed;
  ScriptedServer server([&closed](ScriptedServer& s) {
    auto conn = s.Accept();
    if (!conn->Serve("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")) return;
    conn->Close();  // idle timeout on the server side
    closed.Notify();
    s.Accept()->Serve("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
  });
  HttpClient client(server.url(), TestOptions());
  ASSERT_TRUE(client.Get("/1").ok());
  ASSERT_TRUE(closed.WaitFor(5s));
  Result<HttpResponse> resp = client.Post("/2", "payload");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "second");
  server.Join();
  EXPECT_EQ(server.accepted, 2);
  ASSERT_EQ(server.requests.size(), 2u);
  EXPECT_EQ(server.requests[1].body, "payload");
}

TEST(HttpClientTest, ResendsOnceWhenReusedConnectionClosesBeforeAnswering) {
  ScriptedServer server([](ScriptedServer& s) {
    auto conn = s.Accept();
    if (!conn->Serve(kOk2) || !conn->Read()) return;
    conn->Close();  // the request raced with the server's idle close: no answer
    s.Accept()->Serve("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nresent!");
  });
  HttpClient client(server.url(), TestOptions());
  ASSERT_TRUE(client.Get("/1").ok());
  Result<HttpResponse> resp = client.Post("/2", "batch");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "resent!");
  server.Join();
  EXPECT_EQ(server.accepted, 2);
  ASSERT_EQ(server.requests.size(), 3u);
  EXPECT_EQ(server.requests[1].body, "batch");
  EXPECT_EQ(server.requests[2].body, "batch");
}

// The server read the resent-able request, closed without answering and stopped
// listening: the request may have been processed, so the error must not claim
// "connection refused" (which callers read as "never sent").
TEST(HttpClientTest, FailedResendReportsTheUnansweredRequestNotTheRefusal) {
  ScriptedServer server([](ScriptedServer& s) {
    auto conn = s.Accept();
    if (!conn->Serve(kOk2) || !conn->Read()) return;
    s.StopListening();
    conn->Close();
  });
  HttpClient client(server.url(), TestOptions());
  ASSERT_TRUE(client.Get("/1").ok());
  Result<HttpResponse> resp = client.Post("/2", "batch");
  server.Join();
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(Contains(resp.status(), "connection refused")) << resp.status().ToString();
  EXPECT_TRUE(Contains(resp.status(), "closed the connection before sending a response")) << resp.status().ToString();
  ASSERT_EQ(server.requests.size(), 2u);
  EXPECT_EQ(server.requests[1].body, "batch");
}

// After the response has started, or on a fresh connection, a dead server is
// reported, never retried.
TEST(HttpClientTest, NoResendAfterPartialResponseOrOnFreshConnection) {
  for (bool partial : {true, false}) {
    Notification client_done;
    bool reconnected = true;
    ScriptedServer server([&](ScriptedServer& s) {
      auto conn = s.Accept();
      if (partial && !conn->Serve(kOk2)) return;
      if (!conn->Read()) return;
      if (partial) conn->Write("HTTP/1.1 200 OK\r\nContent-Le");
      conn->Close();  // the server dies
      client_done.WaitFor(5s);
      reconnected = s.HasPendingConnection(100);
    });
    HttpClient client(server.url(), TestOptions());
    if (partial) {
      ASSERT_TRUE(client.Get("/1").ok());
    }
    Result<HttpResponse> resp = client.Post("/2", "batch");
    client_done.Notify();
    ASSERT_FALSE(resp.ok());
    EXPECT_EQ(resp.status().code(), StatusCode::kUnavailable) << resp.status().ToString();
    EXPECT_TRUE(Contains(resp.status(), partial ? "in the middle of the response headers" : "closed the connection"))
        << resp.status().ToString();
    EXPECT_FALSE(client.IsConnected());
    server.Join();
    EXPECT_FALSE(reconnected) << "partial=" << partial;
  }
}

TEST(HttpClientTest, ConnectionCloseAndHttp10CloseTheSocket) {
  bool client_closed = false;
  ScriptedServer server([&client_closed](ScriptedServer& s) {
    auto conn = s.Accept();
    if (!conn->Serve("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye")) return;
    client_closed = conn->SeesEof();  // the client must close its side
    // No Content-Length and no chunking: the body runs until the server closes.
    s.Accept()->Serve("HTTP/1.1 200 OK\r\n\r\nuntil close");
    s.Accept()->Serve("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nhttp");  // 1.0: close by default
    s.Accept()->Serve("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 4\r\n\r\nkeep");
  });
  HttpClient client(server.url(), TestOptions());
  for (const char* expected : {"bye", "until close", "http"}) {
    Result<HttpResponse> resp = client.Get("/");
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    EXPECT_EQ(resp->body, expected);
    EXPECT_FALSE(client.IsConnected()) << expected;
  }
  Result<HttpResponse> keep = client.Get("/");
  ASSERT_TRUE(keep.ok()) << keep.status().ToString();
  EXPECT_TRUE(client.IsConnected());
  server.Join();
  EXPECT_TRUE(client_closed);
  EXPECT_EQ(server.accepted, 4);
}

TEST(HttpClientTest, LargeBodyRoundTrip) {
  std::string body(9 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + (i * 7919) % 26);
  ScriptedServer server([](ScriptedServer& s) {
    auto conn = s.Accept();
    if (!conn->Read()) return;
    const std::string length = std::to_string(s.requests[0].body.size());
    conn->Write("HTTP/1.1 200 OK\r\nX-Received-Length: " + length + "\r\nContent-Length: " + length + "\r\n\r\n");
    conn->Write(s.requests[0].body);  // echo it back
  });
  HttpClient client(server.url(), TestOptions());
  Result<HttpResponse> resp = client.Post("/v1/ingest", body, "application/x-ndjson");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->Header("x-received-length"), std::to_string(body.size()));
  EXPECT_EQ(resp->body.size(), body.size());
  EXPECT_TRUE(resp->body == body);
}

TEST(HttpClientTest, EarlyResponseDuringUploadIsReturned) {
  ScriptedServer server([](ScriptedServer& s) {
    auto conn = s.Accept();
    if (!conn->ReadMore()) return;  // a first piece of the upload, then reject it
    conn->Write("HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 8\r\n\r\ntoo big!");
    conn->Close();  // with unread data: the client's send fails with EPIPE/ECONNRESET
  });
  HttpClient client(server.url(), TestOptions());
  Result<HttpResponse> resp = client.Post("/v1/ingest", std::string(32 << 20, 'x'));
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 413);
  EXPECT_EQ(resp->body, "too big!");
  EXPECT_FALSE(client.IsConnected());
}

TEST(HttpClientTest, TimesOutWhenServerNeverAnswers) {
  Notification client_done;
  ScriptedServer server([&client_done](ScriptedServer& s) {
    auto conn = s.Accept();
    conn->Read();
    client_done.WaitFor(10s);
  });
  HttpClient::Options opts;
  opts.io_timeout_ms = 200;
  HttpClient client(server.url(), opts);
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> resp = client.Get("/slow");
  auto elapsed = std::chrono::steady_clock::now() - start;
  client_done.Notify();
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(resp.status(), "timed out after 200 ms")) << resp.status().ToString();
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_FALSE(client.IsConnected());
}

TEST(HttpClientTest, ConnectionRefusedNamesHostAndPort) {
  // A bound but non-listening socket: connecting to its port is refused, and no
  // other process can take the port while we hold it.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  Url url;
  url.host = "127.0.0.1";
  url.port = ntohs(addr.sin_port);
  HttpClient client(url, TestOptions());
  Result<HttpResponse> resp = client.Post("/v1/ingest", "{}");
  close(fd);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(resp.status(), "connection refused")) << resp.status().ToString();
  EXPECT_TRUE(Contains(resp.status(), "127.0.0.1:" + std::to_string(url.port))) << resp.status().ToString();
}

TEST(HttpClientTest, ConnectTimesOut) {
  // A listener whose accept queue is full drops new SYNs, so connect() hangs.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 0), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    fillers.push_back(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    connect(fillers.back(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }
  std::this_thread::sleep_for(50ms);
  Url url;
  url.host = "127.0.0.1";
  url.port = ntohs(addr.sin_port);
  HttpClient::Options opts;
  opts.connect_timeout_ms = 200;
  HttpClient client(url, opts);
  Result<HttpResponse> resp = client.Get("/");
  for (int f : fillers) close(f);
  close(fd);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(resp.status(), "timed out after 200 ms")) << resp.status().ToString();
}

// Each response is served on a fresh server; the client must fail with `code`.
void ExpectResponseFails(const std::string& response, StatusCode code, std::string_view message_part,
                         size_t max_response_bytes = size_t{256} << 20) {
  ScriptedServer server(std::vector<std::string>{response});
  HttpClient::Options opts = TestOptions();
  opts.max_response_bytes = max_response_bytes;
  HttpClient client(server.url(), opts);
  Result<HttpResponse> resp = client.Get("/");
  ASSERT_FALSE(resp.ok()) << response.substr(0, 60);
  EXPECT_EQ(resp.status().code(), code) << resp.status().ToString();
  EXPECT_TRUE(Contains(resp.status(), message_part)) << resp.status().ToString();
  EXPECT_FALSE(client.IsConnected());
}

TEST(HttpClientTest, MalformedStatusLineIsAnError) {
  for (const char* line : {"HTPT/1.1 200 OK", "HTTP/1.1 2x0 OK", "HTTP/1.1 200OK", "garbage", "HTTP/2 200"}) {
    ExpectResponseFails(std::string(line) + "\r\nContent-Length: 0\r\n\r\n", StatusCode::kIOError, "status line");
  }
}

TEST(HttpClientTest, MalformedFramingIsAnError) {
  ExpectResponseFails("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", StatusCode::kIOError, "Content-Length");
  ExpectResponseFails("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", StatusCode::kIOError,
                      "Content-Length");
  ExpectResponseFails("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", StatusCode::kIOError, "header line");
  ExpectResponseFails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", StatusCode::kIOError, "chunk");
  ExpectResponseFails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
                      StatusCode::kIOError, "chunk");
  ExpectResponseFails("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b", StatusCode::kUnavailable,
                      "middle of the response body");
}

TEST(HttpClientTest, OversizedHeadersAndBodiesAreRejected) {
  ExpectResponseFails("HTTP/1.1 200 OK\r\nX-Big: " + std::string(70 << 10, 'x') + "\r\nContent-Length: 0\r\n\r\n",
                      StatusCode::kTooLarge, "headers exceed");
  ExpectResponseFails("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n" + std::string(4096, 'b'),
                      StatusCode::kTooLarge, "body", 1024);
  ExpectResponseFails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + std::string(1024, 'c') +
                          "\r\n1\r\nc\r\n0\r\n\r\n",
                      StatusCode::kTooLarge, "body", 1024);
  ExpectResponseFails("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(2000, 'd'), StatusCode::kTooLarge,
                      "body", 1024);
}

TEST(HttpClientTest, HeadAnd204And304HaveNoBodyAnd100IsSkipped) {
  ScriptedServer server(std::vector<std::string>{
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone"});
  HttpClient client(server.url(), TestOptions());
  Result<HttpResponse> head = client.Request("HEAD", "/h");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->Header("content-length"), "100");
  EXPECT_EQ(head->body, "");
  Result<HttpResponse> no_content = client.Post("/n", "x");
  ASSERT_TRUE(no_content.ok()) << no_content.status().ToString();
  EXPECT_EQ(no_content->status, 204);
  Result<HttpResponse> not_modified = client.Get("/m");
  ASSERT_TRUE(not_modified.ok()) << not_modified.status().ToString();
  EXPECT_EQ(not_modified->status, 304);
  Result<HttpResponse> last = client.Get("/c");
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->status, 200);
  EXPECT_EQ(last->body, "done");
  server.Join();
  EXPECT_EQ(server.accepted, 1);
}

TEST(HttpClientTest, RejectsHeaderInjectionWithoutConnecting) {
  Url url;
  url.host = "127.0.0.1";
  url.port = 1;  // nothing is contacted: validation fails first
  HttpClient client(url, TestOptions());
  EXPECT_EQ(client.Get("/a\r\nX-Evil: 1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Get("/a b").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Request("GE T", "/").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Get("/", {{"X-Ok", "a\r\nX-Evil: 1"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Get("/", {{"Bad Name", "v"}}).status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpClientTest, ResolvesLocalhost) {
  ScriptedServer server(std::vector<std::string>{kOk2});
  Url url = server.url();
  url.host = "localhost";  // may resolve to ::1 first (refused), then 127.0.0.1
  HttpClient client(url, TestOptions());
  Result<HttpResponse> resp = client.Get("/");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "ok");
  server.Join();
  EXPECT_EQ(server.requests[0].Header("host"), "localhost:" + std::to_string(url.port));
}

}  // namespace
}  // namespace agentperf::net
