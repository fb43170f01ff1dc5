// Internal to `agentperf bench store` (bench/store_bench*.cc): the four
// queries and their engine-neutral answers, timing, disk usage, the data set
// and per-engine results, shared by the agentperf runner (store_bench.cc) and
// the SQLite and PostgreSQL runners (store_bench_sql.cc).
//
// Thread-safety: plain functions and value types; call from one thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/store_bench.h"
#include "bench/workload.h"
#include "core/json_writer.h"
#include "core/status.h"

namespace agentperf::bench::store_bench {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kHourMs = 3600000;
constexpr int64_t kDayMs = 86400000;

void Progress(const std::string& msg);

// Seconds since t0_ns (a MonotonicNanos() reading).
double Seconds(int64_t t0_ns);
// v rounded to `digits` decimal places (a clean decimal in the JSON).
double Round(double v, int digits);

// ---- result tables and their comparison ----

// A query's answer, engine-neutral: key (label values, bucket number; for
// ordered answers the rank first) -> values.
using Table = std::map<std::vector<std::string>, std::vector<double>>;

enum class Tol : uint8_t {
  kExact,     // counts, maxima: equal
  kRate,      // ratios: 1e-9 relative
  kQuantile,  // agentperf's sketch vs an exact order statistic: 1 % relative (the sketch promises 0.5 %)
};

bool Close(double got, double want, Tol tol);

// Compares `got` with `want` column by column; the first difference goes to *why.
bool SameAnswer(const Table& want, const Table& got, const std::vector<Tol>& tols, std::string* why);

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
std::vector<QueryDef> MakeQueries(int64_t last24_from_ms);

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
QueryRun TimeQuery(const std::function<Status(Table*)>& once, int warm);

// ---- files ----

struct DirUsage {
  uint64_t bytes = 0;       // sum of file sizes
  uint64_t allocated = 0;   // blocks on disk
};

DirUsage UsageOf(const std::string& path);

// Drops a file's (or a tree's) pages from the OS cache: the "cold" run.
void EvictFromPageCache(const std::string& path);

// VmRSS / VmHWM of a process, bytes.
uint64_t ProcStatusBytes(pid_t pid, const char* key);

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

// ---- competitors (store_bench_sql.cc) ----

// Loads the data set into a new SQLite database under `scratch` and runs the queries.
EngineResult RunSqlite(const StoreBenchOptions& o, const DataSet& data, const std::vector<QueryDef>& queries,
                       const std::string& scratch);
// The same into a throwaway PostgreSQL 15 cluster (skipped when its binaries are missing).
EngineResult RunPostgres(const StoreBenchOptions& o, const DataSet& data, const std::vector<QueryDef>& queries);

}  // namespace agentperf::bench::store_bench
