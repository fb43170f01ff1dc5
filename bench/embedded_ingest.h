// The embedded (in-process) ingest run of `bench store`: the same spans
// appended to an agentperf EmbeddedStore opened in the benchmark process —
// the like-for-like counterpart of SQLite, which is also embedded and fed
// from memory through prepared statements. Timed from the first conversion
// (Span -> event, what binding is for SQLite) until every batch is durable
// (acknowledged after the WAL's fsync); the flush of the heads into
// segments that follows is timed apart.
//
// Thread-safety: a plain function; call from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/workload.h"

namespace agentperf::bench {

struct EmbeddedIngestResult {
  std::string error;         // empty on success
  uint64_t events = 0;       // events the store holds afterwards
  double ingest_s = 0;       // until every batch was acknowledged (durable)
  double events_per_s = 0;   // events / ingest_s
  double flush_s = 0;        // then Flush(): heads -> segments
};

// Appends `spans` in batches of `batch` (at most `window` batches in flight)
// to a new store in `dir`, which is removed afterwards unless `keep`.
EmbeddedIngestResult RunEmbeddedIngest(const std::vector<Span>& spans, size_t batch, int window,
                                       const std::string& dir, bool keep);

}  // namespace agentperf::bench
