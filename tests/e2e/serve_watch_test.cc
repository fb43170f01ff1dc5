// `agentperf serve --watch-opencode URL`: the real binary follows a stand-in
// `opencode serve` (the recorded /global/event stream of
// ../shared/opencode/samples) and stores the spans the watcher derives, each
// once, through its own POST /v1/events; GET /v1/status shows the watcher.
// (The real opencode serve is followed in tests/e2e_opencode.)
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "bench/bench_util.h"
#include "ingest/opencode/sse_fixture.h"
#include "ingest/opencode/sse_test_server.h"
#include "net/http_client.h"
#include "testing/json_doc.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

namespace oct = ingest::opencode::testing;
using testing::JsonDoc;

oct::TestServer::Handler ReplayHandler(const std::vector<std::string>& datas) {
  return [&datas](const std::string& path, int, int fd, const std::atomic<bool>& stop) {
    if (path == "/global/event") {
      oct::TestServer::Write(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
      for (const auto& d : datas) oct::TestServer::Write(fd, "data: " + d + "\n\n");
      while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return;
    }
    if (path.rfind("/session/status", 0) == 0) return oct::TestServer::Respond(fd, 200, "{}");
    if (path.rfind("/experimental/session", 0) == 0) return oct::TestServer::Respond(fd, 200, "[]");
    if (path.rfind("/global/health", 0) == 0) return oct::TestServer::Respond(fd, 200, "{\"healthy\":true}");
    oct::TestServer::Respond(fd, 404, "{}");
  };
}

double CountSpans(net::HttpClient& c) {
  auto r = c.Post("/v1/query", R"({"aggregates":["count"]})");
  if (!r.ok() || r->status != 200) return -1;
  return JsonDoc(r->body).Num("/series/0/points/0/count").value_or(0);
}

TEST(ServeWatchOpencode, StoresTheStreamsSpansOnceAndReportsTheWatcher) {
  const auto datas = oct::SseDatas(oct::ReadSseFixture("sse-global.txt"));
  ASSERT_FALSE(datas.empty());
  oct::TestServer opencode(ReplayHandler(datas));
  testing::TempDir dir;
  bench::ChildServer server(testing::AgentperfBin());
  const std::string oc_url = fmt::format("http://127.0.0.1:{}", opencode.port());
  ASSERT_TRUE(server.Start(dir.Sub("data"), {"--watch-opencode", oc_url, "--no-opencode-spool"}).ok());
  net::HttpClient c(*net::ParseUrl(server.url()));

  // The recorded session: session, turn, 2 llm_calls, 1 tool_call.
  double n = 0;
  for (int i = 0; i < 400 && n < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    n = CountSpans(c);
  }
  EXPECT_EQ(n, 5);
  auto st = c.Get("/v1/status");
  ASSERT_TRUE(st.ok());
  JsonDoc doc(st->body);
  ASSERT_EQ(doc.Len("/server/opencode_watch"), 1u) << st->body;
  EXPECT_EQ(doc.Str("/server/opencode_watch/0/url"), oc_url);
  EXPECT_EQ(doc.Bool("/server/opencode_watch/0/connected"), true);
  EXPECT_EQ(doc.Num("/server/opencode_watch/0/stored"), 5);
  EXPECT_EQ(doc.Num("/server/opencode_watch/0/duplicates"), 0);
  EXPECT_EQ(opencode.Count("/global/event"), 1);
  EXPECT_EQ(server.Stop(), 0);

  // A restart follows the stream again: the same spans come back, all duplicates.
  ASSERT_TRUE(server.Start(dir.Sub("data"), {"--watch-opencode", oc_url, "--no-opencode-spool"}).ok());
  net::HttpClient c2(*net::ParseUrl(server.url()));
  double dups = 0;
  for (int i = 0; i < 400 && dups < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto s2 = c2.Get("/v1/status");
    if (s2.ok()) dups = JsonDoc(s2->body).Num("/server/opencode_watch/0/duplicates").value_or(0);
  }
  EXPECT_EQ(dups, 5);
  EXPECT_EQ(CountSpans(c2), 5);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServeWatchOpencode, ABadUrlFailsAtStart) {
  testing::TempDir dir;
  auto r = testing::RunProcess({testing::AgentperfBin(), "serve", "--data", dir.Sub("data"), "--listen",
                                "127.0.0.1:0", "--no-opencode-spool", "--watch-opencode", "ftp://nowhere"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("ftp://nowhere"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace agentperf::e2e
