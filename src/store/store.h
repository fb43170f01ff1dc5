// Store: the interface every storage backend implements (the embedded store
// now; PostgreSQL later). It takes validated event batches, makes them
// durable, and answers queries.
//
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "event/event.h"
#include "event/json_decoder.h"
#include "query/result.h"
#include "query/spec.h"
#include "store/event_scan.h"

namespace agentperf::store {

struct AppendResult {
  uint64_t accepted = 0;    // new events stored
  uint64_t duplicates = 0;  // events whose id was already stored
};

// Called exactly once per AppendAsync, possibly on another thread, possibly
// before AppendAsync returns. On error nothing of the batch is visible.
// `err` (may be null) locates an input error (cardinality guard).
using AppendCallback = std::function<void(const Result<AppendResult>& result, const event::DecodeError* err)>;

class Store {
 public:
  virtual ~Store() = default;

  // Stores a validated batch, all or nothing, and calls `done` once it is
  // durable. Errors: InvalidArgument (a label would pass its cardinality
  // limit), ResourceExhausted/Unavailable (overload, disk full, I/O error).
  virtual void AppendAsync(event::EventBatch batch, AppendCallback done) = 0;

  // Blocking form of AppendAsync.
  Result<AppendResult> Append(event::EventBatch batch, event::DecodeError* err = nullptr);

  virtual Result<query::QueryResult> Query(const query::QuerySpec& spec) = 0;

  // Distinct values of a label among events starting in [from_us, to_us), sorted.
  virtual Result<std::vector<std::string>> LabelValues(const query::Label& label, int64_t from_us, int64_t to_us,
                                                       size_t limit) = 0;

  // Statistics for GET /v1/status, as a JSON object.
  virtual std::string StatsJson() = 0;

  // Checks the store's persistent data (checksums, formats) without changing
  // it. Returns a JSON object with at least "ok" (bool), "problems" (array of
  // strings) and "text" (a human-readable report).
  virtual Result<std::string> Verify() = 0;

  // Reads the stored events matching `filter` back whole (every field and
  // attribute), in batches valid only during the call, each event once, in
  // no particular order; an error from fn stops the scan and is returned.
  // Used by the analysis engine where rollups cannot answer (the time
  // decomposition needs span attributes). Backends that cannot: FailedPrecondition.
  virtual Status Scan(const ScanFilter& filter, const std::function<Status(const event::EventBatch&)>& fn) {
    return Status::FailedPrecondition("this store cannot read events back");
  }

  // Makes everything ingested so far part of the store's long-term storage
  // (the embedded store: flushes its in-memory head into segments) and
  // returns when done. Backends without such a step return OK at once.
  virtual Status Flush() { return Status::OK(); }
};

}  // namespace agentperf::store
