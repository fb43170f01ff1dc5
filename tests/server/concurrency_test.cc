// Many clients at once: every acknowledged event is counted exactly once
// (also when the same batch is in flight twice), and a graceful stop with
// requests in flight (StopAccepting, then closing the store) neither crashes
// nor loses an acknowledged event.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/server.h"
#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/server_fixture.h"
#include "testing/temp_dir.h"

namespace agentperf::server {
namespace {

using agentperf::testing::JsonNum;
using agentperf::testing::EventJson;
using agentperf::testing::TempDir;
using agentperf::testing::TestServer;

std::string Batch(const std::string& tag, int n) {
  std::string s = "[";
  for (int i = 0; i < n; ++i) {
    s += (i ? "," : "") + EventJson()
                              .Set("span_id", fmt::format("{}-{}", tag, i))
                              .Raw("tokens", fmt::format("{{\"input\":{}}}", i))
                              .Str();
  }
  return s + "]";
}

double QueryCount(net::HttpClient& c) {
  auto r = c.Post("/v1/query", R"j({"aggregates":["count","sum(tokens.input)"]})j");
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return -1;
  return JsonNum(r->body, "/series/0/points/0/count").value_or(0);
}

TEST(ConcurrencyTest, EightThreadsFiftyRequestsEveryEventCountedOnce) {
  TestServer ts;
  constexpr int kThreads = 8, kRequests = 50, kEvents = 100;
  std::atomic<uint64_t> accepted{0}, duplicates{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = ts.Client();
      for (int i = 0; i < kRequests; ++i) {
        // Every 10th request resends an earlier batch of this thread, and
        // threads 0 and 1 post the very same batches (racing duplicates).
        std::string tag = fmt::format("t{}-r{}", t <= 1 ? 0 : t, i % 10 == 9 ? i - 5 : i);
        auto r = c.Post("/v1/events", Batch(tag, kEvents));
        if (!r.ok() || r->status != 200) {
          ++failures;
          ADD_FAILURE() << tag << ": " << (r.ok() ? r->body : r.status().ToString());
          continue;
        }
        auto a = JsonNum(r->body, "/accepted"), d = JsonNum(r->body, "/duplicates");
        EXPECT_TRUE(a && d) << r->body;
        EXPECT_EQ(a.value_or(0) + d.value_or(0), kEvents) << r->body;
        accepted += static_cast<uint64_t>(a.value_or(0));
        duplicates += static_cast<uint64_t>(d.value_or(0));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0u);
  // Distinct batches: 6 threads x 45 + the shared one 45 (each 100 events).
  const uint64_t distinct = (6 + 1) * 45 * kEvents;
  EXPECT_EQ(accepted.load(), distinct);
  EXPECT_EQ(accepted.load() + duplicates.load(), uint64_t{kThreads} * kRequests * kEvents);
  auto c = ts.Client();
  EXPECT_EQ(QueryCount(c), distinct);
  auto st = c.Get("/v1/status");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(JsonNum(st->body, "/store/events"), distinct);
  EXPECT_EQ(JsonNum(st->body, "/server/inflight_bytes"), 0) << st->body;
  // The process's memory, as the server sees it: resident set, malloc, heads.
  EXPECT_GT(JsonNum(st->body, "/server/memory/rss_bytes").value_or(0), 0) << st->body;
  EXPECT_GE(JsonNum(st->body, "/server/memory/peak_rss_bytes").value_or(0),
            JsonNum(st->body, "/server/memory/rss_bytes").value_or(1));
  EXPECT_TRUE(JsonNum(st->body, "/server/memory/malloc_in_use_bytes").has_value());  // 0 under ASan
  EXPECT_GE(JsonNum(st->body, "/server/memory/heads/count").value_or(0), 1);
  EXPECT_GT(JsonNum(st->body, "/server/memory/heads/bytes").value_or(0), 0);
  EXPECT_TRUE(JsonNum(st->body, "/server/memory/segment_id_cache/bytes").has_value());
  // And the same after a restart (from the WAL).
  ts.Restart();
  c = ts.Client();
  EXPECT_EQ(QueryCount(c), distinct);
}

TEST(GracefulStopTest, StopAcceptingThenClosingTheStoreWithRequestsInFlight) {
  TempDir dir;
  store::EmbeddedStoreOptions so;
  so.data_dir = dir.path();
  auto opened = store::EmbeddedStore::Open(so);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<store::EmbeddedStore> store = std::move(opened).value();
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.threads = 2;
  auto started = Server::Start(o, store.get());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<Server> server = std::move(started).value();
  const std::string url = server->url();

  constexpr int kThreads = 6;
  std::atomic<bool> stop{false};
  // unknown: events of POSTs that got no answer (they may or may not be stored).
  std::atomic<uint64_t> acked_events{0}, unknown_events{0}, ok_requests{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      net::HttpClientOptions co;
      co.io_timeout_ms = 30000;
      co.connect_timeout_ms = 2000;
      net::HttpClient c(*net::ParseUrl(url), co);
      for (int i = 0; !stop.load(); ++i) {
        const std::string tag = fmt::format("g{}-{}", t, i);
        auto r = t % 3 == 2 ? c.Post("/v1/query", R"({"aggregates":["count"]})") : c.Post("/v1/events", Batch(tag, 50));
        if (!r.ok()) {
          ++refused;  // connection refused or closed once the server stops
          const bool not_sent = r.status().message().find("connection refused") != std::string::npos;
          if (t % 3 != 2 && !not_sent) unknown_events += 50;
          continue;
        }
        if (r->status == 200) {
          ++ok_requests;
          if (t % 3 != 2) acked_events += static_cast<uint64_t>(JsonNum(r->body, "/accepted").value_or(0));
        } else {
          EXPECT_EQ(r->status, 503) << r->body;
          ++refused;
        }
      }
    });
  }
  // Let requests flow, then stop in the middle of them.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ok_requests.load() < 40 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_GE(ok_requests.load(), 40u);
  server->StopAccepting();
  store.reset();  // answers still owed are given as the WAL drains
  const uint64_t refused_before = refused.load();
  // Requests on open connections now get 503 (or a closed connection), never a crash.
  while (refused.load() < refused_before + 10 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_GE(refused.load(), refused_before + 10);
  stop = true;
  server->Stop();
  for (auto& t : threads) t.join();
  server.reset();

  // Every acknowledged event is durable.
  auto reopened = store::EmbeddedStore::Open(so);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_GE((*reopened)->events(), acked_events.load());
  EXPECT_LE((*reopened)->events(), acked_events.load() + unknown_events.load());
}

TEST(GracefulStopTest, StopClosesIdleKeepAliveConnections) {
  TempDir dir;
  store::EmbeddedStoreOptions so;
  so.data_dir = dir.path();
  auto store = store::EmbeddedStore::Open(so);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.threads = 2;
  auto server = Server::Start(o, store->get());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  net::HttpClientOptions co;
  co.io_timeout_ms = 5000;
  std::vector<net::HttpClient> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(*net::ParseUrl((*server)->url()), co);
    auto r = clients.back().Post("/v1/events", Batch(fmt::format("idle{}", i), 5));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200);
    ASSERT_TRUE(clients.back().IsConnected());
  }
  (*server)->StopAccepting();
  (*server)->Stop();
  // The connections were closed by the server: a request fails at once
  // (reconnecting is refused) instead of waiting for an answer that never comes.
  for (auto& c : clients) {
    auto r = c.Get("/healthz");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message().find("timed out"), std::string::npos)
        << "a request on a connection of the stopped server waited for an answer: " << r.status().ToString();
  }
  server->reset();
}

}  // namespace
}  // namespace agentperf::server
