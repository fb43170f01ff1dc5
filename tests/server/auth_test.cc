// Authentication: with a token every endpoint (healthz included) needs
// "Authorization: Bearer <token>" (401 + WWW-Authenticate otherwise), and the
// server refuses to listen on a non-loopback address without a token.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/server.h"
#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/server_fixture.h"
#include "testing/temp_dir.h"

namespace agentperf::server {
namespace {

using agentperf::testing::EventJson;
using agentperf::testing::TempDir;
using agentperf::testing::TestServer;
using agentperf::testing::TestServerOptions;

constexpr char kToken[] = "s3cret-Token_42";

struct Endpoint {
  const char* method;
  const char* path;
  std::string body;
  int ok_status;  // with the right token
};

std::vector<Endpoint> Endpoints() {
  return {{"GET", "/healthz", "", 200},
          {"GET", "/v1/status", "", 200},
          {"GET", "/", "", 200},
          {"POST", "/v1/events", "[" + EventJson().Str() + "]", 200},
          {"POST", "/v1/query", R"({"aggregates":["count"]})", 200},
          {"GET", "/v1/labels/agent/values", "", 200},
          {"GET", "/no/such/path", "", 404},
          {"DELETE", "/v1/events", "", 405}};
}

class AuthTest : public ::testing::Test {
 protected:
  static TestServerOptions Options() {
    TestServerOptions o;
    o.server.token = kToken;
    return o;
  }
  AuthTest() : ts_(Options()) {}

  double StoredEvents() {
    auto r = ts_.Client(kToken).Get("/v1/status");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return -1;
    size_t at = r->body.find("\"events\":");
    return at == std::string::npos ? -1 : std::stod(r->body.substr(at + 9));
  }

  TestServer ts_;
};

TEST_F(AuthTest, EveryEndpointNeedsTheToken) {
  const std::vector<std::pair<std::string, net::HttpHeaders>> bad = {
      {"no header", {}},
      {"wrong token", {{"Authorization", "Bearer wrong"}}},
      {"token prefix", {{"Authorization", std::string("Bearer ") + std::string(kToken).substr(0, 5)}}},
      {"token plus more", {{"Authorization", std::string("Bearer ") + kToken + "x"}}},
      {"no scheme", {{"Authorization", kToken}}},
      {"basic scheme", {{"Authorization", std::string("Basic ") + kToken}}},
      {"empty bearer", {{"Authorization", "Bearer "}}},
  };
  for (const Endpoint& e : Endpoints()) {
    for (const auto& [what, headers] : bad) {
      SCOPED_TRACE(fmt::format("{} {} with {}", e.method, e.path, what));
      auto c = ts_.Client();
      auto r = c.Request(e.method, e.path, e.body, headers);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->status, 401) << r->body;
      EXPECT_EQ(r->Header("www-authenticate").substr(0, 6), "Bearer");
      EXPECT_NE(r->body.find("\"code\":\"unauthorized\""), std::string::npos) << r->body;
    }
  }
  EXPECT_EQ(StoredEvents(), 0) << "an unauthenticated POST stored events";
  for (const Endpoint& e : Endpoints()) {
    SCOPED_TRACE(fmt::format("{} {} with the token", e.method, e.path));
    auto c = ts_.Client(kToken);
    auto r = c.Request(e.method, e.path, e.body);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, e.ok_status) << r->body;
  }
  EXPECT_EQ(StoredEvents(), 1);
}

TEST_F(AuthTest, TheAuthSchemeIsCaseInsensitive) {
  // RFC 7235: the scheme name is case-insensitive; the token is not.
  auto c = ts_.Client();
  for (const char* scheme : {"bearer", "BEARER", "Bearer"}) {
    auto r = c.Get("/healthz", {{"Authorization", fmt::format("{} {}", scheme, kToken)}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << scheme;
  }
  std::string upper = kToken;
  for (char& ch : upper) ch = static_cast<char>(toupper(ch));
  auto r = c.Get("/healthz", {{"Authorization", "Bearer " + upper}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
}

TEST_F(AuthTest, UnauthorizedPostWithBodyKeepsTheServerUsable) {
  // The body is not read: the 401 closes the connection, and the next request works.
  auto anon = ts_.Client();
  std::string big = "[";
  for (int i = 0; i < 2000; ++i) big += (i ? "," : "") + EventJson().Set("span_id", fmt::format("x{}", i)).Str();
  big += "]";
  auto r = anon.Post("/v1/events", big);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 401);
  auto c = ts_.Client(kToken);
  for (int i = 0; i < 3; ++i) {
    auto h = c.Get("/healthz");
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->status, 200);
  }
  EXPECT_EQ(StoredEvents(), 0);
}

class ServerStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::EmbeddedStoreOptions so;
    so.data_dir = dir_.path();
    auto s = store::EmbeddedStore::Open(so);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  Result<std::unique_ptr<Server>> Start(const std::string& listen, const std::string& token) {
    ServerOptions o;
    o.listen = listen;
    o.token = token;
    o.threads = 2;
    return Server::Start(o, store_.get());
  }
  TempDir dir_;
  std::unique_ptr<store::EmbeddedStore> store_;
};

TEST_F(ServerStartTest, NonLoopbackWithoutTokenIsRefused) {
  for (const char* listen : {"0.0.0.0:0", "[::]:0", "10.1.2.3:0", "127.example.com:0"}) {
    auto s = Start(listen, "");
    ASSERT_FALSE(s.ok()) << listen;
    EXPECT_EQ(s.status().code(), StatusCode::kPermissionDenied) << listen << ": " << s.status().ToString();
    EXPECT_NE(s.status().message().find("token"), std::string::npos) << s.status().ToString();
  }
}

TEST_F(ServerStartTest, NonLoopbackWithTokenStartsAndChecksIt) {
  auto s = Start("0.0.0.0:0", kToken);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Server& srv = **s;
  EXPECT_NE(srv.port(), 0);
  net::HttpClientOptions co;
  co.io_timeout_ms = 30000;
  net::HttpClient anon(*net::ParseUrl(srv.url()), co);
  auto r = anon.Get("/healthz");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 401);
  co.bearer_token = kToken;
  net::HttpClient authed(*net::ParseUrl(srv.url()), co);
  r = authed.Get("/healthz");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  srv.StopAccepting();
}

TEST_F(ServerStartTest, LoopbackNeedsNoToken) {
  for (const char* listen : {"127.0.0.1:0", "localhost:0", ":0"}) {
    auto s = Start(listen, "");
    ASSERT_TRUE(s.ok()) << listen << ": " << s.status().ToString();
    net::HttpClient c(*net::ParseUrl((*s)->url()));
    auto r = c.Get("/healthz");
    ASSERT_TRUE(r.ok()) << listen << ": " << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    (*s)->StopAccepting();
  }
}

TEST_F(ServerStartTest, PortInUseIsAClearError) {
  auto a = Start("127.0.0.1:0", "");
  ASSERT_TRUE(a.ok());
  auto b = Start(fmt::format("127.0.0.1:{}", (*a)->port()), "");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("cannot listen"), std::string::npos) << b.status().ToString();
  (*a)->StopAccepting();
}

TEST(ListenTest, ParseListenAndLoopback) {
  std::string host;
  uint16_t port = 1;
  ASSERT_TRUE(ParseListen("127.0.0.1:7420", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 7420);
  ASSERT_TRUE(ParseListen(":0", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(ParseListen("[::1]:80", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  for (const char* bad : {"nonsense", "1.2.3.4:99999", "::1:80", "host:", "host:12x", "host:-1"}) {
    EXPECT_EQ(ParseListen(bad, &host, &port).code(), StatusCode::kInvalidArgument) << bad;
  }
  for (const char* lo : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) EXPECT_TRUE(IsLoopbackHost(lo)) << lo;
  for (const char* not_lo : {"0.0.0.0", "::", "10.0.0.1", "1270.0.0.1", "127.example.com", "127.0.0.1.evil.org",
                             "localhost.evil.org", ""}) {
    EXPECT_FALSE(IsLoopbackHost(not_lo)) << not_lo;
  }
}

}  // namespace
}  // namespace agentperf::server
