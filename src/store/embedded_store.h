// EmbeddedStore: the local, single-process Store. Batches go to the WAL
// (group commit, fsync) and, once durable, into the in-memory columnar head.
// When the head is large enough it is frozen and a background thread flushes
// it into an immutable, compressed column segment (store/segment/); one
// manifest change makes the segment live, after which the WAL records it
// covers are deleted. Queries scan segments, frozen heads and the head.
//
// Data directory (docs/format/data-dir.md): LOCK (held while open), VERSION,
// MANIFEST, segments/, wal/. Only one process may open it at a time.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/serial_executor.h"
#include "event/fields.h"
#include "store/cardinality_guard.h"
#include "store/compaction/planner.h"
#include "store/fs/file_system.h"
#include "store/head/head.h"
#include "store/manifest.h"
#include "store/segment/segment_reader.h"
#include "store/store.h"
#include "store/summary/head_rollup.h"
#include "store/summary/hour_rollup_cache.h"
#include "store/summary/segment_summary.h"
#include "wal/wal.h"

namespace agentperf::store {

struct EmbeddedStoreOptions {
  std::string data_dir;
  fs::FileSystem* fs = nullptr;  // null: the POSIX file system
  event::Limits limits;
  uint64_t wal_segment_bytes = uint64_t{64} << 20;
  uint64_t wal_max_queued_bytes = uint64_t{256} << 20;
  // The head is frozen and flushed into a segment once it holds this many
  // rows or this much memory. 0 rows: only by Flush() (no background
  // flusher; a failed Flush() leaves the head frozen until the next one).
  uint64_t flush_rows = 262144;
  uint64_t flush_bytes = uint64_t{64} << 20;
  // Ingest checks an event against flushed segments whose time range is
  // within this distance of its start (the same span reported by two
  // sources has nearly the same start time).
  int64_t dedup_window_us = int64_t{3600} * 1000000;
  // Compaction (merging small segments) and retention (dropping old
  // segments), run by the background flusher when it has nothing to flush
  // (and by Compact()).
  compaction::Policy compaction;
  // A flush writes a head of at least 2 × 32,768 rows as up to this many
  // segments (split by start time; FlushHeadSplit), encoded concurrently on
  // as many threads.
  int flush_threads = 1;
  // Memory for segment summaries' hour cells (HourRollupCache); their day
  // cells and session filters are always resident.
  uint64_t hour_rollup_cache_bytes = uint64_t{32} << 20;
};

class EmbeddedStore final : public Store {
 public:
  static Result<std::unique_ptr<EmbeddedStore>> Open(const EmbeddedStoreOptions& options);
  ~EmbeddedStore() override;

  void AppendAsync(event::EventBatch batch, AppendCallback done) override;
  Result<query::QueryResult> Query(const query::QuerySpec& spec) override;
  Result<std::vector<std::string>> LabelValues(const query::Label& label, int64_t from_us, int64_t to_us,
                                               size_t limit) override;
  // Bulk loading (embedded_store_bulk.cc; the OpenCode importer): applies
  // the batch to the head on the applier thread, in submission order with
  // AppendAsync's batches, WITHOUT writing it to the WAL, and calls `done`
  // (on the applier thread) once applied. Dedup and the cardinality guard
  // work as for AppendAsync. NOT durable: the events survive a crash only
  // once a later Flush() has returned OK; until then a crash loses them.
  void AppendUnloggedAsync(event::EventBatch batch, AppendCallback done);
  std::string StatsJson() override;
  Result<std::string> Verify() override;
  // ScanStoredEvents over this store's directory: segments and the WAL, so
  // events appended with AppendUnloggedAsync are seen only once flushed.
  Status Scan(const ScanFilter& filter, const std::function<Status(const event::EventBatch&)>& fn) override;
  Status Flush() override;
  // Runs compaction and retention steps until the policy has nothing to do.
  Status Compact();

  const wal::ReplayReport& replay_report() const { return replay_; }
  // Events visible now (segments and heads).
  uint64_t events() const;
  uint64_t segments() const;
  // Calls fn with the id of every stored event (segments, then heads).
  Status ForEachId(const std::function<void(const Hash128&)>& fn) const;
  // For tests: the active head (valid until the next flush replaces it).
  const Head& head() const { return *Current()->head; }

 private:
  struct FrozenHead {
    std::shared_ptr<Head> head;
    std::shared_ptr<HeadRollup> rollup;
    uint64_t seq_min = 0, seq_max = 0;
  };
  // An immutable snapshot of what queries read.
  struct Version {
    std::vector<std::shared_ptr<segment::SegmentReader>> segments;
    // Segment number -> its summary (day rollup and session filters; the hour
    // rollup is in hour_rollups_); a segment without one is read raw.
    std::unordered_map<uint64_t, std::shared_ptr<const SegmentSummary>> summaries;
    std::vector<FrozenHead> frozen;  // oldest first
    std::shared_ptr<Head> head;
    std::shared_ptr<HeadRollup> head_rollup;  // the head's minute rollup
  };

  explicit EmbeddedStore(const EmbeddedStoreOptions& options);
  std::shared_ptr<const Version> Current() const;
  // Replaces the current version by a changed copy (atomically for readers).
  void Modify(const std::function<void(Version*)>& change);
  Status OpenSegments();
  Status ReplayRecord(uint64_t seq, std::string_view payload);
  // Applier thread (and replay): drops events already in frozen heads or
  // segments, applies the rest to the head, rotates it when full.
  ApplyResult ApplyDurable(uint64_t seq, const event::EventBatch& batch, std::vector<bool>* keep);
  void MaybeRotate(bool force);
  // Query of a top N by max(duration_ms) (scan_plan.h): largest blocks first.
  Result<query::QueryResult> QueryTopN(const Version& v, const query::QuerySpec& spec);
  void FlushLoop();
  // Flushes the oldest frozen head, as several segments written concurrently
  // when `threads` > 1 and the head is large (FlushHeadSplit). flush_mu_ held.
  Status FlushOldest(int threads = 1);
  // One compaction or retention step; *did = whether there was one. flush_mu_ held.
  Status CompactStep(bool* did);
  std::string SegmentsDir() const;
  // Writes a segment's summary file (failures logged: it is rebuilt at open).
  void SaveSummary(const SegmentSummary& s);
  // Moves a summary's hour rollup into hour_rollups_ (when `warm`; else
  // drops it: it is read back on demand) and returns what stays resident.
  std::shared_ptr<const SegmentSummary> Resident(std::shared_ptr<SegmentSummary> full, bool warm);

  EmbeddedStoreOptions options_;
  std::unique_ptr<HourRollupCache> hour_rollups_;
  std::unique_ptr<fs::FileLock> lock_;
  CardinalityGuard guard_;
  std::unique_ptr<SerialExecutor> applier_;  // applies durable batches in WAL order
  std::unique_ptr<wal::Wal> wal_;

  mutable std::mutex version_mu_;
  std::shared_ptr<const Version> version_;  // guarded by version_mu_

  std::mutex flush_mu_;  // one flush at a time; guards manifest_
  Manifest manifest_;
  std::thread flusher_;
  std::mutex flush_cv_mu_;
  std::condition_variable flush_cv_;
  bool stopping_ = false;  // guarded by flush_cv_mu_
  uint64_t head_seq_min_ = 0;  // WAL records applied to the head: applier thread (replay: Open)
  uint64_t head_seq_max_ = 0;

  std::atomic<uint64_t> inflight_bytes_{0};  // batches between AppendAsync and applied
  wal::ReplayReport replay_;
  uint64_t replay_skipped_ = 0;
  int64_t opened_us_ = 0;
  double replay_seconds_ = 0;
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> flush_failures_{0};
  std::atomic<double> flush_seconds_{0};
  std::string last_flush_error_;  // guarded by flush_mu_
  std::atomic<uint64_t> merges_{0};
  std::atomic<uint64_t> merged_inputs_{0};
  std::atomic<uint64_t> dropped_segments_{0};
  std::atomic<uint64_t> dropped_events_{0};
  std::atomic<uint64_t> compaction_failures_{0};
  std::string last_compaction_;  // guarded by flush_mu_
};

// Data directory layout helpers.
constexpr std::string_view kDataFormatVersion = "agentperf-data 2";
std::string WalDir(const std::string& data_dir);
std::string SegmentsDir(const std::string& data_dir);

}  // namespace agentperf::store
