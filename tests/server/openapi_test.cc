// docs/openapi.yaml as a contract: its paths and methods are exactly the
// server's routes (RestApi::Routes()), each of them is answered by a real
// server (not 404, not 405), and GET /v1/openapi.yaml serves the file itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/service/service.h"
#include "api/rest/rest_api.h"
#include "testing/server_fixture.h"

namespace agentperf {
namespace {

using Route = std::pair<std::string, std::string>;  // (method lowercase, OpenAPI path template)

// The file the build embeds: the one of the tree this build was configured
// from (not an AGENTPERF_SOURCE_DIR override), so (c) compares like with like.
std::filesystem::path OpenApiPath() { return std::filesystem::path(AGENTPERF_TEST_SOURCE_DIR) / "docs" / "openapi.yaml"; }

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

size_t Indent(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

// The (method, path) pairs of the top-level `paths:` section, by its layout:
// each path key at 2 spaces of indentation, each method key at 4.
std::set<Route> OpenApiRoutes(const std::string& yaml, std::vector<std::string>* problems) {
  static const std::set<std::string, std::less<>> kMethods = {"get", "put", "post", "delete", "options",
                                                               "head", "patch", "trace"};
  std::set<Route> routes;
  std::istringstream in(yaml);
  std::string raw;
  bool in_paths = false;
  std::string path;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view body = Trim(line);
    if (body.empty() || body.front() == '#') continue;
    const size_t indent = Indent(line);
    if (indent == 0) {
      in_paths = body == "paths:";
      path.clear();
      continue;
    }
    if (!in_paths) continue;
    if (indent == 2) {
      if (body.back() != ':') {
        problems->push_back("line " + std::to_string(line_no) + ": path key without ':': " + std::string(body));
        continue;
      }
      std::string_view key = body.substr(0, body.size() - 1);
      if (key.size() >= 2 && (key.front() == '\'' || key.front() == '"') && key.back() == key.front()) {
        key = key.substr(1, key.size() - 2);
      }
      path = std::string(key);
      if (path.empty() || path.front() != '/') {
        problems->push_back("line " + std::to_string(line_no) + ": path key not starting with '/': " + path);
      }
    } else if (indent == 4 && !path.empty()) {
      const size_t colon = body.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view key = body.substr(0, colon);
      if (kMethods.count(key) == 0) continue;  // parameters:, summary:, ... of the path item
      if (!routes.emplace(std::string(key), path).second) {
        problems->push_back("line " + std::to_string(line_no) + ": " + std::string(key) + " " + path + " twice");
      }
    }
  }
  return routes;
}

std::string Describe(const std::set<Route>& routes) {
  std::string out;
  for (const auto& [m, p] : routes) out += "  " + m + " " + p + "\n";
  return out.empty() ? "  (none)\n" : out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Substitute(std::string path) {
  for (size_t k; (k = path.find("{name}")) != std::string::npos;) path.replace(k, 6, "agent");
  return path;
}

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    yaml_ = ReadFile(OpenApiPath());
    ASSERT_FALSE(yaml_.empty()) << "cannot read " << OpenApiPath();
    std::vector<std::string> problems;
    routes_ = OpenApiRoutes(yaml_, &problems);
    for (const std::string& p : problems) ADD_FAILURE() << OpenApiPath() << ": " << p;
    // Guards against a layout the parser no longer understands (an empty set
    // would make the checks below vacuous).
    ASSERT_GE(routes_.size(), 10u) << "paths found in " << OpenApiPath() << ":\n" << Describe(routes_);
  }

  std::string yaml_;
  std::set<Route> routes_;
};

TEST_F(OpenApiTest, PathsAreExactlyTheServerRoutes) {
  std::set<Route> server;
  for (const auto& r : api::RestApi::Routes()) {  // api::RouteInfo
    EXPECT_TRUE(server.emplace(std::string(r.method), std::string(r.path)).second)
        << "RestApi::Routes() lists " << r.method << " " << r.path << " twice";
  }
  std::set<Route> only_file, only_server;
  std::set_difference(routes_.begin(), routes_.end(), server.begin(), server.end(),
                      std::inserter(only_file, only_file.end()));
  std::set_difference(server.begin(), server.end(), routes_.begin(), routes_.end(),
                      std::inserter(only_server, only_server.end()));
  EXPECT_TRUE(only_file.empty()) << "in docs/openapi.yaml but not in RestApi::Routes():\n" << Describe(only_file);
  EXPECT_TRUE(only_server.empty()) << "in RestApi::Routes() but not in docs/openapi.yaml:\n" << Describe(only_server);
}

TEST_F(OpenApiTest, EveryAnalysisEndpointIsDocumented) {
  for (std::string_view e : analysis::AnalysisService::Endpoints()) {
    const Route want{"get", "/v1/analysis/" + std::string(e)};
    EXPECT_EQ(routes_.count(want), 1u) << "GET " << want.second << " is missing from docs/openapi.yaml";
  }
}

TEST_F(OpenApiTest, EveryDocumentedRouteIsServed) {
  testing::TestServer server;
  net::HttpClient client = server.Client();
  for (const auto& [method, path] : routes_) {
    const std::string m = Upper(method);
    const std::string target = Substitute(path);
    SCOPED_TRACE(m + " " + target);
    auto r = m == "POST" ? client.Request(m, target, "{}", {{"Content-Type", "application/json"}})
                         : client.Request(m, target);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_NE(r->status, 404) << r->body;
    EXPECT_NE(r->status, 405) << r->body;
  }
}

TEST_F(OpenApiTest, ServesItself) {
  testing::TestServer server;
  net::HttpClient client = server.Client();
  auto r = client.Get("/v1/openapi.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string_view content_type = r->Header("content-type");
  EXPECT_EQ(Trim(content_type.substr(0, content_type.find(';'))), "application/yaml") << content_type;
  if (r->body != yaml_) {
    const size_t n = std::min(r->body.size(), yaml_.size());
    size_t at = 0;
    while (at < n && r->body[at] == yaml_[at]) ++at;
    ADD_FAILURE() << "GET /v1/openapi.yaml differs from " << OpenApiPath() << ": " << r->body.size() << " vs "
                  << yaml_.size() << " bytes, first difference at byte " << at
                  << " (rebuild after editing the file?)";
  }
}

TEST_F(OpenApiTest, UnknownPathIsNotFound) {
  testing::TestServer server;
  net::HttpClient client = server.Client();
  auto r = client.Get("/v1/nope");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 404) << r->body;
  EXPECT_EQ(routes_.count({"get", "/v1/nope"}), 0u);
}

}  // namespace
}  // namespace agentperf
