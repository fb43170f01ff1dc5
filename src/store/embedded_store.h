// EmbeddedStore: the local, single-process Store. Batches go to the WAL
// (group commit, fsync) and, once durable, into the in-memory columnar head;
// queries scan the head. On open, the WAL is replayed into the head.
//
// Data directory (docs/format/data-dir.md): LOCK (held while open), VERSION,
// wal/. Only one process may open a data directory at a time.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/serial_executor.h"
#include "event/fields.h"
#include "store/cardinality_guard.h"
#include "store/fs/file_system.h"
#include "store/head/head.h"
#include "store/store.h"
#include "wal/wal.h"

namespace agentperf::store {

struct EmbeddedStoreOptions {
  std::string data_dir;
  fs::FileSystem* fs = nullptr;  // null: the POSIX file system
  event::Limits limits;
  uint64_t wal_segment_bytes = uint64_t{64} << 20;
  uint64_t wal_max_queued_bytes = uint64_t{256} << 20;
};

class EmbeddedStore final : public Store {
 public:
  static Result<std::unique_ptr<EmbeddedStore>> Open(const EmbeddedStoreOptions& options);
  ~EmbeddedStore() override;

  void AppendAsync(event::EventBatch batch, AppendCallback done) override;
  Result<query::QueryResult> Query(const query::QuerySpec& spec) override;
  Result<std::vector<std::string>> LabelValues(const query::Label& label, int64_t from_us, int64_t to_us,
                                               size_t limit) override;
  std::string StatsJson() override;
  Result<std::string> Verify() override;

  const wal::ReplayReport& replay_report() const { return replay_; }
  const Head& head() const { return *head_; }

 private:
  explicit EmbeddedStore(const EmbeddedStoreOptions& options);

  EmbeddedStoreOptions options_;
  std::unique_ptr<fs::FileLock> lock_;
  std::unique_ptr<Head> head_;
  CardinalityGuard guard_;
  std::unique_ptr<SerialExecutor> applier_;  // applies durable batches in WAL order
  std::unique_ptr<wal::Wal> wal_;
  std::atomic<uint64_t> inflight_bytes_{0};  // batches between AppendAsync and applied
  wal::ReplayReport replay_;
  int64_t opened_us_ = 0;
  double replay_seconds_ = 0;
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> failed_{0};
};

// Data directory layout helpers.
constexpr std::string_view kDataFormatVersion = "agentperf-data 1";
std::string WalDir(const std::string& data_dir);

}  // namespace agentperf::store
