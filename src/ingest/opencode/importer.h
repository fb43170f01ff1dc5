// Import of OpenCode's history (docs/import.md): reads an opencode.db (or a
// legacy storage/ tree) through DbReader / the legacy reader, maps every
// session through SpanBuilder, and sends the events in batches to an
// EventSink (the local store, or a server). Idempotent: every span has a
// stable id, so importing twice stores nothing new. Incremental for
// databases: a cursor (import_cursor.h) remembers the newest
// session.time_updated sent and the sessions that were not settled yet.
//
// Thread-safety: RunImport is a blocking call on one thread; the sink and the
// progress callback are called on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "event/event.h"
#include "ingest/opencode/db_reader.h"
#include "ingest/opencode/span_builder.h"
#include "store/store.h"

namespace agentperf::ingest::opencode {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Stores one batch (durably) and says how many events were new. An
  // asynchronous sink may return before the batch is stored (counts 0) and
  // report its counts in Deferred(); it then stores durably by Finish().
  virtual Result<store::AppendResult> Send(event::EventBatch batch) = 0;
  // After the last batch (e.g. flush the local store). Everything sent is
  // durable once it returns OK.
  virtual Status Finish() { return Status::OK(); }
  // Counts of the batches Send did not count (final once Finish returned OK).
  virtual store::AppendResult Deferred() const { return {}; }
};

struct ImportOptions {
  std::string db_path;      // an opencode.db, or
  std::string storage_dir;  // a legacy storage/ tree
  std::string cursor_path;  // where the cursor lives; empty = no cursor (everything, every time)
  int64_t now_ms = 0;
  int64_t settle_ms = 30000;
  size_t batch_events = 5000;
};

struct ImportProgress {
  uint64_t sessions_done = 0;
  uint64_t sessions_total = 0;
  uint64_t events = 0;
};

struct ImportSummary {
  std::string source;  // "db" or "storage"
  std::string path;
  std::vector<std::string> versions;  // OpenCode versions of the sessions read
  bool incremental = false;           // a cursor limited what was read
  uint64_t sessions_total = 0;        // in the database
  uint64_t sessions_scanned = 0, sessions_imported = 0, sessions_unsettled = 0, sessions_skipped_active = 0;
  RowStats rows;
  BuildCounts built;
  uint64_t events = 0, accepted = 0, duplicates = 0;
  int64_t elapsed_ms = 0;
  std::vector<std::string> warnings;

  std::string ToJson() const;
  std::string ToText() const;
};

Result<ImportSummary> RunImport(const ImportOptions& options, EventSink* sink,
                                const std::function<void(const ImportProgress&)>& progress);

}  // namespace agentperf::ingest::opencode
