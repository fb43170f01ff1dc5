// Overload: a bound on request bytes in flight (503 + Retry-After: 1, memory
// stays bounded, nothing acknowledged is lost, the reservation returns to 0)
// and a bound on connections (extra connections get 503).
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/server_fixture.h"

namespace agentperf::server {
namespace {

using agentperf::testing::JsonNum;
using agentperf::testing::EventJson;
using agentperf::testing::TestServer;
using agentperf::testing::TestServerOptions;
using Clock = std::chrono::steady_clock;

// n events with span ids "<tag>-i" and an attribute that pads each to ~1 KB.
std::string Batch(const std::string& tag, int n) {
  const std::string pad(900, 'p');
  std::string s = "[";
  for (int i = 0; i < n; ++i) {
    s += (i ? "," : "") + EventJson()
                              .Set("span_id", fmt::format("{}-{}", tag, i))
                              .Raw("attrs", fmt::format("{{\"pad\":\"{}\"}}", pad.substr(0, 900)))
                              .Str();
  }
  return s + "]";
}

// A raw client socket: for holding a connection or a half-sent request open.
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
    }
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  }
  ~RawConn() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool Send(std::string_view d) {
    while (!d.empty()) {
      ssize_t n = send(fd_, d.data(), d.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      d.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads until a complete response (Content-Length framed) or EOF; returns it raw.
  std::string ReadResponse() {
    std::string buf;
    char tmp[8192];
    for (;;) {
      size_t end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t cl = buf.find("Content-Length: ");
        if (cl != std::string::npos && cl < end && buf.size() >= end + 4 + std::stoul(buf.substr(cl + 16))) return buf;
      }
      ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
      if (n <= 0) return buf;
      buf.append(tmp, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

std::string PostHead(size_t length) {
  return fmt::format("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", length);
}

class OverloadTest : public ::testing::Test {
 protected:
  explicit OverloadTest(TestServerOptions o) : ts_(std::move(o)), client_(ts_.Client()) {}
  uint16_t port() const { return client_.url().port; }
  std::string Status() {
    auto r = client_.Get("/v1/status");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->body : "";
  }
  // Polls until no request bytes are reserved any more.
  void ExpectInflightReturnsToZero() {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    std::string s;
    while (Clock::now() < deadline) {
      s = Status();
      if (JsonNum(s, "/server/inflight_bytes") == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "inflight bytes never returned to 0: " << s;
  }
  TestServer ts_;
  net::HttpClient client_;
};

class InflightBytesTest : public OverloadTest {
 protected:
  static constexpr uint64_t kMaxInflight = 1 << 20;
  static TestServerOptions Options() {
    TestServerOptions o;
    o.server.max_inflight_bytes = kMaxInflight;
    o.server.threads = 4;
    return o;
  }
  InflightBytesTest() : OverloadTest(Options()) {}
};

TEST_F(InflightBytesTest, HeldReservationRefusesTheNextBodyWith503) {
  // A request whose body is only half sent holds its reservation...
  const std::string big = Batch("held", 800);
  ASSERT_GT(big.size(), kMaxInflight * 3 / 4);
  ASSERT_LT(big.size(), kMaxInflight);
  RawConn holder(port());
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE(holder.Send(PostHead(big.size()) + big.substr(0, big.size() / 2)));
  // ...(wait until the server has seen its head)...
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (JsonNum(Status(), "/server/inflight_bytes") != big.size() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(JsonNum(Status(), "/server/inflight_bytes"), big.size());
  // ...so a second body that does not fit beside it is refused at once.
  auto r = client_.Post("/v1/events", Batch("refused", 300));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(r->Header("retry-after"), "1");
  EXPECT_NE(r->body.find("\"code\":\"overloaded\""), std::string::npos) << r->body;
  // Small bodies that fit still go through, and bodiless requests always do.
  auto small = client_.Post("/v1/events", Batch("small", 10));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 200) << small->body;
  // Finishing the held body completes its request.
  ASSERT_TRUE(holder.Send(big.substr(big.size() / 2)));
  std::string resp = holder.ReadResponse();
  EXPECT_EQ(resp.substr(0, 12), "HTTP/1.1 200") << resp.substr(0, 300);
  ExpectInflightReturnsToZero();
  std::string s = Status();
  EXPECT_EQ(JsonNum(s, "/store/events"), 810) << s;
  EXPECT_GE(JsonNum(s, "/server/rejected_overload").value_or(0), 1) << s;
}

TEST_F(InflightBytesTest, ConcurrentLargeBodiesLoseNothingAcknowledged) {
  constexpr int kThreads = 8, kPerThread = 6;
  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<int> refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = ts_.Client();
      for (int i = 0; i < kPerThread; ++i) {
        const std::string tag = fmt::format("t{}-{}", t, i);
        auto r = c.Post("/v1/events", Batch(tag, 300));  // ~300 KB each; 8 at once do not fit in 1 MB
        if (!r.ok()) {
          ++other;
          ADD_FAILURE() << tag << ": " << r.status().ToString();
        } else if (r->status == 200) {
          std::lock_guard l(mu);
          acked.insert(tag);
          EXPECT_NE(r->body.find("\"accepted\":300"), std::string::npos) << r->body;
        } else if (r->status == 503) {
          ++refused;
          EXPECT_EQ(r->Header("retry-after"), "1");
        } else {
          ++other;
          ADD_FAILURE() << tag << ": HTTP " << r->status << " " << r->body;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(acked.size() + refused.load(), static_cast<size_t>(kThreads * kPerThread));
  ExpectInflightReturnsToZero();
  std::string s = Status();
  EXPECT_EQ(JsonNum(s, "/store/events"), 300.0 * acked.size()) << s;
  EXPECT_GE(JsonNum(s, "/server/rejected_overload").value_or(0), refused.load()) << s;
  // Every acknowledged batch is there in full: resending it only finds duplicates.
  for (const auto& tag : acked) {
    auto r = client_.Post("/v1/events", Batch(tag, 300));
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->body.find("\"duplicates\":300"), std::string::npos) << tag << ": " << r->body;
  }
}

class MaxConnectionsTest : public OverloadTest {
 protected:
  static TestServerOptions Options() {
    TestServerOptions o;
    o.server.max_connections = 4;
    return o;
  }
  MaxConnectionsTest() : OverloadTest(Options()) {}
};

TEST_F(MaxConnectionsTest, ExtraConnectionsGet503) {
  client_.Close();  // only the raw connections below count
  std::vector<std::unique_ptr<RawConn>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConn>(port()));
    ASSERT_TRUE(held.back()->ok());
    ASSERT_TRUE(held.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(held.back()->ReadResponse().substr(0, 12), "HTTP/1.1 200") << i;
  }
  for (int i = 0; i < 3; ++i) {
    RawConn extra(port());
    ASSERT_TRUE(extra.ok());
    extra.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string resp = extra.ReadResponse();
    EXPECT_EQ(resp.substr(0, 12), "HTTP/1.1 503") << resp;
    EXPECT_NE(resp.find("Retry-After: 1"), std::string::npos) << resp;
  }
  // The held connections keep working.
  ASSERT_TRUE(held[0]->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(held[0]->ReadResponse().substr(0, 12), "HTTP/1.1 200");
  // Once one goes away, new connections are served again.
  held.pop_back();
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  int status = 0;
  while (Clock::now() < deadline) {
    auto c = ts_.Client();
    auto r = c.Get("/healthz");
    status = r.ok() ? r->status : 0;
    if (status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace agentperf::server
