#include "bench/store_bench.h"

#include "bench/store_bench_common.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/embedded_ingest.h"
#include "bench/workload.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "net/http_client.h"

namespace agentperf::bench {
namespace {

using namespace store_bench;  // NOLINT

// Shared pieces: bench/store_bench_common.h; SQLite and PostgreSQL: bench/store_bench_sql.cc.

// ---- agentperf ----

// `"key":true` or `"key":<non-zero number>` somewhere in a JSON text.
bool JsonFlagSet(const std::string& body, std::string_view key) {
  size_t k = body.find(fmt::format("\"{}\":", key));
  if (k == std::string::npos) return false;
  size_t v = k + key.size() + 3;
  while (v < body.size() && body[v] == ' ') ++v;
  if (body.compare(v, 4, "true") == 0) return true;
  return std::strtod(body.c_str() + v, nullptr) != 0;
}

Status ParseAgentperfAnswer(const std::string& body, const QueryDef& q, Table* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root)) return Status::Internal("unreadable query answer: " + body.substr(0, 200));
  simdjson::dom::array series;
  if (root["series"].get_array().get(series)) return Status::Internal("answer without series: " + body.substr(0, 200));
  size_t rank = 0;
  for (simdjson::dom::element s : series) {
    std::vector<std::string> labels;
    simdjson::dom::object lo;
    if (s["labels"].get_object().get(lo)) return Status::Internal("series without labels");
    for (auto [k, v] : lo) labels.emplace_back(std::string_view(v.get_string().value_unsafe()));
    simdjson::dom::array points;
    if (s["points"].get_array().get(points)) return Status::Internal("series without points");
    for (simdjson::dom::element p : points) {
      std::vector<std::string> key;
      if (q.ordered) key.push_back(fmt::format("{:03}", rank++));
      key.insert(key.end(), labels.begin(), labels.end());
      if (q.bucket_ms > 0) {
        double t = p["t"].get_double().value_unsafe();
        key.push_back(std::to_string(static_cast<int64_t>(std::floor(t / static_cast<double>(q.bucket_ms)))));
      }
      std::vector<double> vals;
      for (const auto& name : q.agg_names) {
        simdjson::dom::element v;
        if (p[name].get(v) || v.is_null()) {
          vals.push_back(kNaN);
        } else {
          vals.push_back(v.get_double().value_unsafe());
        }
      }
      (*out)[std::move(key)] = std::move(vals);
    }
  }
  return Status::OK();
}

EngineResult RunAgentperf(const StoreBenchOptions& o, const DataSet& data, const std::vector<QueryDef>& queries,
                          const std::string& scratch) {
  EngineResult res;
  res.engine = "agentperf";
  Progress(fmt::format("agentperf: rendering {} events as NDJSON bodies of {}", data.spans.size(), o.batch));
  std::vector<std::string> bodies;
  uint64_t body_bytes = 0;
  for (size_t i = 0; i < data.spans.size(); i += o.batch) {
    std::string b;
    size_t end = std::min(data.spans.size(), i + o.batch);
    b.reserve((end - i) * 520);
    for (size_t k = i; k < end; ++k) Workload::AppendNdjson(data.spans[k], &b);
    body_bytes += b.size();
    bodies.push_back(std::move(b));
  }
  std::string dir = scratch + "/agentperf";
  ChildServer server;
  Status st = server.Start(dir);
  if (!st.ok()) {
    res.error = "agentperf serve: " + st.ToString();
    return res;
  }
  res.ran = true;
  Progress(fmt::format("agentperf: {} clients posting to {} (durable: each answer after fsync)", o.clients,
                       server.url()));
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> errors{0}, retries{0}, posted{0};
  int64_t t0 = MonotonicNanos();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&] {
      net::HttpClient client(*net::ParseUrl(server.url()));
      for (;;) {
        size_t i = next.fetch_add(1);
        if (i >= bodies.size()) break;
        for (int attempt = 0;; ++attempt) {
          auto r = client.Post("/v1/events", bodies[i], "application/x-ndjson");
          if (r.ok() && r->status == 200) break;
          if (attempt < 50 && (!r.ok() || r->status == 503 || r->status == 429)) {
            retries.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::milliseconds(20 * std::min(attempt + 1, 10)));
            continue;
          }
          errors.fetch_add(1);
          fmt::print(stderr, "bench store: agentperf: {}\n",
                     r.ok() ? fmt::format("HTTP {}: {}", r->status, r->body.substr(0, 300)) : r.status().ToString());
          break;
        }
        uint64_t done = posted.fetch_add(1) + 1;
        if (bodies.size() >= 200 && done % (bodies.size() / 10) == 0) {
          Progress(fmt::format("agentperf: {}%", done * 100 / bodies.size()));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  res.ingest_s = Seconds(t0);
  bodies.clear();
  bodies.shrink_to_fit();
  net::HttpClientOptions copt;
  copt.io_timeout_ms = 600000;
  net::HttpClient client(*net::ParseUrl(server.url()), copt);
  // What the server stored.
  auto cnt = client.Post("/v1/query", R"({"aggregates":["count"]})");
  if (cnt.ok() && cnt->status == 200) {
    size_t k = cnt->body.find("\"count\":");
    if (k != std::string::npos) res.events = std::strtoull(cnt->body.c_str() + k + 8, nullptr, 10);
  }
  res.events_per_s = static_cast<double>(res.events) / res.ingest_s;
  if (errors.load() != 0 || res.events != data.spans.size()) {
    res.error = fmt::format("{} failed requests; the server holds {} of {} events", errors.load(), res.events,
                            data.spans.size());
  }
  // Let the store settle before measuring the disk: an explicit flush when
  // the server offers one, then wait while its status says a flush is pending.
  std::string flush = "not_available";
  auto fr = client.Post("/v1/admin/flush", "{}");
  if (fr.ok()) {
    if (fr->status == 200 || fr->status == 202 || fr->status == 204) flush = "done";
    else if (fr->status != 404 && fr->status != 405) flush = fmt::format("failed (HTTP {})", fr->status);
  } else {
    flush = "failed (" + fr.status().ToString() + ")";
  }
  std::string status_body;
  int64_t settle0 = MonotonicNanos();
  for (;;) {
    auto s = client.Get("/v1/status");
    if (!s.ok() || s->status != 200) break;
    status_body = s->body;
    if (!JsonFlagSet(status_body, "flush_pending") || Seconds(settle0) > 300) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  double settle_s = Seconds(settle0);
  DirUsage du = UsageOf(dir);
  res.file_bytes = du.bytes;
  const pid_t pid = server.pid();
  uint64_t rss_load = ProcStatusBytes(pid, "VmRSS"), hwm_load = ProcStatusBytes(pid, "VmHWM");
  Progress(fmt::format("agentperf: {:.0f} events/s, {} bytes on disk; queries", res.events_per_s, du.bytes));
  for (const QueryDef& q : queries) {
    QueryRun r = TimeQuery(
        [&](Table* out) -> Status {
          auto a = client.Post("/v1/query", q.agentperf);
          if (!a.ok()) return a.status();
          if (a->status != 200) return Status::Internal(fmt::format("HTTP {}: {}", a->status, a->body.substr(0, 300)));
          return ParseAgentperfAnswer(a->body, q, out);
        },
        o.warm_runs);
    res.queries.push_back(std::move(r));
  }
  uint64_t rss_after = ProcStatusBytes(pid, "VmRSS"), hwm_after = ProcStatusBytes(pid, "VmHWM");
  res.server_peak_rss = hwm_after;
  server.Stop();
  if (!o.keep) RemoveTree(dir);
  const uint64_t clients = static_cast<uint64_t>(o.clients), batch = o.batch, retried = retries.load();
  const double body_per_event = static_cast<double>(body_bytes) / std::max<double>(1, static_cast<double>(data.spans.size()));
  res.extra = [=](JsonWriter& w) {
    w.Field("clients", clients);
    w.Field("batch", batch);
    w.Field("body_bytes_per_event", Round(body_per_event, 1));
    w.Field("retries_503", retried);
    w.Field("flush", flush);
    w.Field("settle_s", Round(settle_s, 3));
    w.Field("disk_allocated_bytes", du.allocated);
    w.Field("server_rss_after_load_bytes", rss_load);
    w.Field("server_peak_rss_after_load_bytes", hwm_load);
    w.Field("server_rss_after_queries_bytes", rss_after);
    w.Field("server_peak_rss_bytes", hwm_after);
  };
  return res;
}

// ---- output ----

void EmitEngine(const EngineResult& r, const std::vector<QueryDef>& queries, uint64_t n) {
  JsonWriter w;
  w.BeginObject();
  w.Field("bench", "store");
  w.Field("engine", r.engine);
  if (!r.skipped.empty()) {
    w.Field("skipped", r.skipped);
    w.EndObject();
    fmt::print("{}\n", w.str());
    std::fflush(stdout);
    return;
  }
  w.Field("events", r.events);
  w.Field("ingest_s", Round(r.ingest_s, 3));
  w.Field("events_per_s", std::round(r.events_per_s));
  w.Field("file_bytes", r.file_bytes);
  w.Field("bytes_per_event", Round(static_cast<double>(r.file_bytes) / static_cast<double>(std::max<uint64_t>(n, 1)), 2));
  if (r.extra) r.extra(w);
  w.Key("queries").BeginObject();
  for (size_t i = 0; i < r.queries.size() && i < queries.size(); ++i) {
    const QueryRun& q = r.queries[i];
    w.Key(queries[i].id).BeginObject();
    w.Field("cold_ms", Round(q.cold_ms, 2));
    w.Field("warm_ms", Round(q.warm_ms, 2));
    w.Field("rows", static_cast<uint64_t>(q.rows));
    if (r.engine != "agentperf") {
      w.Key("answers_match");
      if (q.answers_match.has_value()) w.Bool(*q.answers_match);
      else w.Null();
      if (!q.mismatch.empty()) w.Field("mismatch", q.mismatch);
    }
    if (!q.error.empty()) w.Field("error", q.error);
    w.EndObject();
  }
  w.EndObject();
  if (!r.error.empty()) w.Field("error", r.error);
  w.EndObject();
  fmt::print("{}\n", w.str());
  std::fflush(stdout);
}

}  // namespace

int RunStoreBench(const StoreBenchOptions& o) {
  bool want_ap = false, want_emb = false, want_sqlite = false, want_pg = false;
  if (o.only.empty()) {
    want_ap = want_emb = want_sqlite = want_pg = true;
  } else {
    std::string_view rest = o.only;
    while (!rest.empty()) {
      size_t c = rest.find(',');
      std::string_view e = rest.substr(0, c);
      if (e == "agentperf") want_ap = want_emb = true;
      else if (e == "embedded") want_emb = true;  // agentperf's embedded ingest only (profiling)
      else if (e == "sqlite") want_sqlite = true;
      else if (e == "postgres" || e == "postgresql") want_pg = true;
      else {
        fmt::print(stderr, "agentperf: error: --only: unknown engine '{}' (agentperf, embedded, sqlite, postgres)\n", e);
        return 2;
      }
      rest = c == std::string_view::npos ? std::string_view() : rest.substr(c + 1);
    }
  }
  if (o.events == 0 || o.batch == 0 || o.sql_batch == 0 || o.clients < 1 || o.warm_runs < 1) {
    fmt::print(stderr, "agentperf: error: --events, --batch, --sql-batch, --clients and --warm must be positive\n");
    return 2;
  }
  std::string trace_path;
  auto trace = LoadTokenTrace(o.shared_dir, &trace_path);
  if (!trace.ok()) {
    fmt::print(stderr, "agentperf: error: {}\n", trace.status().message());
    return 1;
  }
  std::string scratch = MakeScratchDir(o.data_dir, "agentperf-store-");
  if (scratch.empty()) {
    fmt::print(stderr, "agentperf: error: cannot create a scratch directory under {}\n",
               o.data_dir.empty() ? "$TMPDIR" : o.data_dir);
    return 1;
  }

  // 30 days of history ending about a day ago, starting at a UTC midnight
  // (day buckets and outage days line up), deterministic for (seed, N, day).
  const int64_t now = WallMicros();
  const int64_t start_us = (now / kMicrosPerDay - 31) * kMicrosPerDay;
  const double gap_us = 30.0 * static_cast<double>(kMicrosPerDay) / static_cast<double>(o.events);
  Progress(fmt::format("generating {} events (seed {}, token sizes from {})", o.events, o.seed, trace_path));
  DataSet data;
  {
    int64_t g0 = MonotonicNanos();
    data.spans.resize(o.events);
    Workload w(o.seed, start_us, gap_us, &*trace);
    for (auto& s : data.spans) {
      w.Next(&s);
      data.max_start_ms = std::max(data.max_start_ms, s.start_us / 1000);
    }
    Progress(fmt::format("generated in {:.1f} s", Seconds(g0)));
  }
  const int64_t last24_from_ms = data.max_start_ms - kDayMs;
  std::vector<QueryDef> queries = MakeQueries(last24_from_ms);

  EngineResult ap, sq, pg;
  EmbeddedIngestResult emb;  // agentperf in-process: the like-for-like ingest competitor of SQLite
  ap.engine = "agentperf";
  sq.engine = "sqlite";
  pg.engine = "postgres";
  int rc = 0;
  if (want_ap) {
    ap = RunAgentperf(o, data, queries, scratch);
    if (!ap.error.empty()) rc = 1;
  }
  if (want_emb) {
    Progress(fmt::format("agentperf embedded: appending {} events in batches of {} in this process", data.spans.size(),
                         o.sql_batch));
    emb = RunEmbeddedIngest(data.spans, o.sql_batch, 4, scratch + "/agentperf-embedded", o.keep);
    if (!emb.error.empty()) {
      fmt::print(stderr, "bench store: agentperf embedded: {}\n", emb.error);
      rc = 1;
    }
    Progress(fmt::format("agentperf embedded: {:.0f} events/s (durable), then flushed in {:.1f} s", emb.events_per_s,
                         emb.flush_s));
  }
  auto compare = [&](EngineResult& r) {
    if (!ap.ran || !ap.error.empty()) return;
    for (size_t i = 0; i < r.queries.size() && i < ap.queries.size(); ++i) {
      QueryRun& q = r.queries[i];
      if (!q.error.empty() || !ap.queries[i].error.empty()) {
        q.answers_match = false;
        continue;
      }
      if (q.answers_match.has_value() && !*q.answers_match) continue;  // already failed (PostgreSQL check)
      std::string why;
      q.answers_match = SameAnswer(q.answer, ap.queries[i].answer, queries[i].tols, &why);
      if (!*q.answers_match) q.mismatch = "agentperf vs " + r.engine + ": " + why;
    }
  };
  if (want_sqlite) {
    sq = RunSqlite(o, data, queries, scratch);
    if (!sq.error.empty()) rc = 1;
    compare(sq);
  }
  if (want_pg) {
    pg = RunPostgres(o, data, queries);
    if (!pg.error.empty()) rc = 1;
    compare(pg);
  }
  const uint64_t n = data.spans.size();
  if (want_emb) {
    JsonWriter w;
    w.BeginObject();
    w.Field("bench", "store");
    w.Field("engine", "agentperf-embedded");
    w.Field("events", emb.events);
    w.Field("ingest_s", Round(emb.ingest_s, 3));
    w.Field("events_per_s", Round(emb.events_per_s, 0));
    w.Field("batch", static_cast<uint64_t>(o.sql_batch));
    w.Field("flush_s", Round(emb.flush_s, 3));
    if (!emb.error.empty()) w.Field("error", emb.error);
    w.EndObject();
    fmt::print("{}\n", w.str());
  }
  data.spans.clear();
  data.spans.shrink_to_fit();

  for (const EngineResult* r : {&ap, &sq, &pg}) {
    bool wanted = (r == &ap && want_ap) || (r == &sq && want_sqlite) || (r == &pg && want_pg);
    if (!wanted) continue;
    EmitEngine(*r, queries, n);
    for (const auto& q : r->queries) {
      if (q.answers_match.has_value() && !*q.answers_match) rc = 1;
      if (!q.error.empty()) rc = 1;
    }
  }

  // Ratios (agentperf vs each competitor) and the issue's targets.
  auto usable = [](const EngineResult& r) { return r.ran && r.error.empty(); };
  auto ratio = [](double a, double b) { return b > 0 && std::isfinite(a) && std::isfinite(b) ? a / b : kNaN; };
  auto bpe = [&](const EngineResult& r) { return static_cast<double>(r.file_bytes) / static_cast<double>(n); };
  {
    JsonWriter w;
    w.BeginObject();
    w.Field("bench", "store");
    w.Field("events", n);
    w.Key("ratios").BeginObject();
    for (const EngineResult* other : {&sq, &pg}) {
      if (!usable(ap) || !usable(*other)) continue;
      w.Key("agentperf_vs_" + other->engine).BeginObject();
      w.Field("ingest_speedup", Round(ratio(ap.events_per_s, other->events_per_s), 2));  // agentperf over HTTP
      w.Field("ingest_speedup_embedded", Round(ratio(emb.events_per_s, other->events_per_s), 2));
      w.Field("size_fraction", Round(ratio(static_cast<double>(ap.file_bytes), static_cast<double>(other->file_bytes)), 4));
      w.Key("query_speedup_warm").BeginObject();
      for (size_t i = 0; i < queries.size() && i < ap.queries.size() && i < other->queries.size(); ++i) {
        w.Field(queries[i].id, Round(ratio(other->queries[i].warm_ms, ap.queries[i].warm_ms), 2));
      }
      w.EndObject();
      w.Key("query_speedup_cold").BeginObject();
      for (size_t i = 0; i < queries.size() && i < ap.queries.size() && i < other->queries.size(); ++i) {
        w.Field(queries[i].id, Round(ratio(other->queries[i].cold_ms, ap.queries[i].cold_ms), 2));
      }
      w.EndObject();
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
    fmt::print("{}\n", w.str());
  }
  {
    JsonWriter w;
    w.BeginObject();
    w.Field("bench", "store");
    w.Field("events", n);
    w.Field("targets_stated_for_events", static_cast<uint64_t>(10000000));
    w.Key("targets").BeginObject();
    bool all = true, all_known = true;
    auto target = [&](std::string_view name, std::optional<bool> met) {
      w.Key(name);
      if (met.has_value()) w.Bool(*met);
      else w.Null();
      if (!met.has_value()) all_known = false;
      else if (!*met) all = false;
    };
    const bool apu = usable(ap), squ = usable(sq), pgu = usable(pg);
    auto all_queries = [&](const std::function<bool(size_t)>& ok) -> std::optional<bool> {
      if (ap.queries.size() != queries.size()) return std::nullopt;
      for (size_t i = 0; i < queries.size(); ++i) {
        if (!ok(i)) return false;
      }
      return true;
    };
    target("bytes_per_event_le_24", apu ? std::optional<bool>(bpe(ap) <= 24) : std::nullopt);
    target("size_le_quarter_of_sqlite",
           apu && squ ? std::optional<bool>(ap.file_bytes * 4 <= sq.file_bytes) : std::nullopt);
    target("each_query_le_50ms_warm",
           apu ? all_queries([&](size_t i) { return ap.queries[i].warm_ms <= 50; }) : std::nullopt);
    target("each_query_le_50ms_cold",
           apu ? all_queries([&](size_t i) { return ap.queries[i].cold_ms <= 50; }) : std::nullopt);
    // Ingest: each engine's fastest durable bulk path (agentperf embedded in
    // this process, SQLite embedded with prepared statements, PostgreSQL COPY);
    // the HTTP figures are in the ratios.
    const bool embu = want_emb && emb.error.empty() && emb.events_per_s > 0;
    target("ingest_ge_5x_sqlite",
           embu && squ ? std::optional<bool>(emb.events_per_s >= 5 * sq.events_per_s) : std::nullopt);
    target("ingest_ge_10x_postgres",
           embu && pgu ? std::optional<bool>(emb.events_per_s >= 10 * pg.events_per_s) : std::nullopt);
    target("each_query_ge_10x_faster_than_sqlite",
           apu && squ && sq.queries.size() == queries.size()
               ? all_queries([&](size_t i) { return sq.queries[i].warm_ms >= 10 * ap.queries[i].warm_ms; })
               : std::nullopt);
    target("each_query_ge_10x_faster_than_postgres",
           apu && pgu && pg.queries.size() == queries.size()
               ? all_queries([&](size_t i) { return pg.queries[i].warm_ms >= 10 * ap.queries[i].warm_ms; })
               : std::nullopt);
    target("server_rss_le_200mb", apu ? std::optional<bool>(ap.server_peak_rss <= 200000000ull) : std::nullopt);
    w.EndObject();
    w.Key("all_met");
    if (all_known) w.Bool(all);
    else if (!all) w.Bool(false);
    else w.Null();
    w.EndObject();
    fmt::print("{}\n", w.str());
  }
  if (!o.json) {
    fmt::print("\n{:<10} {:>12} {:>10} {:>10}", "engine", "events/s", "B/event", "");
    for (const auto& q : queries) fmt::print(" {:>16}", fmt::format("({}) cold/warm ms", q.id));
    fmt::print("\n");
    for (const EngineResult* r : {&ap, &sq, &pg}) {
      if (!r->ran) continue;
      fmt::print("{:<10} {:>12.0f} {:>10.1f} {:>10}", r->engine, r->events_per_s, bpe(*r), "");
      for (const auto& q : r->queries) fmt::print(" {:>16}", fmt::format("{:.1f}/{:.1f}", q.cold_ms, q.warm_ms));
      fmt::print("\n");
    }
    for (size_t i = 0; i < queries.size(); ++i) fmt::print("({}) {}\n", queries[i].id, queries[i].what);
  }
  std::fflush(stdout);
  if (!o.keep) RemoveTree(scratch);
  else Progress("kept " + scratch);
  return rc;
}

}  // namespace agentperf::bench
