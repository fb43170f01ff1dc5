// The simulated model over HTTP, in process: SSE and JSON answers, scripted
// 429s with Retry-After, the request log, the side endpoints, timers that do
// not block the I/O thread, and clients that go away.
#include "sim/simulator.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "net/http_client.h"
#include "sim/sim_server.h"
#include "sim_testing.h"
#include "testing/json_doc.h"
#include "testing/temp_dir.h"

namespace agentperf::sim {
namespace {

using agentperf::testing::JsonDoc;
using testing::ChatBody;
using testing::Msg;
using Clock = std::chrono::steady_clock;

constexpr const char* kConfig = R"json({
  "seed": 7,
  "models": {
    "sim-fast": {"ttfc_ms": {"dist": "uniform", "min": 20, "max": 40}, "tokens_per_s": 400},
    "sim-slow": {"ttfc_ms": 2000, "tokens_per_s": 100},
    "sim-drip": {"ttfc_ms": 10, "tokens_per_s": 10}
  },
  "title": {"text": "A title"},
  "agents": {
    "planner": {"match": "You are the PLANNER", "steps": [
      {"tools": [{"name": "task", "args": {"subagent_type": "tester", "description": "Run the tests", "prompt": "Run"}},
                 {"name": "task", "args": {"subagent_type": "coder", "description": "Fix", "prompt": "Fix it"}}]},
      {"text": "Plan complete.", "output_tokens": 12}]},
    "coder": {"match": "You are the CODER", "steps": [
      {"fail": [{"status": 429, "attempts": 1}], "tools": [{"name": "bash", "args": {"command": "echo patched"}}]},
      {"text": "Patched."}]},
    "talker": {"match": "You are the TALKER", "steps": [{"text": "one two three four five six seven eight nine ten", "output_tokens": 40}]}
  }
})json";

class SimulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = ParseConfig(kConfig);
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    SimServerOptions o;
    o.log_path = dir_.Sub("sim.ndjson");
    o.threads = threads_;
    auto s = SimServer::Start(std::move(cfg).value(), o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  net::HttpClient Client() { return net::HttpClient(*net::ParseUrl(server_->url())); }
  Result<net::HttpResponse> Chat(const std::string& session, const std::string& body, const std::string& parent = "") {
    auto c = Client();
    net::HttpHeaders h = {{"x-session-affinity", session}};
    if (!parent.empty()) h.emplace_back("x-parent-session-id", parent);
    return c.Post("/v1/chat/completions", body, "application/json", h);
  }
  std::vector<std::string> LogLines() {
    std::ifstream in(dir_.Sub("sim.ndjson"));
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  // Waits until the log has at least n lines.
  std::vector<std::string> WaitLog(size_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    std::vector<std::string> l;
    while ((l = LogLines()).size() < n && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return l;
  }

  int threads_ = 2;
  agentperf::testing::TempDir dir_;
  std::unique_ptr<SimServer> server_;
};

TEST_F(SimulatorTest, StreamsTheScriptedToolCallsWithUsageAndLogsThem) {
  auto r = Chat("ses_plan", ChatBody({{"system", "You are the PLANNER agent."}, {"user", "E2E plan"}},
                                     testing::OpencodeTools(), true, "sim-fast"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "text/event-stream");
  testing::Answer a = testing::Reassemble(r->body);
  EXPECT_TRUE(a.well_formed);
  EXPECT_TRUE(a.done);
  ASSERT_EQ(a.tools.size(), 2u);
  EXPECT_EQ(a.tools[0].name, "task");
  EXPECT_EQ(JsonDoc(a.tools[1].args).Str("/subagent_type"), "coder");
  EXPECT_EQ(a.finish_reason, "tool_calls");
  ASSERT_TRUE(a.prompt_tokens && a.completion_tokens && a.cached_tokens);
  EXPECT_EQ(*a.cached_tokens, 0);

  auto lines = WaitLog(1);
  ASSERT_EQ(lines.size(), 1u);
  JsonDoc log(lines[0]);
  EXPECT_EQ(log.Str("/response_id"), a.id);
  EXPECT_EQ(log.Str("/session"), "ses_plan");
  EXPECT_EQ(log.Str("/agent"), "planner");
  EXPECT_EQ(log.Num("/step"), 0);
  EXPECT_EQ(log.Num("/status"), 200);
  EXPECT_EQ(log.Num("/usage/prompt_tokens"), *a.prompt_tokens);
  EXPECT_EQ(log.Num("/usage/completion_tokens"), *a.completion_tokens);
  EXPECT_EQ(log.Str("/tool_calls/1"), "task");
  const double planned = *log.Num("/ttfc_planned_ms");
  EXPECT_GE(planned, 20);
  EXPECT_LE(planned, 40);
  // Never early: the first chunk leaves no sooner than planned, the end no
  // sooner than the generation time after it.
  EXPECT_GE(*log.Num("/first_chunk_sent_ms"), planned - 0.5);
  EXPECT_GE(*log.Num("/end_ms"), planned + *a.completion_tokens * 1000.0 / 400 - 0.5);
  EXPECT_EQ(log.Bool("/client_gone"), false);

  // Step 1 of the same session: the previous prompt is now cached.
  auto r2 = Chat("ses_plan", ChatBody({{"system", "You are the PLANNER agent."},
                                       {"user", "E2E plan"},
                                       {"assistant", "", 2},
                                       {"tool", "tested"},
                                       {"tool", "fixed"}},
                                      testing::OpencodeTools(), true, "sim-fast"));
  ASSERT_TRUE(r2.ok());
  testing::Answer b = testing::Reassemble(r2->body);
  EXPECT_EQ(b.text, "Plan complete.");
  EXPECT_EQ(b.finish_reason, "stop");
  EXPECT_EQ(b.completion_tokens, 12);
  EXPECT_EQ(b.cached_tokens, *a.prompt_tokens);
  EXPECT_GT(*b.prompt_tokens, *a.prompt_tokens);
}

TEST_F(SimulatorTest, AScripted429CarriesRetryAfterAndTheRetrySucceeds) {
  const std::string body =
      ChatBody({{"system", "You are the CODER agent."}, {"user", "fix"}}, testing::OpencodeTools(), true, "sim-fast");
  auto r = Chat("ses_coder", body, "ses_parent");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->Header("retry-after"), "1");
  EXPECT_EQ(r->Header("retry-after-ms"), "1000");
  EXPECT_EQ(JsonDoc(r->body).Str("/error/type"), "rate_limit_error");
  auto again = Chat("ses_coder", body, "ses_parent");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
  testing::Answer a = testing::Reassemble(again->body);
  ASSERT_EQ(a.tools.size(), 1u);
  EXPECT_EQ(a.tools[0].name, "bash");
  auto lines = WaitLog(2);
  ASSERT_EQ(lines.size(), 2u);
  JsonDoc l0(lines[0]), l1(lines[1]);
  EXPECT_EQ(l0.Num("/status"), 429);
  EXPECT_EQ(l0.Num("/attempt"), 0);
  EXPECT_EQ(l0.Str("/error"), "scripted");
  EXPECT_EQ(l0.Str("/parent"), "ses_parent");
  EXPECT_EQ(l1.Num("/status"), 200);
  EXPECT_EQ(l1.Num("/attempt"), 1);
}

TEST_F(SimulatorTest, NonStreamingRequestsGetOneJsonAnswer) {
  auto r = Chat("ses_j", ChatBody({{"system", "You are the TALKER"}, {"user", "talk"}}, {"bash"}, false, "sim-fast"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  JsonDoc d(r->body);
  EXPECT_EQ(d.Str("/object"), "chat.completion");
  EXPECT_EQ(d.Str("/choices/0/message/content"), "one two three four five six seven eight nine ten");
  EXPECT_EQ(d.Str("/choices/0/finish_reason"), "stop");
  EXPECT_EQ(d.Num("/usage/completion_tokens"), 40);
  // A title call (no tools).
  auto t = Chat("ses_j", ChatBody({{"system", "Generate a title"}, {"user", "a"}, {"user", "b"}}, {}, false));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(JsonDoc(t->body).Str("/choices/0/message/content"), "A title");
}

TEST_F(SimulatorTest, SideEndpointsAndBadRequests) {
  auto c = Client();
  auto models = c.Get("/v1/models");
  ASSERT_TRUE(models.ok());
  JsonDoc m(models->body);
  EXPECT_EQ(m.Len("/data"), 3u);
  EXPECT_EQ(m.Str("/data/0/id"), "sim-fast");
  auto h = c.Get("/healthz");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(c.Get("/nope")->status, 404);
  EXPECT_EQ(c.Get("/v1/chat/completions")->status, 405);
  auto bad = c.Post("/v1/chat/completions", "{\"model\":\"x\"}");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(JsonDoc(bad->body).Str("/error/message")->find("messages"), std::string::npos);
  auto ok = Chat("ses_s", ChatBody({{"system", "s"}, {"user", "u"}}, {"bash"}, true, "sim-fast"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(testing::Reassemble(ok->body).text, "OK");  // the default script
  auto stats = c.Get("/sim/stats");
  ASSERT_TRUE(stats.ok());
  JsonDoc s(stats->body);
  EXPECT_EQ(s.Num("/requests"), 1);
  EXPECT_EQ(s.Num("/bad_requests"), 1);
  EXPECT_EQ(s.Num("/by_agent/default"), 1);
  EXPECT_EQ(s.Num("/by_status/200"), 1);
  auto lines = WaitLog(2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(JsonDoc(lines[0]).Num("/status"), 400);
}

class OneThreadSimulatorTest : public SimulatorTest {
 protected:
  OneThreadSimulatorTest() { threads_ = 1; }
};

TEST_F(OneThreadSimulatorTest, AWaitingAnswerDoesNotHoldTheIoThread) {
  // sim-slow waits 2 s before its first chunk; meanwhile the only I/O thread
  // answers other requests.
  std::thread slow([&] {
    auto r = Chat("ses_slow", ChatBody({{"system", "s"}, {"user", "u"}}, {"bash"}, true, "sim-slow"));
    EXPECT_TRUE(r.ok());
    if (r.ok()) {
      EXPECT_EQ(testing::Reassemble(r->body).text, "OK");
    }
  });
  auto c = Client();
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    auto s = c.Get("/sim/stats");
    ASSERT_TRUE(s.ok());
    if (JsonDoc(s->body).Num("/active") == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // The slow answer is still in progress while these are answered.
  for (int i = 0; i < 5; ++i) {
    auto fast =
        Chat("ses_f" + std::to_string(i), ChatBody({{"system", "s"}, {"user", "u"}}, {"bash"}, true, "sim-fast"));
    ASSERT_TRUE(fast.ok());
    EXPECT_EQ(fast->status, 200);
  }
  EXPECT_TRUE(LogLines().size() == 5u);  // only the fast ones have ended
  slow.join();
  auto lines = WaitLog(6);
  ASSERT_EQ(lines.size(), 6u);
  JsonDoc last(lines[5]);
  EXPECT_EQ(last.Str("/session"), "ses_slow");
  EXPECT_GE(*last.Num("/first_chunk_sent_ms"), 2000 - 0.5);
}

TEST_F(SimulatorTest, AClientThatGoesAwayIsLogged) {
  // sim-drip streams 40 tokens at 10/s: 4 s. Disconnect after the first chunk.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(server_->port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string body = ChatBody({{"system", "You are the TALKER"}, {"user", "talk"}}, {"bash"}, true, "sim-drip");
  const std::string req = fmt::format(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nx-session-affinity: ses_gone\r\nContent-Type: "
      "application/json\r\nContent-Length: {}\r\n\r\n{}",
      body.size(), body);
  ASSERT_EQ(send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  char buf[4096];
  std::string got;
  while (got.find("data: ") == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  auto lines = WaitLog(1);
  ASSERT_EQ(lines.size(), 1u);
  JsonDoc d(lines[0]);
  EXPECT_EQ(d.Bool("/client_gone"), true);
  EXPECT_LT(*d.Num("/end_ms"), 4000);
}

}  // namespace
}  // namespace agentperf::sim
