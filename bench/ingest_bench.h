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
  size_t batch = 5000;
  int clients = 4;
  int threads = 2;
  std::string dir;
  std::string only;  // "", "inprocess", "http", "sqlite"
};

int RunIngestBench(const IngestBenchOptions& options);

}  // namespace agentperf::bench
