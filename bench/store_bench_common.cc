// Shared pieces of `agentperf bench store` (store_bench_common.h).
#include "bench/store_bench_common.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <simdjson.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/pg_cluster.h"
#include "bench/workload.h"
#include "core/clock.h"
#include "core/json_writer.h"

namespace agentperf::bench::store_bench {

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

}  // namespace agentperf::bench::store_bench
