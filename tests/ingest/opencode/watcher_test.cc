#include "ingest/opencode/watcher.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "event/event_id.h"
#include "ingest/opencode/live_spans.h"
#include "ingest/opencode/sse_fixture.h"
#include "ingest/opencode/sse_test_server.h"
#include "net/sse_stream.h"

namespace agentperf::ingest::opencode {
namespace {

using testing::TestServer;

using event::StrField;

constexpr int64_t kNow = 1795487410000;
constexpr std::string_view kSes = "ses_df49d0f47ffevaa69B0RPJ64eR";

class CollectSink final : public EventSink {
 public:
  Result<store::AppendResult> Send(event::EventBatch batch) override {
    std::lock_guard<std::mutex> l(mu);
    for (const auto& e : batch.events) {
      ids[e.id]++;
      CopyEvent(batch, e, &all);
    }
    return store::AppendResult{batch.size(), 0};
  }
  Status Finish() override {
    finished = true;
    return Status::OK();
  }
  size_t size() {
    std::lock_guard<std::mutex> l(mu);
    return all.size();
  }
  std::mutex mu;
  std::map<Hash128, int> ids;
  event::EventBatch all;
  std::atomic<bool> finished{false};
};

WatchOptions TestOptions(int port) {
  WatchOptions o;
  o.url.host = "127.0.0.1";
  o.url.port = static_cast<uint16_t>(port);
  o.clock = [] { return kNow; };
  o.live.clock_skew_ms = 0;
  o.backoff_initial_ms = 20;
  o.backoff_max_ms = 200;
  o.flush_interval_ms = 10;
  o.health_interval_ms = 0;
  o.seed = 7;
  return o;
}

bool WaitFor(const std::function<bool()>& cond, int seconds = 20) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

std::string Frame(const std::vector<std::string>& datas, size_t begin, size_t end) {
  std::string s;
  for (size_t i = begin; i < end; ++i) s += "data: " + datas[i] + "\n\n";
  return s;
}

// The stream drops in the middle of the session; events in the gap are lost
// and come back through GET /session/{id}/message; every span is stored once.
TEST(Watcher, ReconnectsRepairsTheGapAndStoresEachSpanOnce) {
  const auto datas = testing::SseDatas(testing::ReadSseFixture("sse-global.txt"));
  const std::string messages = testing::ReadSseFixture("session-messages.json");
  // Cut after the read tool completes; the next two payloads (step-finish part,
  // first message.updated of step 1...) up to step 1's completion are lost.
  size_t cut = 0, resume = 0;
  for (size_t i = 0; i < datas.size(); ++i) {
    if (!cut && datas[i].find("\"status\":\"completed\"") != std::string::npos) cut = i + 1;
    if (!resume && datas[i].find("evt_20b6301bc001nputosScGfeHsQ") != std::string::npos) resume = i + 2;  // + its sync
  }
  ASSERT_GT(cut, 0u);
  ASSERT_GT(resume, cut);
  std::string last_info;
  for (const std::string& d : datas) {
    if (d.find("\"type\":\"session.updated\"") == std::string::npos) continue;
    size_t a = d.find("\"info\":") + 7;
    last_info = d.substr(a, d.size() - a - 3);
  }

  TestServer server([&](const std::string& path, int nth, int fd, const std::atomic<bool>& stop) {
    if (path == "/global/event") {
      if (nth == 1) {  // chunked, then dropped in the middle of an event
        TestServer::Write(fd,
                          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        std::string body = Frame(datas, 0, cut) + "data: {\"payload\":{\"id\":\"evt_";
        for (size_t i = 0; i < body.size(); i += 1000) {
          std::string piece = body.substr(i, 1000);
          char size[32];
          snprintf(size, sizeof(size), "%zx\r\n", piece.size());
          TestServer::Write(fd, std::string(size) + piece + "\r\n");
        }
        return;  // close without the last chunk
      }
      // Until close, no length; stays open until the test ends.
      TestServer::Write(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
      TestServer::Write(fd, Frame(datas, resume, datas.size()));
      while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return;
    }
    if (path.rfind("/session/status", 0) == 0) {
      // Before the first stream nothing runs yet; at the reconnect the session is busy.
      if (nth == 1) return TestServer::Respond(fd, 200, "{}");
      return TestServer::Respond(fd, 200, std::string("{\"") + std::string(kSes) + "\":{\"type\":\"busy\"}}");
    }
    if (path.rfind("/experimental/session", 0) == 0) {
      return TestServer::Respond(fd, 200, nth == 1 ? "[]" : "[" + last_info + "]");
    }
    if (path.rfind("/session/" + std::string(kSes) + "/message", 0) == 0) return TestServer::Respond(fd, 200, messages);
    TestServer::Respond(fd, 404, "{}");
  });

  CollectSink sink;
  Watcher w(TestOptions(server.port()), &sink);
  Status result;
  std::thread run([&] { result = w.Run(); });
  EXPECT_TRUE(WaitFor([&] { return sink.size() >= 5; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // anything more would arrive now
  w.Stop();
  run.join();
  EXPECT_TRUE(result.ok()) << result.ToString();
  EXPECT_TRUE(sink.finished);

  // The same spans as an uninterrupted replay, field for field, each once.
  LiveOptions ref_opts;
  ref_opts.clock_skew_ms = 0;
  LiveState ref(ref_opts);
  event::EventBatch expected;
  testing::Replay(&ref, datas, kNow, &expected);
  ASSERT_EQ(expected.size(), 5u);
  ASSERT_EQ(sink.all.size(), expected.size());
  for (const auto& [id, n] : sink.ids) EXPECT_EQ(n, 1);
  for (const auto& e : expected.events) {
    const event::Event* got = testing::FindSpan(sink.all, e.kind, e.Str(StrField::kSpanId));
    ASSERT_NE(got, nullptr) << testing::EventJson(expected, e);
    EXPECT_EQ(testing::EventJson(sink.all, *got), testing::EventJson(expected, e));
  }
  const WatchStatus st = w.status();
  EXPECT_EQ(st.connects, 2u);
  EXPECT_EQ(st.reconnects, 1u);
  EXPECT_EQ(st.repaired_sessions, 1u);  // the first connect had nothing to repair
  EXPECT_EQ(st.stored, 5u);
  EXPECT_FALSE(st.connected);
  EXPECT_EQ(server.Count("/global/event"), 2);
  EXPECT_EQ(server.Count("/session/" + std::string(kSes) + "/message"), 1);
}

TEST(Watcher, UnauthorizedEndsRunAndSendsBasicAuth) {
  std::string auth;
  std::mutex mu;
  TestServer server(
      [&](const std::string&, int, int fd, const std::atomic<bool>&) { TestServer::Respond(fd, 401, "{}"); });
  CollectSink sink;
  WatchOptions o = TestOptions(server.port());
  o.authorization = net::BasicAuthorization("opencode", "secret");
  EXPECT_EQ(o.authorization, "Basic b3BlbmNvZGU6c2VjcmV0");
  o.gap_repair = false;
  Watcher w(o, &sink);
  Status s = w.Run();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_TRUE(sink.finished);
}

TEST(Watcher, RetriesWithBackoffAndStopsCleanlyWhileDisconnected) {
  // A port with nothing listening: bind, read the port, close.
  int port = 0;
  {
    TestServer gone([](const std::string&, int, int, const std::atomic<bool>&) {});
    port = gone.port();
  }
  CollectSink sink;
  WatchOptions o = TestOptions(port);
  o.backoff_initial_ms = 10;
  o.backoff_max_ms = 40;
  Watcher w(o, &sink);
  std::vector<int64_t> waits;
  std::mutex mu;
  w.set_on_status([&](const WatchStatus& s) {
    std::lock_guard<std::mutex> l(mu);
    if (s.backoff_ms > 0) waits.push_back(s.backoff_ms);
  });
  Status result;
  std::thread run([&] { result = w.Run(); });
  EXPECT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> l(mu);
    return waits.size() >= 5;
  }));
  w.Stop();
  run.join();
  EXPECT_TRUE(result.ok()) << result.ToString();
  std::lock_guard<std::mutex> l(mu);
  // 10, 20, 40, 40, ... each within ±20 %.
  const int64_t base[] = {10, 20, 40, 40, 40};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_GE(waits[i], base[i] * 8 / 10) << i;
    EXPECT_LE(waits[i], base[i] * 12 / 10 + 1) << i;
  }
  EXPECT_EQ(w.status().connects, 0u);
  EXPECT_FALSE(w.status().last_error.empty());
}

// A silent stream whose server fails GET /global/health is dropped and reconnected.
TEST(Watcher, FailedHealthCheckForcesAReconnect) {
  TestServer server([](const std::string& path, int, int fd, const std::atomic<bool>& stop) {
    if (path == "/global/event") {
      TestServer::Write(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
      while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return;
    }
    TestServer::Respond(fd, path == "/global/health" ? 503 : 404, "{}");
  });
  CollectSink sink;
  WatchOptions o = TestOptions(server.port());
  o.gap_repair = false;
  o.health_interval_ms = 50;
  Watcher w(o, &sink);
  Status result;
  std::thread run([&] { result = w.Run(); });
  EXPECT_TRUE(WaitFor([&] { return w.status().reconnects >= 2; }));
  w.Stop();
  run.join();
  EXPECT_TRUE(result.ok()) << result.ToString();
  EXPECT_NE(w.status().last_error.find("health"), std::string::npos) << w.status().last_error;
  EXPECT_GE(server.Count("/global/health"), 2);
}

// The transport alone: Content-Length framing, the end of a stream, errors.
TEST(WatcherStream, ContentLengthBodyThenEndAndHttpErrors) {
  TestServer server([](const std::string& path, int, int fd, const std::atomic<bool>&) {
    if (path == "/ok") {
      const std::string body = "data: {\"a\":1}\n\ndata: {\"b\":2}\n\n";
      TestServer::Write(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
      TestServer::Write(fd, body.substr(0, 7));
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      TestServer::Write(fd, body.substr(7));
      return;
    }
    TestServer::Respond(fd, 500, "{}");
  });
  net::Url url;
  url.host = "127.0.0.1";
  url.port = static_cast<uint16_t>(server.port());
  int opens = 0;
  std::string body;
  net::StreamCallbacks cb;
  cb.on_open = [&] { return ++opens > 0; };
  cb.on_body = [&](std::string_view b) {
    body.append(b);
    return true;
  };
  Status s = net::StreamGet(url, "/ok", net::StreamOptions{}, cb);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.ToString().find("ended"), std::string::npos) << s.ToString();
  EXPECT_EQ(opens, 1);
  EXPECT_EQ(testing::SseDatas(body), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  s = net::StreamGet(url, "/broken", net::StreamOptions{}, cb);
  EXPECT_EQ(s.code(), StatusCode::kIOError) << s.ToString();
  EXPECT_NE(s.ToString().find("HTTP 500"), std::string::npos);
  EXPECT_EQ(opens, 1);
  // A callback returning false stops the stream: OK.
  cb.on_open = [] { return false; };
  EXPECT_TRUE(net::StreamGet(url, "/ok", net::StreamOptions{}, cb).ok());
}

}  // namespace
}  // namespace agentperf::ingest::opencode
