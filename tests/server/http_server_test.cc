// HTTP mechanics of the server over raw sockets: malformed request lines and
// headers, oversized headers and bodies, truncated bodies, chunked bodies,
// pipelining, Connection: close, HTTP/1.0 and URL decoding.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/server_fixture.h"

namespace agentperf::server {
namespace {

using agentperf::testing::JsonNum;
using agentperf::testing::JsonStr;

using agentperf::testing::EventJson;
using agentperf::testing::TestServer;
using agentperf::testing::TestServerOptions;
using Clock = std::chrono::steady_clock;

struct RawResponse {
  int status = 0;  // 0: the connection closed (or timed out) before a response
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
};

// A client connection over a plain socket, for requests HttpClient cannot send.
class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      close(fd_);
      fd_ = -1;
      return;
    }
    timeval tv{10, 0};  // never hang a test forever
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~RawConn() { Close(); }
  bool ok() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (Content-Length framed, or up to EOF).
  RawResponse Read() {
    RawResponse r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!More()) return r;
    }
    std::string head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    size_t eol = head.find("\r\n");
    std::string status_line = head.substr(0, eol);
    if (status_line.size() < 12 || status_line.compare(0, 5, "HTTP/") != 0) return r;
    r.status = std::stoi(status_line.substr(9, 3));
    std::optional<size_t> length;
    for (size_t pos = eol + 2; pos < head.size();) {
      size_t next = head.find("\r\n", pos), colon = head.find(':', pos);
      std::string name = head.substr(pos, colon - pos), value = head.substr(colon + 1, next - colon - 1);
      for (char& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
      value.erase(0, value.find_first_not_of(' '));
      if (name == "content-length") length = std::stoul(value);
      r.headers.emplace_back(name, value);
      pos = next + 2;
    }
    if (length) {
      while (buf_.size() < *length) {
        if (!More()) break;
      }
      r.body = buf_.substr(0, *length);
      buf_.erase(0, std::min(buf_.size(), *length));
    } else {
      while (More()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
    }
    return r;
  }

  // True if the server closes the connection (EOF or reset) before sending anything.
  bool SeesCloseWithoutResponse() {
    if (!buf_.empty()) return false;
    char c;
    ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool More() {
    char tmp[65536];
    ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
};

std::string Batch(int n, const std::string& tag) {
  std::string s = "[";
  for (int i = 0; i < n; ++i) s += (i ? "," : "") + EventJson().Set("span_id", fmt::format("{}-{}", tag, i)).Str();
  return s + "]";
}

std::string PostHead(size_t length, const std::string& extra = "") {
  return fmt::format("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{}Content-Length: {}\r\n\r\n",
                     extra, length);
}

class HttpServerTest : public ::testing::Test {
 protected:
  explicit HttpServerTest(TestServerOptions o = {}) : ts_(std::move(o)), client_(ts_.Client()) {}
  uint16_t port() const { return client_.url().port; }

  std::string Status() {
    auto r = client_.Get("/v1/status");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->body : "";
  }
  double Events() { return JsonNum(Status(), "/store/events").value_or(-1); }
  void ExpectHealthy() {
    auto h = ts_.Client().Get("/healthz");
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    EXPECT_EQ(h->status, 200);
  }
  // Polls /v1/status until only our own client's connection is open and no
  // body bytes are reserved.
  void WaitIdle() {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    std::string s;
    while (Clock::now() < deadline) {
      s = Status();
      if (JsonNum(s, "/server/connections_open") == 1 && JsonNum(s, "/server/inflight_bytes") == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "server did not become idle: " << s;
  }

  TestServer ts_;
  net::HttpClient client_;
};

TEST_F(HttpServerTest, MalformedRequestLineIs400) {
  for (const char* req : {"THIS IS NOT HTTP\r\n\r\n", "GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n",
                          "GET /healthz HTTP/7\r\n\r\n", "\x01\x02\x03 binary\r\n\r\n",
                          "POST /v1/events HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                          "POST /v1/events HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n[]"}) {
    SCOPED_TRACE(req);
    RawConn c(port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send(req));
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(JsonStr(r.body, "/code"), "bad_request") << r.body;
    EXPECT_EQ(r.Header("connection"), "close");
    EXPECT_TRUE(c.SeesCloseWithoutResponse());
  }
  ExpectHealthy();
  EXPECT_EQ(Events(), 0);
}

TEST_F(HttpServerTest, HeaderTooLargeIsRefused) {
  RawConn c(port());
  ASSERT_TRUE(c.ok());
  c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100 << 10, 'b') + "\r\n\r\n");
  RawResponse r = c.Read();
  EXPECT_GE(r.status, 400);
  EXPECT_LT(r.status, 500);
  EXPECT_TRUE(JsonStr(r.body, "/error").has_value()) << r.body;
  ExpectHealthy();
}

TEST_F(HttpServerTest, ChunkedBodiesAreAcceptedWithKeepAlive) {
  RawConn c(port());
  ASSERT_TRUE(c.ok());
  const std::string head = "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  auto chunked = [](const std::string& body, size_t piece) {
    std::string s;
    for (size_t i = 0; i < body.size(); i += piece) {
      std::string part = body.substr(i, piece);
      s += fmt::format("{:x}\r\n{}\r\n", part.size(), part);
    }
    return s + "0\r\n\r\n";
  };
  ASSERT_TRUE(c.Send(head + chunked(Batch(5, "ch1"), 100)));
  RawResponse r = c.Read();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonNum(r.body, "/accepted"), 5);
  // Same connection: NDJSON in chunks with an extension and a trailer, sent in pieces.
  std::string nd;
  for (int i = 0; i < 7; ++i) nd += EventJson().Set("span_id", fmt::format("ch2-{}", i)).Str() + "\n";
  std::string body = chunked(nd, 333);
  body.insert(body.find("\r\n"), ";ext=1");
  body.replace(body.size() - 2, 2, "X-Trailer: t\r\n\r\n");
  ASSERT_TRUE(c.Send(head));
  ASSERT_TRUE(c.Send(body.substr(0, body.size() / 2)));
  ASSERT_TRUE(c.Send(body.substr(body.size() / 2)));
  r = c.Read();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonNum(r.body, "/accepted"), 7);
  EXPECT_EQ(Events(), 12);
}

TEST_F(HttpServerTest, TruncatedBodyThenCloseStoresNothing) {
  const std::string body = Batch(5, "trunc");  // valid on its own
  {
    RawConn c(port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send(PostHead(body.size() + 100) + body));
    c.ShutdownWrite();
    EXPECT_TRUE(c.SeesCloseWithoutResponse());
  }
  {
    RawConn c(port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send(PostHead(body.size() + 1) + body));
    c.Close();  // abruptly
  }
  {
    RawConn c(port());  // the head only
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send(PostHead(body.size())));
    c.Close();
  }
  WaitIdle();
  ExpectHealthy();
  EXPECT_EQ(Events(), 0);
  // The same body, complete, is accepted.
  auto r = client_.Post("/v1/events", body);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Events(), 5);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConn c(port());
  ASSERT_TRUE(c.ok());
  const std::string body = Batch(3, "pipe");
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + PostHead(body.size()) + body +
                     "GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"));
  RawResponse a = c.Read(), b = c.Read(), d = c.Read(), e = c.Read();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(JsonStr(a.body, "/status"), "ok");
  EXPECT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(JsonNum(b.body, "/accepted"), 3);
  EXPECT_EQ(d.status, 404);
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(JsonNum(e.body, "/store/events"), 3) << e.body;
}

TEST_F(HttpServerTest, ConnectionCloseAndHttp10AreHonoured) {
  {
    RawConn c(port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("connection"), "close");
    EXPECT_TRUE(c.SeesCloseWithoutResponse());
  }
  {
    RawConn c(port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send("GET /healthz HTTP/1.0\r\n\r\n"));
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(JsonStr(r.body, "/status"), "ok");
    EXPECT_TRUE(c.SeesCloseWithoutResponse());
  }
}

TEST_F(HttpServerTest, ExpectContinueBodiesWork) {
  RawConn c(port());
  ASSERT_TRUE(c.ok());
  const std::string body = Batch(4, "expect");
  ASSERT_TRUE(c.Send(PostHead(body.size(), "Expect: 100-continue\r\n") + body));
  RawResponse r = c.Read();
  if (r.status == 100) r = c.Read();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Events(), 4);
}

TEST_F(HttpServerTest, PercentEncodedPathsAndQueriesAreDecoded) {
  auto p = client_.Post("/v1/events", "[" + EventJson().Set("agent", "a b").Str() + "]");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->status, 200) << p->body;
  auto r = client_.Get("/v1/labels/%61gent/values?limit=%31");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(JsonStr(r->body, "/values/0"), "a b");
  EXPECT_EQ(UrlDecode("a%20b+c%2B", true), "a b c+");
  EXPECT_EQ(UrlDecode("a+b", false), "a+b");
  EXPECT_EQ(UrlDecode("%zz%4", true), "%zz%4");
  EXPECT_EQ(UrlDecode("%41%", false), "A%");
}

TEST_F(HttpServerTest, HeadAnswersHaveNoBody) {
  RawConn c(port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.Send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  RawResponse head = c.Read();
  EXPECT_EQ(head.status, 200);
  // Read() took Content-Length bytes as the body; for HEAD none may follow.
  EXPECT_EQ(head.body.substr(0, 5), "HTTP/") << "HEAD answer carried a body";
}

TEST_F(HttpServerTest, MalformedChunkedBodyIs400) {
  RawConn c(port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.Send("POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n"));
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JsonStr(r.body, "/code"), "bad_request") << r.body;
  WaitIdle();
  ExpectHealthy();
  EXPECT_EQ(Events(), 0);
}

// HttpServer on its own: answers given later from another thread, the early
// check, and the idle timeout against clients that stall.
class HttpServerDirectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    o.idle_timeout_seconds = 1;
    server_ = std::make_unique<HttpServer>(
        o,
        [this](HttpRequest&& r, Responder respond) {
          std::lock_guard l(mu_);
          ++handled_;
          workers_.emplace_back([r = std::move(r), respond = std::move(respond)] {
            respond(HttpResponse::Json(200, fmt::format("{{\"path\":\"{}\",\"bytes\":{},\"q\":\"{}\"}}", r.path,
                                                        r.body.size(), r.Query("q", "none"))));
          });
        },
        [](const HttpRequest& head, uint64_t, HttpResponse* early) {
          if (head.path != "/deny") return false;
          *early = HttpResponse::Error(403, "forbidden", "no");
          return true;
        });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop();
    for (auto& t : workers_) t.join();
  }
  int handled() {
    std::lock_guard l(mu_);
    return handled_;
  }

  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  int handled_ = 0;
};

TEST_F(HttpServerDirectTest, AnswersFromAnotherThreadAndTheEarlyCheck) {
  RawConn c(server_->port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.Send("POST /a%20b?q=x+y HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
  RawResponse r = c.Read();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JsonStr(r.body, "/path"), "/a b");
  EXPECT_EQ(JsonNum(r.body, "/bytes"), 3);
  EXPECT_EQ(JsonStr(r.body, "/q"), "x y");
  // Refused before the body is read: the connection is closed afterwards.
  ASSERT_TRUE(c.Send("POST /deny HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"));
  r = c.Read();
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Header("connection"), "close");
  EXPECT_TRUE(c.SeesCloseWithoutResponse());
  EXPECT_EQ(handled(), 1);
  HttpServerStats st = server_->Stats();
  EXPECT_EQ(st.requests, 1u);
  EXPECT_EQ(st.inflight_bytes, 0u);
  EXPECT_GE(st.connections_total, 1u);
}

TEST_F(HttpServerDirectTest, StalledClientsAreDisconnected) {
  RawConn in_header(server_->port());
  RawConn in_body(server_->port());
  ASSERT_TRUE(in_header.ok() && in_body.ok());
  ASSERT_TRUE(in_header.Send("GET / HTTP/1.1\r\nHo"));
  ASSERT_TRUE(in_body.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
  // Both are closed by the server (after the 1 s idle timeout), unanswered.
  EXPECT_TRUE(in_header.SeesCloseWithoutResponse());
  EXPECT_TRUE(in_body.SeesCloseWithoutResponse());
  EXPECT_EQ(handled(), 0);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (server_->Stats().inflight_bytes != 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(server_->Stats().inflight_bytes, 0u);
  RawConn fresh(server_->port());
  ASSERT_TRUE(fresh.Send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(fresh.Read().status, 200);
}

class SmallBodyServerTest : public HttpServerTest {
 protected:
  static TestServerOptions Options() {
    TestServerOptions o;
    o.server.max_body_bytes = 64 << 10;
    return o;
  }
  SmallBodyServerTest() : HttpServerTest(Options()) {}
};

TEST_F(SmallBodyServerTest, DeclaredBodyOverLimitIs413BeforeTheBodyIsSent) {
  RawConn c(port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.Send(PostHead(10 << 20)));  // no body: the answer must not wait for it
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(JsonStr(r.body, "/code"), "too_large") << r.body;
  EXPECT_EQ(r.Header("connection"), "close");
  ExpectHealthy();
}

TEST_F(SmallBodyServerTest, ChunkedBodyOverLimitIs413) {
  RawConn c(port());
  ASSERT_TRUE(c.ok());
  std::string body = Batch(1000, "bigchunk");
  ASSERT_GT(body.size(), 64u << 10);
  std::string req = "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t i = 0; i < body.size(); i += 8192) {
    std::string part = body.substr(i, 8192);
    req += fmt::format("{:x}\r\n{}\r\n", part.size(), part);
  }
  req += "0\r\n\r\n";
  c.Send(req);  // the server may stop reading once past the limit
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(JsonStr(r.body, "/code"), "too_large") << r.body;
  ExpectHealthy();
  WaitIdle();
  EXPECT_EQ(Events(), 0);
  // At the limit exactly is fine.
  std::string fits = Batch(5, "fits");
  fits.insert(fits.size() - 1, std::string((64 << 10) - fits.size(), ' '));
  ASSERT_EQ(fits.size(), 64u << 10);
  auto ok = client_.Post("/v1/events", fits);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200) << ok->body;
}

}  // namespace
}  // namespace agentperf::server
