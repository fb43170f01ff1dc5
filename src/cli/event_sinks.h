// The places a CLI command can send the events it builds (importer,
// watcher): the embedded store of --data (LocalSink; BulkLocalSink for the
// importer), or a running server's POST /v1/events (--server), in slices
// under the server's per-request limit.
// Thread-safety: one sink per command, used from one thread (BulkLocalSink's
// store callbacks run on the store's applier thread; it synchronizes them).
#pragma once

#include <condition_variable>
#include <mutex>

#include "store/embedded_store.h"
#include "ingest/opencode/importer.h"
#include "net/http_client.h"
#include "store/store.h"

namespace agentperf::cli {

class LocalSink final : public ingest::opencode::EventSink {
 public:
  explicit LocalSink(store::Store* s) : store_(s) {}
  Result<store::AppendResult> Send(event::EventBatch batch) override { return store_->Append(std::move(batch)); }
  Status Finish() override { return store_->Flush(); }

 private:
  store::Store* store_;
};

// The importer's sink for --data: batches are applied to the store's head
// without the WAL (EmbeddedStore::AppendUnloggedAsync), at most kMaxInFlight
// at a time, so that building spans and applying them overlap. Finish()
// waits for them and flushes the head into segments (FlushHeadSplit on
// the store's flush_threads): only then are they durable, and only then does
// the importer save its cursor. A crash before loses the batches and the
// cursor alike; the next import reads them again.
class BulkLocalSink final : public ingest::opencode::EventSink {
 public:
  static constexpr int kMaxInFlight = 4;
  explicit BulkLocalSink(store::EmbeddedStore* s) : store_(s) {}
  ~BulkLocalSink() override;
  Result<store::AppendResult> Send(event::EventBatch batch) override;
  Status Finish() override;
  store::AppendResult Deferred() const override;

 private:
  store::EmbeddedStore* store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;             // guarded by mu_
  Status error_;                  // the first failure; guarded by mu_
  store::AppendResult counts_;    // guarded by mu_
};

class ServerSink final : public ingest::opencode::EventSink {
 public:
  explicit ServerSink(net::HttpClient* c) : client_(c) {}
  Result<store::AppendResult> Send(event::EventBatch batch) override;

 private:
  net::HttpClient* client_;
};

}  // namespace agentperf::cli
