// `agentperf bench ingest`: durable ingest throughput and acknowledgement
// latency, (1) in-process (JSON decode + WAL group commit + head), (2) over
// HTTP against a child `agentperf serve` with concurrent clients, and (3)
// SQLite 3 with the same events and equal durability (WAL mode,
// synchronous=FULL, one transaction per batch, indexes on time and
// agent+time) as the competitor. Prints one JSON line per run and the ratio.
#pragma once

#include <cstdint>
#include <string>

namespace agentperf::bench {

struct IngestBenchOptions {
  bool json = false;
  uint64_t events = 1000000;
  size_t batch = 5000;          // events per batch for the throughput runs
  size_t latency_batch = 500;   // events per request for the HTTP latency run
  int clients = 4;
  int threads = 2;
  std::string dir;
  std::string only;  // "", "inprocess", "store", "http", "sqlite"
};

int RunIngestBench(const IngestBenchOptions& options);

}  // namespace agentperf::bench
