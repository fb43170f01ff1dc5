#include "bench/store_bench.h"

#include "bench/sqlite_bind.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <simdjson.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/embedded_ingest.h"
#include "bench/pg_cluster.h"
#include "bench/workload.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "net/http_client.h"

namespace agentperf::bench {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kHourMs = 3600000;
constexpr int64_t kDayMs = 86400000;

void Progress(const std::string& msg) {
  fmt::print(stderr, "bench store: {}\n", msg);
  std::fflush(stderr);
}

double Seconds(int64_t t0_ns) { return static_cast<double>(MonotonicNanos() - t0_ns) / 1e9; }
// v rounded to `digits` decimal places (a clean decimal in the JSON).
double Round(double v, int digits) {
  double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

// ---- result tables and their comparison ----

// A query's answer, engine-neutral: key (label values, bucket number; for
// ordered answers the rank first) -> values.
using Table = std::map<std::vector<std::string>, std::vector<double>>;

enum class Tol : uint8_t {
  kExact,     // counts, maxima: equal
  kRate,      // ratios: 1e-9 relative
  kQuantile,  // agentperf's sketch vs an exact order statistic: 1 % relative (the sketch promises 0.5 %)
};

bool Close(double got, double want, Tol tol) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  switch (tol) {
    case Tol::kExact: return got == want;
    case Tol::kRate: return std::fabs(got - want) <= 1e-9 * std::max(1.0, std::fabs(want));
    case Tol::kQuantile: return std::fabs(got - want) <= 0.01 * std::fabs(want) + 1e-9;
  }
  return false;
}

// Compares `got` with `want` column by column; the first difference goes to *why.
bool SameAnswer(const Table& want, const Table& got, const std::vector<Tol>& tols, std::string* why) {
  if (want.size() != got.size()) {
    *why = fmt::format("{} rows vs {}", got.size(), want.size());
    return false;
  }
  auto w = want.begin();
  for (auto g = got.begin(); g != got.end(); ++g, ++w) {
    if (g->first != w->first) {
      *why = fmt::format("row key [{}] vs [{}]", fmt::join(g->first, ","), fmt::join(w->first, ","));
      return false;
    }
    if (g->second.size() != w->second.size()) {
      *why = "different number of columns";
      return false;
    }
    for (size_t c = 0; c < g->second.size(); ++c) {
      Tol t = c < tols.size() ? tols[c] : Tol::kExact;
      if (!Close(g->second[c], w->second[c], t)) {
        *why = fmt::format("[{}] column {}: {} vs {}", fmt::join(g->first, ","), c, g->second[c], w->second[c]);
        return false;
      }
    }
  }
  return true;
}

// ---- the four queries ----

struct QueryDef {
  std::string id, what;
  std::string agentperf;                 // POST /v1/query body
  std::vector<std::string> agg_names;    // agentperf aggregates, in value order
  int64_t bucket_ms = 0;                 // agentperf points -> bucket number (0: none)
  bool ordered = false;                  // the row order is part of the answer (rank in the key)
  std::string sqlite, postgres;          // key columns first (labels, then bucket), then values
  size_t key_columns = 0;
  std::vector<Tol> tols;
  std::string pg_check;                  // exact-rank verification of PostgreSQL's percentile_disc answer
};

// Exact order statistics in SQL. agentperf's quantile is the element at
// 0-based rank floor(q (n - 1)) (within the sketch's 0.5 %); the SQLite
// queries compute exactly that element (row_number() within the group,
// count over the group). PostgreSQL runs its native percentile_disc (rank
// ceil(q n) - 1, one sort per group, the faster form of ../shared/baselines.md);
// an untimed check query computes both ranks there.
std::vector<QueryDef> MakeQueries(int64_t last24_from_ms) {
  std::vector<QueryDef> q(4);
  q[0].id = "a";
  q[0].what = "p50/p95/p99 duration per agent, all data";
  q[0].agentperf =
      R"J({"group_by":["agent"],"aggregates":["count","p50(duration_ms)","p95(duration_ms)","p99(duration_ms)"]})J";
  q[0].agg_names = {"count", "p50(duration_ms)", "p95(duration_ms)", "p99(duration_ms)"};
  // row_number() joined to the per-agent count: the fastest exact form of the
  // baseline's comparison (and faster here than a count window over the partition).
  q[0].sqlite =
      "WITH c AS (SELECT agent, count(*) AS n FROM events GROUP BY agent)"
      " SELECT r.agent, c.n,"
      " min(CASE WHEN rn = CAST(0.5 * (c.n - 1) AS INTEGER) THEN d END),"
      " min(CASE WHEN rn = CAST(0.95 * (c.n - 1) AS INTEGER) THEN d END),"
      " min(CASE WHEN rn = CAST(0.99 * (c.n - 1) AS INTEGER) THEN d END)"
      " FROM (SELECT agent, duration_ms AS d, row_number() OVER (PARTITION BY agent ORDER BY duration_ms) - 1 AS rn"
      "       FROM events) r JOIN c ON c.agent = r.agent"
      " GROUP BY r.agent ORDER BY r.agent";
  q[0].postgres =
      "SELECT agent, n, p[1], p[2], p[3] FROM (SELECT agent, count(*) AS n,"
      " percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS p"
      " FROM events GROUP BY agent) s ORDER BY agent";
  q[0].key_columns = 1;
  q[0].tols = {Tol::kExact, Tol::kQuantile, Tol::kQuantile, Tol::kQuantile};
  q[0].pg_check =
      "SELECT agent, max(n),"
      " min(d) FILTER (WHERE rn = floor(0.5::float8 * (n - 1))), min(d) FILTER (WHERE rn = ceil(0.5::float8 * n) - 1),"
      " min(d) FILTER (WHERE rn = floor(0.95::float8 * (n - 1))), min(d) FILTER (WHERE rn = ceil(0.95::float8 * n) - 1),"
      " min(d) FILTER (WHERE rn = floor(0.99::float8 * (n - 1))), min(d) FILTER (WHERE rn = ceil(0.99::float8 * n) - 1)"
      " FROM (SELECT agent, duration_ms AS d, row_number() OVER (PARTITION BY agent ORDER BY duration_ms) - 1 AS rn,"
      "       count(*) OVER (PARTITION BY agent) AS n FROM events) s GROUP BY agent ORDER BY agent";

  const std::string from = std::to_string(last24_from_ms);
  q[1].id = "b";
  q[1].what = "count and p95 duration per hour x agent x tool, last 24 h";
  q[1].agentperf = fmt::format(
      R"J({{"from":{},"filters":[{{"label":"tool","op":"!=","value":""}}],"group_by":["agent","tool"],"step":"1h",)J"
      R"J("aggregates":["count","p95(duration_ms)"]}})J",
      from);
  q[1].agg_names = {"count", "p95(duration_ms)"};
  q[1].bucket_ms = kHourMs;
  q[1].sqlite =
      "SELECT agent, tool, h, max(n), min(CASE WHEN rn = CAST(0.95 * (n - 1) AS INTEGER) THEN d END)"
      " FROM (SELECT ts_start_ms / 3600000 AS h, agent, tool, duration_ms AS d, row_number() OVER w - 1 AS rn,"
      "       count(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n"
      "       FROM events WHERE ts_start_ms >= " + from + " AND tool IS NOT NULL"
      "       WINDOW w AS (PARTITION BY ts_start_ms / 3600000, agent, tool ORDER BY duration_ms))"
      " GROUP BY h, agent, tool ORDER BY h, agent, tool";
  q[1].postgres =
      "SELECT agent, tool, ts_start_ms / 3600000 AS h, count(*) AS n,"
      " percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95"
      " FROM events WHERE ts_start_ms >= " + from + " AND tool IS NOT NULL GROUP BY 3, 1, 2 ORDER BY 3, 1, 2";
  q[1].key_columns = 3;
  q[1].tols = {Tol::kExact, Tol::kQuantile};
  q[1].pg_check =
      "SELECT agent, tool, h, max(n),"
      " min(d) FILTER (WHERE rn = floor(0.95::float8 * (n - 1))), min(d) FILTER (WHERE rn = ceil(0.95::float8 * n) - 1)"
      " FROM (SELECT ts_start_ms / 3600000 AS h, agent, tool, duration_ms AS d,"
      "       row_number() OVER (PARTITION BY ts_start_ms / 3600000, agent, tool ORDER BY duration_ms) - 1 AS rn,"
      "       count(*) OVER (PARTITION BY ts_start_ms / 3600000, agent, tool) AS n"
      "       FROM events WHERE ts_start_ms >= " + from + " AND tool IS NOT NULL) s"
      " GROUP BY h, agent, tool ORDER BY h, agent, tool";

  q[2].id = "c";
  q[2].what = "10 slowest sessions (longest span) with agent and model";
  q[2].agentperf =
      R"J({"group_by":["session_id","agent","model"],"aggregates":["max(duration_ms)"],)J"
      R"J("order_by":"max(duration_ms) desc","limit":10})J";
  q[2].agg_names = {"max(duration_ms)"};
  q[2].ordered = true;
  // Agent and model are fixed within a session: grouping by the session alone is the same.
  q[2].sqlite =
      "SELECT session_id, max(agent), max(model), max(duration_ms) AS d FROM events"
      " GROUP BY session_id ORDER BY d DESC, session_id LIMIT 10";
  q[2].postgres = q[2].sqlite;
  q[2].key_columns = 3;
  q[2].tols = {Tol::kExact};

  q[3].id = "d";
  q[3].what = "error rate per model per day";
  q[3].agentperf = R"J({"group_by":["model"],"step":"1d","aggregates":["count","errors","error_rate"]})J";
  q[3].agg_names = {"count", "errors", "error_rate"};
  q[3].bucket_ms = kDayMs;
  q[3].sqlite =
      "SELECT model, ts_start_ms / 86400000 AS day, count(*) AS n,"
      " sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS errors,"
      " CAST(sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS REAL) / count(*) AS rate"
      " FROM events GROUP BY model, day ORDER BY model, day";
  q[3].postgres =
      "SELECT model, ts_start_ms / 86400000 AS day, count(*) AS n,"
      " sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS errors,"
      " sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END)::float8 / count(*) AS rate"
      " FROM events GROUP BY model, day ORDER BY model, day";
  q[3].key_columns = 2;
  q[3].tols = {Tol::kExact, Tol::kExact, Tol::kRate};
  return q;
}

struct QueryRun {
  double cold_ms = kNaN;
  double warm_ms = kNaN;  // median of the warm runs
  size_t rows = 0;
  std::optional<bool> answers_match;  // SQL engines, when agentperf ran
  std::string mismatch;
  std::string error;
  Table answer;
};

// Runs `once` 1 + warm times: the first is the cold run; its answer is kept.
QueryRun TimeQuery(const std::function<Status(Table*)>& once, int warm) {
  QueryRun r;
  int64_t t0 = MonotonicNanos();
  Status st = once(&r.answer);
  r.cold_ms = static_cast<double>(MonotonicNanos() - t0) / 1e6;
  if (!st.ok()) {
    r.error = st.ToString();
    r.cold_ms = kNaN;
    return r;
  }
  r.rows = r.answer.size();
  std::vector<double> ms;
  for (int i = 0; i < warm; ++i) {
    Table t;
    int64_t s = MonotonicNanos();
    st = once(&t);
    ms.push_back(static_cast<double>(MonotonicNanos() - s) / 1e6);
    if (!st.ok()) {
      r.error = st.ToString();
      return r;
    }
  }
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) r.warm_ms = ms[ms.size() / 2];
  return r;
}

// ---- files ----

struct DirUsage {
  uint64_t bytes = 0;       // sum of file sizes
  uint64_t allocated = 0;   // blocks on disk
};

DirUsage UsageOf(const std::string& path) {
  DirUsage u;
  std::error_code ec;
  auto add = [&](const fs::path& p) {
    struct stat sb {};
    if (lstat(p.c_str(), &sb) == 0 && S_ISREG(sb.st_mode)) {
      u.bytes += static_cast<uint64_t>(sb.st_size);
      u.allocated += static_cast<uint64_t>(sb.st_blocks) * 512;
    }
  };
  if (fs::is_regular_file(path, ec)) {
    add(path);
    return u;
  }
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    add(it->path());
  }
  return u;
}

// Drops a file's (or a tree's) pages from the OS cache: the "cold" run.
void EvictFromPageCache(const std::string& path) {
  std::error_code ec;
  auto evict = [](const fs::path& p) {
    int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
  };
  if (fs::is_regular_file(path, ec)) {
    evict(path);
    return;
  }
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) evict(it->path());
  }
}

// VmRSS / VmHWM of a process, bytes.
uint64_t ProcStatusBytes(pid_t pid, const char* key) {
  std::ifstream f(fmt::format("/proc/{}/status", pid));
  std::string line;
  size_t klen = std::strlen(key);
  while (std::getline(f, line)) {
    if (line.compare(0, klen, key) == 0 && line.size() > klen && line[klen] == ':') {
      return std::strtoull(line.c_str() + klen + 1, nullptr, 10) * 1024;
    }
  }
  return 0;
}

// ---- the data set ----

struct DataSet {
  std::vector<Span> spans;
  int64_t max_start_ms = 0;
};

// ---- engine results ----

struct EngineResult {
  std::string engine;
  bool ran = false;
  std::string skipped;  // why it did not run
  std::string error;
  uint64_t events = 0;
  double ingest_s = 0;
  double events_per_s = 0;
  uint64_t file_bytes = 0;
  std::vector<QueryRun> queries;
  uint64_t server_peak_rss = 0;            // agentperf: VmHWM of the server at the end
  std::function<void(JsonWriter&)> extra;  // engine-specific fields
};

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

// ---- SQLite ----

constexpr const char* kSqliteSchema =
    "CREATE TABLE events(ts_start_ms INTEGER NOT NULL, duration_ms INTEGER NOT NULL, kind TEXT NOT NULL,"
    " agent TEXT NOT NULL, model TEXT, provider TEXT, tool TEXT, status TEXT NOT NULL, error_class TEXT,"
    " tokens_input INTEGER, tokens_output INTEGER, tokens_reasoning INTEGER, tokens_cache_read INTEGER,"
    " tokens_cache_write INTEGER, cost REAL, ttfc_ms REAL, span_id TEXT NOT NULL, message_id TEXT,"
    " session_id TEXT NOT NULL, parent_session_id TEXT);"
    "CREATE INDEX ev_ts ON events(ts_start_ms);"
    "CREATE INDEX ev_agent_ts ON events(agent, ts_start_ms);";

Status SqliteExec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err != nullptr ? err : "?";
    sqlite3_free(err);
    return Status::Internal(fmt::format("sqlite: {}: {}", m, sql.substr(0, 120)));
  }
  return Status::OK();
}

Status SqliteQuery(sqlite3* db, const std::string& sql, size_t key_columns, bool ordered, Table* out) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    return Status::Internal(fmt::format("sqlite: {}", sqlite3_errmsg(db)));
  }
  int rc;
  size_t rank = 0;
  const int ncol = sqlite3_column_count(st);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::vector<std::string> key;
    if (ordered) key.push_back(fmt::format("{:03}", rank++));
    for (int c = 0; c < static_cast<int>(key_columns); ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      key.emplace_back(t != nullptr ? reinterpret_cast<const char*>(t) : "");
    }
    std::vector<double> vals;
    for (int c = static_cast<int>(key_columns); c < ncol; ++c) {
      vals.push_back(sqlite3_column_type(st, c) == SQLITE_NULL ? kNaN : sqlite3_column_double(st, c));
    }
    (*out)[std::move(key)] = std::move(vals);
  }
  std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(st);
  if (!err.empty()) return Status::Internal("sqlite: " + err);
  return Status::OK();
}

EngineResult RunSqlite(const StoreBenchOptions& o, const DataSet& data, const std::vector<QueryDef>& queries,
                       const std::string& scratch) {
  EngineResult res;
  res.engine = "sqlite";
  std::string dir = scratch + "/sqlite";
  fs::create_directories(dir);
  std::string path = dir + "/events.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    res.error = "sqlite: cannot open " + path;
    sqlite3_close(db);
    return res;
  }
  res.ran = true;
  Status st;
  for (const char* p : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA cache_size=-1048576",
                        "PRAGMA temp_store=MEMORY"}) {
    if (st.ok()) st = SqliteExec(db, p);
  }
  if (st.ok()) st = SqliteExec(db, kSqliteSchema);
  sqlite3_stmt* ins = nullptr;
  if (st.ok() && sqlite3_prepare_v3(db, "INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                                    SQLITE_PREPARE_PERSISTENT, &ins, nullptr) != SQLITE_OK) {
    st = Status::Internal(fmt::format("sqlite: {}", sqlite3_errmsg(db)));
  }
  if (!st.ok()) {
    res.error = st.ToString();
    sqlite3_close(db);
    return res;
  }
  auto text = [&](int col, std::string_view v) { BindText(ins, col, v); };
  auto integer = [&](int col, int64_t v) { BindInt(ins, col, v); };
  auto real = [&](int col, double v) { BindReal(ins, col, v); };
  Progress(fmt::format("sqlite: loading {} rows in {}-row transactions (WAL, synchronous=FULL)", data.spans.size(),
                       o.sql_batch));
  uint64_t errors = 0;
  int64_t t0 = MonotonicNanos();
  for (size_t i = 0; i < data.spans.size() && st.ok(); i += o.sql_batch) {
    st = SqliteExec(db, "BEGIN");
    size_t end = std::min(data.spans.size(), i + o.sql_batch);
    for (size_t k = i; k < end && st.ok(); ++k) {
      const Span& s = data.spans[k];
      sqlite3_bind_int64(ins, 1, s.start_us / 1000);
      sqlite3_bind_int64(ins, 2, s.dur_us / 1000);
      text(3, event::KindName(s.kind));
      text(4, s.Agent());
      text(5, s.Model());
      text(6, s.Provider());
      text(7, s.Tool());
      text(8, event::StatusName(s.status));
      text(9, s.ErrorClass());
      for (int t = 0; t < 5; ++t) integer(10 + t, s.tokens[t]);
      real(15, s.cost);
      real(16, s.ttfc_ms);
      text(17, s.SpanId());
      text(18, s.Message());
      text(19, s.Session());
      text(20, s.ParentSession());
      if (sqlite3_step(ins) != SQLITE_DONE) ++errors;
      sqlite3_reset(ins);
    }
    if (st.ok()) st = SqliteExec(db, "COMMIT");
    if (data.spans.size() >= 10 * o.sql_batch && (end / o.sql_batch) % (data.spans.size() / o.sql_batch / 10) == 0) {
      Progress(fmt::format("sqlite: {}%", end * 100 / data.spans.size()));
    }
  }
  if (st.ok()) st = SqliteExec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  res.ingest_s = Seconds(t0);
  sqlite3_finalize(ins);
  sqlite3_close(db);
  res.events = data.spans.size() - errors;
  res.events_per_s = static_cast<double>(res.events) / res.ingest_s;
  if (!st.ok() || errors != 0) {
    res.error = !st.ok() ? st.ToString() : fmt::format("{} rows failed to insert", errors);
    return res;
  }
  DirUsage db_size = UsageOf(path), wal_size = UsageOf(path + "-wal");
  res.file_bytes = db_size.bytes + wal_size.bytes;
  Progress(fmt::format("sqlite: {:.0f} events/s, {} bytes; queries", res.events_per_s, res.file_bytes));
  // Queries on a fresh connection tuned for reading (../shared/baselines.md:
  // 1 GiB cache, mmap), after dropping the file from the page cache.
  EvictFromPageCache(path);
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    res.error = "sqlite: cannot reopen";
    return res;
  }
  for (const char* p : {"PRAGMA cache_size=-1048576", "PRAGMA mmap_size=4294967296", "PRAGMA temp_store=MEMORY",
                        "PRAGMA threads=2"}) {
    (void)SqliteExec(db, p);
  }
  for (const QueryDef& q : queries) {
    res.queries.push_back(TimeQuery(
        [&](Table* out) { return SqliteQuery(db, q.sqlite, q.key_columns, q.ordered, out); }, o.warm_runs));
  }
  sqlite3_close(db);
  const uint64_t batch = o.sql_batch, dbb = db_size.bytes, walb = wal_size.bytes;
  res.extra = [=](JsonWriter& w) {
    w.Field("version", sqlite3_libversion());
    w.Field("durability", "WAL, synchronous=FULL");
    w.Field("rows_per_transaction", batch);
    w.Field("db_bytes", dbb);
    w.Field("wal_bytes", walb);
    w.Field("query_settings", "new read-only connection, cache_size 1 GiB, mmap_size 4 GiB, threads=2");
  };
  if (!o.keep) RemoveTree(dir);
  return res;
}

// ---- PostgreSQL ----

constexpr const char* kPgSchema =
    "CREATE TABLE events (ts_start_ms bigint NOT NULL, cost double precision, ttfc_ms double precision,"
    " duration_ms integer NOT NULL, tokens_input integer, tokens_output integer, tokens_reasoning integer,"
    " tokens_cache_read integer, tokens_cache_write integer, kind text NOT NULL, agent text NOT NULL, model text,"
    " provider text, tool text, status text NOT NULL, error_class text, span_id text NOT NULL, message_id text,"
    " session_id text NOT NULL, parent_session_id text);"
    "CREATE INDEX ev_ts ON events(ts_start_ms);"
    "CREATE INDEX ev_agent_ts ON events(agent, ts_start_ms);";

// postgresql.conf additions of ../shared/baselines.md.
const std::vector<std::string> kPgSettings = {
    "shared_buffers = 2GB", "synchronous_commit = on", "fsync = on", "full_page_writes = on", "wal_level = minimal",
    "max_wal_senders = 0", "max_wal_size = 20GB", "checkpoint_timeout = 30min", "maintenance_work_mem = 1GB",
    "work_mem = 256MB", "effective_cache_size = 16GB", "max_worker_processes = 4", "max_parallel_workers = 2",
    "max_parallel_workers_per_gather = 2", "max_parallel_maintenance_workers = 2", "random_page_cost = 1.1",
    "logging_collector = off", "log_min_messages = warning"};

class PgConn {
 public:
  PgConn() = default;
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;
  ~PgConn() { Close(); }
  void Close() {
    if (c_ != nullptr) PQfinish(c_);
    c_ = nullptr;
  }
  Status Connect(const std::string& conninfo) {
    if (c_ != nullptr) PQfinish(c_);
    c_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(c_) != CONNECTION_OK) return Status::Unavailable(fmt::format("postgres: {}", PQerrorMessage(c_)));
    return Status::OK();
  }
  Status Exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    ExecStatusType s = PQresultStatus(r);
    Status st = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK
                    ? Status::OK()
                    : Status::Internal(fmt::format("postgres: {}: {}", PQerrorMessage(c_), sql.substr(0, 120)));
    PQclear(r);
    return st;
  }
  Status Query(const std::string& sql, size_t key_columns, bool ordered, Table* out) {
    PGresult* r = PQexec(c_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      Status st = Status::Internal(fmt::format("postgres: {}", PQerrorMessage(c_)));
      PQclear(r);
      return st;
    }
    const int rows = PQntuples(r), cols = PQnfields(r);
    for (int i = 0; i < rows; ++i) {
      std::vector<std::string> key;
      if (ordered) key.push_back(fmt::format("{:03}", i));
      for (int c = 0; c < static_cast<int>(key_columns); ++c) key.emplace_back(PQgetisnull(r, i, c) ? "" : PQgetvalue(r, i, c));
      std::vector<double> vals;
      for (int c = static_cast<int>(key_columns); c < cols; ++c) {
        vals.push_back(PQgetisnull(r, i, c) ? kNaN : std::strtod(PQgetvalue(r, i, c), nullptr));
      }
      (*out)[std::move(key)] = std::move(vals);
    }
    PQclear(r);
    return Status::OK();
  }
  // One COPY ... FROM STDIN of a text buffer (its own transaction).
  Status Copy(const std::string& rows) {
    PGresult* r = PQexec(c_, fmt::format("COPY events({}) FROM STDIN", Workload::kSqlColumns).c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) {
      PQclear(r);
      return Status::Internal(fmt::format("postgres: COPY: {}", PQerrorMessage(c_)));
    }
    PQclear(r);
    constexpr size_t kChunk = 1 << 20;
    for (size_t off = 0; off < rows.size(); off += kChunk) {
      int n = static_cast<int>(std::min(kChunk, rows.size() - off));
      if (PQputCopyData(c_, rows.data() + off, n) != 1) {
        return Status::Internal(fmt::format("postgres: COPY data: {}", PQerrorMessage(c_)));
      }
    }
    if (PQputCopyEnd(c_, nullptr) != 1) return Status::Internal(fmt::format("postgres: COPY end: {}", PQerrorMessage(c_)));
    Status st;
    while ((r = PQgetResult(c_)) != nullptr) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK) st = Status::Internal(fmt::format("postgres: COPY: {}", PQerrorMessage(c_)));
      PQclear(r);
    }
    return st;
  }
  std::string Scalar(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    std::string v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return v;
  }

 private:
  PGconn* c_ = nullptr;
};

EngineResult RunPostgres(const StoreBenchOptions& o, const DataSet& data, const std::vector<QueryDef>& queries) {
  EngineResult res;
  res.engine = "postgres";
  std::string why;
  if (!PgCluster::Available(PgCluster::DefaultBinDir(), &why)) {
    res.skipped = why;
    return res;
  }
  PgClusterOptions po;
  po.parent_dir = o.data_dir;
  po.settings = kPgSettings;
  PgCluster cluster(po);
  Progress("postgres: initdb and start a throwaway cluster");
  Status st = cluster.Start();
  if (!st.ok()) {
    res.error = st.ToString();
    return res;
  }
  res.ran = true;
  PgConn admin;
  st = admin.Connect(cluster.ConnInfo("postgres"));
  if (st.ok()) st = admin.Exec("CREATE DATABASE bench");
  PgConn conn;
  if (st.ok()) st = conn.Connect(cluster.ConnInfo("bench"));
  if (st.ok()) st = conn.Exec(kPgSchema);
  std::string version = conn.Scalar("SHOW server_version");
  if (!st.ok()) {
    res.error = st.ToString();
    return res;
  }
  Progress(fmt::format("postgres {}: rendering COPY batches of {} rows", version, o.sql_batch));
  std::vector<std::string> batches;
  for (size_t i = 0; i < data.spans.size(); i += o.sql_batch) {
    std::string b;
    size_t end = std::min(data.spans.size(), i + o.sql_batch);
    b.reserve((end - i) * 260);
    for (size_t k = i; k < end; ++k) Workload::AppendCopyText(data.spans[k], &b);
    batches.push_back(std::move(b));
  }
  Progress("postgres: COPY (synchronous_commit=on, one transaction per batch, indexes present)");
  int64_t t0 = MonotonicNanos();
  for (size_t i = 0; i < batches.size() && st.ok(); ++i) {
    st = conn.Copy(batches[i]);
    if (batches.size() >= 20 && (i + 1) % (batches.size() / 10) == 0) {
      Progress(fmt::format("postgres: {}%", (i + 1) * 100 / batches.size()));
    }
  }
  res.ingest_s = Seconds(t0);
  batches.clear();
  batches.shrink_to_fit();
  if (!st.ok()) {
    res.error = st.ToString();
    return res;
  }
  res.events = std::strtoull(conn.Scalar("SELECT count(*) FROM events").c_str(), nullptr, 10);
  res.events_per_s = static_cast<double>(data.spans.size()) / res.ingest_s;
  int64_t c0 = MonotonicNanos();
  st = conn.Exec("CHECKPOINT");
  double checkpoint_s = Seconds(c0);
  int64_t v0 = MonotonicNanos();
  if (st.ok()) st = conn.Exec("VACUUM ANALYZE events");
  double vacuum_s = Seconds(v0);
  // The baseline's fix for (d): expression statistics, so the planner picks a hash aggregate.
  if (st.ok()) st = conn.Exec("CREATE STATISTICS ev_model_day ON model, (ts_start_ms / 86400000) FROM events");
  if (st.ok()) st = conn.Exec("ANALYZE events");
  if (!st.ok()) {
    res.error = st.ToString();
    return res;
  }
  auto num = [&](const char* sql) { return std::strtoull(conn.Scalar(sql).c_str(), nullptr, 10); };
  uint64_t total = num("SELECT pg_total_relation_size('events')");
  uint64_t heap = num("SELECT pg_relation_size('events')");
  uint64_t indexes = num("SELECT pg_indexes_size('events')");
  uint64_t database = num("SELECT pg_database_size('bench')");
  uint64_t wal = UsageOf(cluster.data_dir() + "/pg_wal").bytes;
  res.file_bytes = total;
  Progress(fmt::format("postgres: {:.0f} events/s, {} bytes (table + indexes); restart for the cold run",
                       res.events_per_s, total));
  // Cold: restart (empties shared_buffers) and drop the files from the page cache.
  st = cluster.Restart();
  if (st.ok()) {
    EvictFromPageCache(cluster.data_dir());
    st = conn.Connect(cluster.ConnInfo("bench"));
  }
  if (!st.ok()) {
    res.error = st.ToString();
    return res;
  }
  for (const QueryDef& q : queries) {
    QueryRun r = TimeQuery([&](Table* out) { return conn.Query(q.postgres, q.key_columns, q.ordered, out); },
                           o.warm_runs);
    // Exact ranks for the percentile queries (untimed): the timed
    // percentile_disc answer must equal the element at ceil(q n) - 1, and
    // agentperf's must be within 1 % of the element at floor(q (n - 1)).
    if (!q.pg_check.empty() && r.error.empty()) {
      Table check;
      Status cs = conn.Query(q.pg_check, q.key_columns, false, &check);
      if (!cs.ok()) {
        r.error = cs.ToString();
      } else {
        Table floor_rank, disc_rank;
        for (const auto& [k, v] : check) {
          std::vector<double> f{v[0]}, d{v[0]};
          for (size_t i = 1; i + 1 < v.size(); i += 2) {
            f.push_back(v[i]);
            d.push_back(v[i + 1]);
          }
          floor_rank[k] = f;
          disc_rank[k] = d;
        }
        std::string why_disc;
        bool disc_ok = SameAnswer(disc_rank, r.answer, std::vector<Tol>(8, Tol::kExact), &why_disc);
        r.answer = std::move(floor_rank);  // compared with agentperf below
        if (!disc_ok) {
          r.answers_match = false;
          r.mismatch = "percentile_disc vs exact rank: " + why_disc;
        }
      }
    }
    res.queries.push_back(std::move(r));
  }
  const uint64_t batch = o.sql_batch;
  res.extra = [=](JsonWriter& w) {
    w.Field("version", version);
    w.Field("durability", "synchronous_commit=on, fsync=on");
    w.Field("rows_per_copy", batch);
    w.Field("checkpoint_s", Round(checkpoint_s, 3));
    w.Field("vacuum_analyze_s", Round(vacuum_s, 3));
    w.Field("table_bytes", heap);
    w.Field("index_bytes", indexes);
    w.Field("database_bytes", database);
    w.Field("wal_bytes", wal);
    w.Field("bytes_measure", "pg_total_relation_size('events'): heap + indexes + toast");
    w.Field("query_settings", "after pg_ctl restart and page-cache eviction; parallel query (2 workers), JIT default");
  };
  conn.Close();
  admin.Close();
  cluster.Stop();
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
  auto shared = FindSharedDir(o.shared_dir);
  if (!shared.ok()) {
    fmt::print(stderr, "agentperf: error: {}\n", shared.status().message());
    return 1;
  }
  auto trace = TokenTrace::Load(TokenTracePath(*shared));
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
  Progress(fmt::format("generating {} events (seed {}, token sizes from {})", o.events, o.seed, TokenTracePath(*shared)));
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
