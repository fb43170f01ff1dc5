// Crash test: a child `agentperf serve` ingesting from concurrent HTTP clients
// is SIGKILLed at random moments, many times. After every kill, `agentperf
// verify` must pass, and after every restart each acknowledged event must be
// present exactly once (and nothing at all may be present twice).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "bench/bench_util.h"
#include "net/http_client.h"
#include "testing/events.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using testing::AgentperfBin;
using testing::RunProcess;

int Cycles() {
  const char* c = std::getenv("AGENTPERF_CRASH_CYCLES");
  return c ? std::atoi(c) : 50;
}

// Span id -> how many times the server stores it, for events of one source.
std::map<std::string, int> StoredCounts(net::HttpClient& client, const std::string& source) {
  std::string spec = fmt::format(
      R"({{"filters":[{{"label":"source","op":"=","value":"{}"}}],"group_by":["span_id"],"aggregates":["count"],"limit":1000000}})",
      source);
  auto r = client.Post("/v1/query", spec);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::map<std::string, int> counts;
  if (!r.ok()) return counts;
  EXPECT_EQ(r->status, 200) << r->body;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(r->body).get(root)) {
    ADD_FAILURE() << "bad query result";
    return counts;
  }
  for (auto s : root["series"].get_array()) {
    std::string span(std::string_view(s["labels"]["span_id"].get_string()));
    for (auto p : s["points"].get_array()) counts[span] += static_cast<int>(p["count"].get_double().value());
  }
  return counts;
}

TEST(CrashTest, KillDuringConcurrentIngestLosesAndDuplicatesNothing) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  const int cycles = Cycles();
  std::mt19937_64 rng(20261124);
  std::map<int, std::set<std::string>> acked_by_cycle;  // cycle -> acknowledged span ids
  uint64_t total_acked = 0, total_attempted = 0;

  bench::ChildServer server(AgentperfBin());
  ASSERT_TRUE(server.Start(data).ok());
  for (int cycle = 0; cycle <= cycles; ++cycle) {
    // Check what the previous cycle acknowledged, on the restarted server.
    if (cycle > 0) {
      net::HttpClient checker(*net::ParseUrl(server.url()));
      auto counts = StoredCounts(checker, fmt::format("crash-{}", cycle - 1));
      for (const auto& id : acked_by_cycle[cycle - 1]) {
        auto it = counts.find(id);
        ASSERT_TRUE(it != counts.end()) << "cycle " << cycle - 1 << ": acknowledged event " << id << " lost";
      }
      for (const auto& [id, n] : counts) {
        ASSERT_EQ(n, 1) << "cycle " << cycle - 1 << ": event " << id << " stored " << n << " times";
      }
    }
    if (cycle == cycles) break;

    // Concurrent clients post batches until the server dies.
    std::atomic<bool> dead{false};
    std::mutex mu;
    std::vector<std::thread> clients;
    const int batch_max = 20 + static_cast<int>(rng() % 300);
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back([&, t, seed = rng()] {
        std::mt19937_64 r(seed);
        net::HttpClientOptions o;
        o.io_timeout_ms = 10000;
        net::HttpClient client(*net::ParseUrl(server.url()), o);
        for (int b = 0; !dead.load(); ++b) {
          int n = 1 + static_cast<int>(r() % batch_max);
          std::string body;
          std::vector<std::string> ids;
          for (int i = 0; i < n; ++i) {
            std::string id = fmt::format("c{}-t{}-b{}-e{}", cycle, t, b, i);
            ids.push_back(id);
            body += testing::EventJson()
                        .Set("span_id", id)
                        .Set("source", fmt::format("crash-{}", cycle))
                        .Set("agent", fmt::format("agent{}", r() % 5))
                        .Set("duration_ms", static_cast<int64_t>(r() % 100000))
                        .Str();
            body += "\n";
          }
          auto resp = client.Post("/v1/events", body, "application/x-ndjson");
          {
            std::lock_guard<std::mutex> l(mu);
            total_attempted += static_cast<uint64_t>(n);
            if (resp.ok() && resp->status == 200) {
              acked_by_cycle[cycle].insert(ids.begin(), ids.end());
              total_acked += static_cast<uint64_t>(n);
            }
          }
          if (!resp.ok()) break;  // the server is gone
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 400));
    server.Kill();
    dead.store(true);
    for (auto& c : clients) c.join();

    auto verify = RunProcess({AgentperfBin(), "verify", data});
    ASSERT_EQ(verify.exit_code, 0) << "cycle " << cycle << ": verify failed after SIGKILL\n" << verify.out << verify.err;
    ASSERT_TRUE(server.Start(data).ok()) << "cycle " << cycle << ": restart failed";
  }
  // Across all cycles, nothing stored twice: total rows == distinct span ids.
  net::HttpClient client(*net::ParseUrl(server.url()));
  auto r = client.Post("/v1/query", R"({"aggregates":["count"]})");
  ASSERT_TRUE(r.ok());
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(r->body).get(root));
  auto rows = static_cast<uint64_t>(root["series"].at(0)["points"].at(0)["count"].get_double().value());
  uint64_t distinct = 0;
  for (int c = 0; c < cycles; ++c) distinct += StoredCounts(client, fmt::format("crash-{}", c)).size();
  EXPECT_EQ(rows, distinct);
  EXPECT_GE(rows, total_acked);
  EXPECT_GT(total_acked, 0u);
  server.Stop();
  fmt::print("crash test: {} SIGKILLs, {} events attempted, {} acknowledged, {} stored, all acknowledged present once\n",
             cycles, total_attempted, total_acked, rows);
}

}  // namespace
}  // namespace agentperf::e2e
