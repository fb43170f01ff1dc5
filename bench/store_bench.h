// `agentperf bench store`: the storage benchmark of the storage-engine issue.
// One realistic agent workload (bench/workload.h) is loaded, identically,
// into agentperf (a child `agentperf serve`, NDJSON over HTTP from a few
// client threads, each answer after fsync), SQLite (in-process, the
// ../shared/baselines.md settings: WAL, synchronous=FULL, 50k-row
// transactions, a prepared statement, indexes on time and agent+time created
// before the load) and PostgreSQL 15 (a throwaway cluster, COPY in 50k-row
// transactions with synchronous_commit=on, the same indexes). For each engine
// it prints, as JSON lines: the durable ingest rate, bytes on disk per event,
// and the cold and warm latency of four queries:
//   (a) p50/p95/p99 of duration per agent over all data;
//   (b) count and p95 per hour x agent x tool over the last 24 h (of data);
//   (c) the 10 slowest sessions (longest span) with their agent and model;
//   (d) error rate per model per day;
// whether each SQL engine's answers agree with agentperf's, then the ratios
// and which of the targets are met. docs/benchmarks.md explains it.
#pragma once

#include <cstdint>
#include <string>

namespace agentperf::bench {

struct StoreBenchOptions {
  uint64_t events = 1000000;
  bool json = false;           // JSON lines only (no summary table)
  std::string only;            // comma-separated subset of agentperf,embedded,sqlite,postgres ("" = all)
  std::string data_dir;        // parent of the scratch folders (default $TMPDIR or /tmp)
  std::string shared_dir;      // ../shared (default: AGENTPERF_SHARED_DIR, or found above the binary)
  uint64_t seed = 42;
  int clients = 3;             // HTTP client threads (agentperf)
  size_t batch = 5000;         // events per HTTP request
  size_t sql_batch = 50000;    // rows per SQLite transaction / PostgreSQL COPY
  int warm_runs = 5;           // warm runs per query (the median is reported)
  bool keep = false;           // keep the scratch folders (for inspection)
};

int RunStoreBench(const StoreBenchOptions& options);

}  // namespace agentperf::bench
