#include "net/url.h"

#include <gtest/gtest.h>

namespace agentperf::net {
namespace {

Url MustParse(std::string_view text) {
  Result<Url> url = ParseUrl(text);
  EXPECT_TRUE(url.ok()) << text << ": " << url.status().ToString();
  return url.ok() ? *url : Url{};
}

TEST(UrlTest, HttpWithPort) {
  Url url = MustParse("http://127.0.0.1:7420");
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 7420);
  EXPECT_EQ(url.base_path, "");
  EXPECT_EQ(url.HostPort(), "127.0.0.1:7420");
  EXPECT_EQ(url.HostHeader(), "127.0.0.1:7420");
  EXPECT_EQ(url.ToString(), "http://127.0.0.1:7420");
}

TEST(UrlTest, HttpWithBasePath) {
  Url url = MustParse("http://localhost:7420/agentperf/api/");
  EXPECT_EQ(url.host, "localhost");
  EXPECT_EQ(url.port, 7420);
  EXPECT_EQ(url.base_path, "/agentperf/api");
  EXPECT_EQ(MustParse("http://localhost:7420/").base_path, "");
  EXPECT_EQ(MustParse("http://localhost:7420/base").base_path, "/base");
}

TEST(UrlTest, DefaultPortIs80) {
  Url url = MustParse("http://example.com");
  EXPECT_EQ(url.host, "example.com");
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.HostHeader(), "example.com");
  EXPECT_EQ(url.HostPort(), "example.com:80");
  EXPECT_EQ(MustParse("http://example.com/x").port, 80);
}

TEST(UrlTest, SchemeLessAssumesHttp) {
  Url url = MustParse("127.0.0.1:7420");
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 7420);
  Url local = MustParse("localhost:9000/base");
  EXPECT_EQ(local.host, "localhost");
  EXPECT_EQ(local.port, 9000);
  EXPECT_EQ(local.base_path, "/base");
  EXPECT_EQ(MustParse("agentperf-server").port, 80);
}

TEST(UrlTest, BracketedIpv6) {
  Url url = MustParse("[::1]:7420");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 7420);
  EXPECT_EQ(url.HostPort(), "[::1]:7420");
  EXPECT_EQ(url.ToString(), "http://[::1]:7420");
  Url full = MustParse("http://[fe80::1:2]/base");
  EXPECT_EQ(full.host, "fe80::1:2");
  EXPECT_EQ(full.port, 80);
  EXPECT_EQ(full.HostHeader(), "[fe80::1:2]");
  EXPECT_EQ(full.base_path, "/base");
}

TEST(UrlTest, CaseAndWhitespaceNormalized) {
  Url url = MustParse("  HTTP://LocalHost:65535  ");
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "localhost");
  EXPECT_EQ(url.port, 65535);
  EXPECT_EQ(MustParse("http://host.example.:1").host, "host.example.");
  EXPECT_EQ(MustParse("http://my_host-1:1").host, "my_host-1");
}

TEST(UrlTest, RejectsHttpsWithClearMessage) {
  Result<Url> url = ParseUrl("https://127.0.0.1:7420");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(url.status().message().find("TLS"), std::string::npos) << url.status().message();
  EXPECT_NE(url.status().message().find("http://"), std::string::npos) << url.status().message();
  EXPECT_FALSE(ParseUrl("HTTPS://example.com").ok());
}

TEST(UrlTest, RejectsBadInput) {
  const char* kBad[] = {
      "",                        // empty
      "   ",                     // blank
      "http://",                 // no host
      "http://:7420",            // empty host
      "://host:1",               // empty scheme
      "ftp://host:21",           // other scheme
      "http://host:",            // empty port
      "http://host:0",           // port 0
      "http://host:65536",       // port out of range
      "http://host:99999999",    // port way out of range
      "http://host:-1",          // negative port
      "http://host:+80",         // signed port
      "http://host:80a",         // trailing garbage in port
      "http://host:abc",         // non-numeric port
      "::1:7420",                // unbracketed IPv6
      "http://::1",              // unbracketed IPv6
      "[::1",                    // unterminated bracket
      "[]:80",                   // empty IPv6
      "[zz::1]:80",              // invalid IPv6
      "[::1]x:80",               // junk after bracket
      "256.1.1.1:80",            // invalid IPv4
      "1.2.3:80",                // incomplete IPv4
      "http://a b:80",           // whitespace
      "http://user@host:80",     // user info
      "http://host:80/p?q=1",    // query
      "http://host:80/#frag",    // fragment
      "http://-host:80",         // label starts with '-'
      "http://ho$t:80",          // bad character
      "http://a..b:80",          // empty label
      "http://host:80//x",       // empty path segment
      "http://host\n:80",        // control character
  };
  for (const char* text : kBad) {
    Result<Url> url = ParseUrl(text);
    EXPECT_FALSE(url.ok()) << "accepted '" << text << "' as " << (url.ok() ? url->ToString() : "");
    if (!url.ok()) {
      EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(UrlTest, ErrorMessageNamesInputAndReason) {
  Result<Url> url = ParseUrl("http://host:70000");
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("http://host:70000"), std::string::npos);
  EXPECT_NE(url.status().message().find("out of range"), std::string::npos) << url.status().message();
  Result<Url> v6 = ParseUrl("::1:7420");
  ASSERT_FALSE(v6.ok());
  EXPECT_NE(v6.status().message().find("bracket"), std::string::npos) << v6.status().message();
}

}  // namespace
}  // namespace agentperf::net

namespace agentperf::net {
namespace {
TEST(PercentEncode, KeepsUnreservedAndSlash) {
  EXPECT_EQ(PercentEncode("a-b_c.d~e/f"), "a-b_c.d~e/f");
  EXPECT_EQ(PercentEncode("a b|c&d=e"), "a%20b%7Cc%26d%3De");
  EXPECT_EQ(PercentEncode("\xC3\xA9"), "%C3%A9");
}
}  // namespace
}  // namespace agentperf::net
