#include "bench/ingest_bench.h"

#include "bench/sqlite_bind.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/workload.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "event/fields.h"
#include "event/json_decoder.h"
#include "net/http_client.h"
#include "store/embedded_store.h"

namespace agentperf::bench {
namespace {

struct RunResult {
  double seconds = 0;
  uint64_t events = 0;
  std::vector<double> latencies_ms;
  uint64_t errors = 0;
  uint64_t retries = 0;
  std::string store_stats;
};

std::vector<std::string> MakeBodies(const IngestBenchOptions& o) {
  // Timestamps spread over the 30 days before now, as a real history would be.
  int64_t now = WallMicros();
  double span_us = 30.0 * 86400 * 1e6;
  Workload w(42, now - static_cast<int64_t>(span_us) - kMicrosPerHour, span_us / static_cast<double>(o.events));
  std::vector<std::string> bodies;
  for (uint64_t done = 0; done < o.events; done += o.batch) {
    std::string b;
    size_t n = static_cast<size_t>(std::min<uint64_t>(o.batch, o.events - done));
    b.reserve(n * 420 + event::JsonPadding());
    w.AppendNdjson(n, &b);
    bodies.push_back(std::move(b));
  }
  return bodies;
}

// Appends the bodies to an embedded store from `threads` submitters, each
// keeping a few batches in flight. With `decoded` set, the batches are already
// decoded (the store's own ingest cost); otherwise each submitter decodes the
// JSON first (what an in-process collector pays).
RunResult RunInProcess(const IngestBenchOptions& o, const std::vector<std::string>& bodies,
                       std::vector<event::EventBatch>* decoded, const std::string& dir, uint64_t* rss, double* cpu) {
  RunResult res;
  store::EmbeddedStoreOptions so;
  so.data_dir = dir;
  auto store = store::EmbeddedStore::Open(so);
  if (!store.ok()) {
    fmt::print(stderr, "bench: {}\n", store.status().ToString());
    res.errors = 1;
    return res;
  }
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> errors{0};
  std::vector<double> lat(bodies.size(), 0);
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  constexpr int kWindowPerThread = 4;
  double cpu0 = CpuSeconds(0);
  int64_t t0 = MonotonicNanos();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&] {
      event::JsonBatchDecoder decoder;
      for (;;) {
        size_t i = next.fetch_add(1);
        if (i >= bodies.size()) break;
        {
          std::unique_lock<std::mutex> l(mu);
          cv.wait(l, [&] { return in_flight < kWindowPerThread * o.threads; });
          ++in_flight;
        }
        int64_t start = MonotonicNanos();
        event::EventBatch batch;
        event::DecodeError err;
        Status st;
        if (decoded != nullptr) batch = std::move((*decoded)[i]);
        else st = decoder.Decode(bodies[i], bodies[i].capacity(), WallMicros(), &batch, &err);
        auto finish = [&, i, start](bool ok) {
          lat[i] = static_cast<double>(MonotonicNanos() - start) / 1e6;
          if (!ok) errors.fetch_add(1);
          std::lock_guard<std::mutex> l(mu);
          --in_flight;
          cv.notify_all();
        };
        if (!st.ok()) {
          finish(false);
          continue;
        }
        (*store)->AppendAsync(std::move(batch), [finish](const Result<store::AppendResult>& r,
                                                         const event::DecodeError*) { finish(r.ok()); });
      }
    });
  }
  for (auto& t : threads) t.join();
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return in_flight == 0; });
  }
  res.seconds = static_cast<double>(MonotonicNanos() - t0) / 1e9;
  *cpu = CpuSeconds(0) - cpu0;
  res.events = (*store)->head().rows();
  res.errors = errors.load();
  res.latencies_ms = std::move(lat);
  res.store_stats = (*store)->StatsJson();
  *rss = PeakRssBytes(0);
  return res;
}

RunResult RunHttp(const IngestBenchOptions& o, const std::vector<std::string>& bodies, const std::string& dir,
                  uint64_t* server_rss, double* server_cpu) {
  RunResult res;
  ChildServer server;
  Status st = server.Start(dir);
  if (!st.ok()) {
    fmt::print(stderr, "bench: {}\n", st.ToString());
    res.errors = 1;
    return res;
  }
  double cpu0 = CpuSeconds(server.pid());
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> errors{0}, retries{0};
  std::vector<double> lat(bodies.size(), 0);
  int64_t t0 = MonotonicNanos();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&] {
      net::HttpClient client(*net::ParseUrl(server.url()));
      for (;;) {
        size_t i = next.fetch_add(1);
        if (i >= bodies.size()) break;
        int64_t start = MonotonicNanos();
        for (int attempt = 0;; ++attempt) {
          auto r = client.Post("/v1/events", bodies[i], "application/x-ndjson");
          if (r.ok() && r->status == 200) break;
          if (attempt < 20 && (!r.ok() || r->status == 503 || r->status == 429)) {
            retries.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
          }
          errors.fetch_add(1);
          if (r.ok()) fmt::print(stderr, "bench: HTTP {}: {}\n", r->status, r->body.substr(0, 200));
          break;
        }
        lat[i] = static_cast<double>(MonotonicNanos() - start) / 1e6;
      }
    });
  }
  for (auto& t : threads) t.join();
  res.seconds = static_cast<double>(MonotonicNanos() - t0) / 1e9;
  res.errors = errors.load();
  res.retries = retries.load();
  res.latencies_ms = std::move(lat);
  *server_rss = PeakRssBytes(server.pid());
  *server_cpu = CpuSeconds(server.pid()) - cpu0;
  // Count what the server stored.
  net::HttpClient client(*net::ParseUrl(server.url()));
  auto r = client.Post("/v1/query", R"({"aggregates":["count"]})");
  if (r.ok() && r->status == 200) {
    size_t k = r->body.find("\"count\":");
    if (k != std::string::npos) res.events = std::strtoull(r->body.c_str() + k + 8, nullptr, 10);
  }
  server.Stop();
  return res;
}

// The same NDJSON lines regrouped into bodies of `batch` events.
std::vector<std::string> Rebatch(const std::vector<std::string>& bodies, size_t batch) {
  std::vector<std::string> out;
  std::string cur;
  size_t n = 0;
  for (const auto& b : bodies) {
    size_t pos = 0;
    while (pos < b.size()) {
      size_t nl = b.find('\n', pos);
      size_t end = nl == std::string::npos ? b.size() : nl + 1;
      cur.append(b, pos, end - pos);
      pos = end;
      if (++n == batch) {
        cur.reserve(cur.size() + event::JsonPadding());
        out.push_back(std::move(cur));
        cur.clear();
        n = 0;
      }
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::vector<event::EventBatch> DecodeAll(const std::vector<std::string>& bodies) {
  std::vector<event::EventBatch> batches(bodies.size());
  event::JsonBatchDecoder decoder;
  for (size_t i = 0; i < bodies.size(); ++i) {
    event::DecodeError err;
    (void)decoder.Decode(bodies[i], bodies[i].capacity(), WallMicros(), &batches[i], &err);
  }
  return batches;
}

// SQLite with equal durability: WAL, synchronous=FULL, one transaction (one
// fsync) per batch, the baseline's schema and its two indexes.
RunResult RunSqlite(const std::vector<event::EventBatch>& batches, const std::string& dir) {
  RunResult res;
  sqlite3* db = nullptr;
  std::string path = dir + "/events.sqlite";
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    res.errors = 1;
    return res;
  }
  auto exec = [&](const char* sql) { sqlite3_exec(db, sql, nullptr, nullptr, nullptr); };
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA cache_size=-1048576");
  exec("PRAGMA temp_store=MEMORY");
  exec("CREATE TABLE events(ts_start_us INTEGER NOT NULL, duration_us INTEGER NOT NULL, kind TEXT NOT NULL,"
       " agent TEXT, model TEXT, provider TEXT, tool TEXT, status TEXT NOT NULL, error_class TEXT,"
       " tokens_input INTEGER, tokens_output INTEGER, tokens_reasoning INTEGER, tokens_cache_read INTEGER,"
       " tokens_cache_write INTEGER, cost REAL, ttfc_ms REAL, span_id TEXT, message_id TEXT, session_id TEXT,"
       " parent_session_id TEXT)");
  exec("CREATE INDEX ev_ts ON events(ts_start_us)");
  exec("CREATE INDEX ev_agent_ts ON events(agent, ts_start_us)");
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v3(db, "INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                     SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  using event::IntField;
  using event::StrField;
  auto bind_str = [&](int col, std::string_view v) { BindText(stmt, col, v); };
  auto bind_int = [&](int col, int64_t v) { BindInt(stmt, col, v); };
  auto bind_dbl = [&](int col, double v) { BindReal(stmt, col, v); };
  std::vector<double> lat;
  int64_t t0 = MonotonicNanos();
  for (const auto& b : batches) {
    int64_t start = MonotonicNanos();
    exec("BEGIN");
    for (const auto& e : b.events) {
      sqlite3_bind_int64(stmt, 1, e.start_us);
      sqlite3_bind_int64(stmt, 2, e.end_us - e.start_us);
      bind_str(3, event::KindName(e.kind));
      bind_str(4, e.Str(StrField::kAgent));
      bind_str(5, e.Str(StrField::kModel));
      bind_str(6, e.Str(StrField::kProvider));
      bind_str(7, e.Str(StrField::kTool));
      bind_str(8, event::StatusName(e.status));
      bind_str(9, e.Str(StrField::kErrorClass));
      bind_int(10, e.Int(IntField::kTokensInput));
      bind_int(11, e.Int(IntField::kTokensOutput));
      bind_int(12, e.Int(IntField::kTokensReasoning));
      bind_int(13, e.Int(IntField::kTokensCacheRead));
      bind_int(14, e.Int(IntField::kTokensCacheWrite));
      bind_dbl(15, e.Float(event::FloatField::kCost));
      bind_dbl(16, e.Float(event::FloatField::kTtfcMs));
      bind_str(17, e.Str(StrField::kSpanId));
      bind_str(18, e.Str(StrField::kMessageId));
      bind_str(19, e.Str(StrField::kSessionId));
      bind_str(20, e.Str(StrField::kParentSessionId));
      if (sqlite3_step(stmt) != SQLITE_DONE) ++res.errors;
      sqlite3_reset(stmt);
      res.events++;
    }
    exec("COMMIT");
    lat.push_back(static_cast<double>(MonotonicNanos() - start) / 1e6);
  }
  res.seconds = static_cast<double>(MonotonicNanos() - t0) / 1e9;
  res.latencies_ms = std::move(lat);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return res;
}

}  // namespace

int RunIngestBench(const IngestBenchOptions& o) {
  if (!o.only.empty() && o.only != "inprocess" && o.only != "store" && o.only != "http" && o.only != "sqlite") {
    fmt::print(stderr, "agentperf: error: --only must be inprocess, store, http or sqlite\n");
    return 2;
  }
  std::string scratch = MakeScratchDir(o.dir, "agentperf-bench-");
  if (scratch.empty()) {
    fmt::print(stderr, "agentperf: error: cannot create a scratch directory\n");
    return 1;
  }
  if (!o.json) fmt::print(stderr, "generating {} events in batches of {}...\n", o.events, o.batch);
  std::vector<std::string> bodies = MakeBodies(o);
  uint64_t body_bytes = 0;
  for (const auto& b : bodies) body_bytes += b.size();
  auto emit = [&](std::string_view mode, const RunResult& r, const std::function<void(JsonWriter&)>& extra) {
    double eps = r.seconds > 0 ? static_cast<double>(r.events) / r.seconds : 0;
    JsonWriter w;
    w.BeginObject();
    w.Field("bench", "ingest");
    w.Field("mode", mode);
    w.Field("events", r.events);
    if (mode != "http" && mode != "http_latency") w.Field("batch", static_cast<uint64_t>(o.batch));
    w.Field("seconds", std::round(r.seconds * 1000) / 1000);
    w.Field("events_per_s", std::round(eps));
    w.Field("ack_p50_ms", std::round(Percentile(r.latencies_ms, 0.5) * 100) / 100);
    w.Field("ack_p99_ms", std::round(Percentile(r.latencies_ms, 0.99) * 100) / 100);
    w.Field("ack_max_ms", std::round(Percentile(r.latencies_ms, 1.0) * 100) / 100);
    w.Field("errors", r.errors);
    if (extra) extra(w);
    w.EndObject();
    fmt::print("{}\n", w.str());
    std::fflush(stdout);
    return eps;
  };
  double store_eps = 0;
  int rc = 0;
  auto want = [&](std::string_view m) { return o.only.empty() || o.only == m; };
  if (want("inprocess")) {
    if (!o.json) fmt::print(stderr, "in-process: {} threads decoding JSON and appending...\n", o.threads);
    uint64_t rss = 0;
    double cpu = 0;
    RunResult r = RunInProcess(o, bodies, nullptr, scratch + "/inprocess", &rss, &cpu);
    emit("inprocess", r, [&](JsonWriter& w) {
      w.Field("threads", o.threads);
      w.Field("includes_json_decode", true);
      w.Field("cpu_us_per_event", std::round(cpu * 1e6 / static_cast<double>(std::max<uint64_t>(r.events, 1)) * 100) / 100);
      w.Field("durability", "fdatasync per group commit");
      w.Field("peak_rss_bytes", rss);
    });
    rc |= r.errors || r.events != o.events ? 1 : 0;
    RemoveTree(scratch + "/inprocess");
  }
  if (want("store")) {
    if (!o.json) fmt::print(stderr, "store: {} threads appending decoded batches...\n", o.threads);
    std::vector<event::EventBatch> decoded = DecodeAll(bodies);
    uint64_t rss = 0;
    double cpu = 0;
    RunResult r = RunInProcess(o, bodies, &decoded, scratch + "/store", &rss, &cpu);
    store_eps = emit("store", r, [&](JsonWriter& w) {
      w.Field("threads", o.threads);
      w.Field("includes_json_decode", false);
      w.Field("cpu_us_per_event", std::round(cpu * 1e6 / static_cast<double>(std::max<uint64_t>(r.events, 1)) * 100) / 100);
      w.Field("durability", "fdatasync per group commit");
      auto num = [&](std::string_view key) {
        size_t k = r.store_stats.find(fmt::format("\"{}\":", key));
        return k == std::string::npos ? 0.0 : std::strtod(r.store_stats.c_str() + k + key.size() + 3, nullptr);
      };
      w.Field("wal_group_commits", num("group_commits"));
      w.Field("wal_write_ms", std::round(num("write_ms")));
      w.Field("wal_sync_ms", std::round(num("sync_ms")));
      w.Field("apply_ms", std::round(num("apply_ms")));
    });
    rc |= r.errors || r.events != o.events ? 1 : 0;
    RemoveTree(scratch + "/store");
  }
  if (want("http")) {
    for (size_t batch : {o.batch, o.latency_batch}) {
      if (!o.json) fmt::print(stderr, "http: {} clients posting batches of {} to a child agentperf serve...\n", o.clients, batch);
      std::vector<std::string> rebatched = batch == o.batch ? std::vector<std::string>() : Rebatch(bodies, batch);
      const std::vector<std::string>& use = batch == o.batch ? bodies : rebatched;
      uint64_t rss = 0;
      double cpu = 0;
      RunResult r = RunHttp(o, use, scratch + "/http", &rss, &cpu);
      emit(batch == o.batch ? "http" : "http_latency", r, [&](JsonWriter& w) {
        w.Field("clients", o.clients);
        w.Field("batch", static_cast<uint64_t>(batch));
        w.Field("body_bytes_per_event", std::round(static_cast<double>(body_bytes) / static_cast<double>(o.events)));
        w.Field("server_cpu_us_per_event",
                std::round(cpu * 1e6 / static_cast<double>(std::max<uint64_t>(r.events, 1)) * 100) / 100);
        w.Field("server_peak_rss_bytes", rss);
        w.Field("retries_503", r.retries);
      });
      rc |= r.errors || r.events != o.events ? 1 : 0;
      RemoveTree(scratch + "/http");
    }
  }
  if (want("sqlite")) {
    if (!o.json) fmt::print(stderr, "sqlite: same events, WAL + synchronous=FULL, one transaction per batch...\n");
    std::vector<event::EventBatch> batches = DecodeAll(bodies);
    std::string dir = scratch + "/sqlite";
    std::filesystem::create_directories(dir);
    RunResult r = RunSqlite(batches, dir);
    emit("sqlite", r, [&](JsonWriter& w) {
      w.Field("competitor", fmt::format("SQLite {}", sqlite3_libversion()));
      w.Field("includes_json_decode", false);
      w.Field("durability", "WAL, synchronous=FULL, one transaction per batch");
      if (store_eps > 0) {
        w.Field("ratio_agentperf_store_vs_sqlite",
                std::round(store_eps / (static_cast<double>(r.events) / r.seconds) * 100) / 100);
      }
    });
    RemoveTree(dir);
  }

  RemoveTree(scratch);
  return rc;
}

}  // namespace agentperf::bench
