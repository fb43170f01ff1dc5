// The two places a CLI command can send the events it builds (importer,
// watcher): the embedded store of --data, or a running server's
// POST /v1/events (--server), in slices under the server's per-request limit.
// Thread-safety: one sink per command, used from one thread.
#pragma once

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

class ServerSink final : public ingest::opencode::EventSink {
 public:
  explicit ServerSink(net::HttpClient* c) : client_(c) {}
  Result<store::AppendResult> Send(event::EventBatch batch) override;

 private:
  net::HttpClient* client_;
};

}  // namespace agentperf::cli
