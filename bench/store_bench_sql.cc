// `agentperf bench store`: the competitors, SQLite (embedded, prepared
// statements, batched transactions) and PostgreSQL 15 (COPY into a throwaway
// cluster), loaded with the same data set and asked the same queries.
#include "bench/store_bench_common.h"

#include "bench/sqlite_bind.h"
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

}  // namespace agentperf::bench::store_bench
