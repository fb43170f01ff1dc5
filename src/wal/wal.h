// Wal: the write-ahead log. Records are queued by any thread, written by one
// background thread in groups (one write + one fdatasync per group: group
// commit), and acknowledged only once durable.
//
// Open() first replays every existing segment (in order, calling the replay
// function for each valid record), quarantines corruption, then starts a new
// segment: a process never appends to an old segment. After a failed write or
// fsync the group's records are reported failed, the segment is cut back to
// its last durable record, and writing goes on in a fresh segment, so a
// transient fault (EIO, disk full) costs only the batches that hit it.
//
// Backpressure: before each group the WAL thread waits while the in-memory
// heads hold more than the process allows (core/ingest_backpressure.h; off
// unless `agentperf serve` sets a limit).
//
// Thread-safety: Submit() and the accessors may be called from any thread.
// Callbacks run on the WAL thread, one at a time, in submission order; they
// must not call Submit() synchronously-waiting on its own result.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "store/fs/file_system.h"
#include "wal/log_format.h"

namespace agentperf::wal {

struct WalOptions {
  fs::FileSystem* fs = nullptr;  // REQUIRES: non-null, outlives the Wal
  std::string dir;               // e.g. DATA_DIR/wal
  uint64_t segment_bytes = uint64_t{64} << 20;
  // Submit() refuses new records while this many payload bytes are queued.
  uint64_t max_queued_bytes = uint64_t{256} << 20;
  // Sequence numbers below this are never handed out (the store's manifest
  // says records up to min_next_seq - 1 are in segments, even if every WAL
  // file holding them is gone).
  uint64_t min_next_seq = 1;
};

struct SegmentReport {
  uint64_t segment_no = 0;
  std::string file;
  uint64_t bytes = 0;
  uint64_t records = 0;
  uint64_t valid_bytes = 0;
  uint64_t last_seq = 0;  // of its last valid record (0 if none)
  TailState tail = TailState::kClean;
  uint64_t bad_offset = 0;
  std::string reason;
};

struct ReplayReport {
  std::vector<SegmentReport> segments;
  uint64_t records = 0;
  uint64_t last_seq = 0;
  bool corrupt = false;
  std::string quarantine_dir;  // set when corrupt segments were moved aside
  uint64_t torn_tails() const;
};

struct WalStats {
  uint64_t segments = 0;        // live segment files
  uint64_t bytes = 0;           // bytes in live segment files
  uint64_t current_segment = 0;
  uint64_t last_seq = 0;        // last sequence number made durable
  uint64_t records_written = 0; // since open
  uint64_t groups = 0;          // group commits (fsyncs) since open
  uint64_t failed_groups = 0;
  uint64_t queued_bytes = 0;
  uint64_t queued_records = 0;
  // Where the WAL thread's time goes (nanoseconds since open).
  uint64_t write_ns = 0;     // write(2) of group frames
  uint64_t sync_ns = 0;      // fdatasync
  uint64_t callback_ns = 0;  // completion callbacks (the store applies batches there)
  std::string last_error;
};

using ReplayFn = std::function<Status(uint64_t seq, std::string_view payload)>;
using DoneFn = std::function<void(const Status& status, uint64_t seq)>;

// Reads every segment of `dir` without changing anything (for verify).
// `fn` may be null. Reads like replay does: each segment up to its first
// corrupt frame, then on with the next segment.
Status ScanWal(fs::FileSystem* fs, const std::string& dir, const ReplayFn& fn, ReplayReport* report);

class Wal {
 public:
  static Result<std::unique_ptr<Wal>> Open(const WalOptions& options, const ReplayFn& replay, ReplayReport* report);
  ~Wal();  // drains the queue (every queued record gets its callback), then stops
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Queues one record. On OK, `done` will be called exactly once. Returns
  // ResourceExhausted (queue full) or Unavailable (closing) without queueing.
  Status Submit(std::string payload, DoneFn done);

  WalStats Stats() const;

  // Asks the WAL thread to close the current segment before it writes the
  // next group (so that the records before can be removed as a whole).
  void RequestRotation();
  // Removes every closed segment whose records all have sequence numbers
  // <= seq (they are held by flushed segments). Returns how many.
  Result<uint64_t> RemoveSegmentsThrough(uint64_t seq);

 private:
  struct Pending {
    std::string payload;
    DoneFn done;
  };
  explicit Wal(const WalOptions& options);
  void Run();
  Status EnsureSegment();  // called on the WAL thread
  Status StartSegment(uint64_t segment_no);
  void CommitGroup(std::vector<Pending>* group);
  void CloseSegment(uint64_t bytes);  // WAL thread; `bytes`: the file's final size
  void UpdateSizeStats();  // REQUIRES mu_ held

  WalOptions options_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;  // guarded by mu_
  uint64_t queued_bytes_ = 0;   // guarded by mu_
  bool closing_ = false;        // guarded by mu_
  std::atomic<bool> closing_flag_{false};  // closing_, readable without mu_
  bool rotate_ = false;         // guarded by mu_
  // Closed segments still on disk: number -> (last sequence number, bytes).
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> closed_;  // guarded by mu_
  WalStats stats_;              // guarded by mu_ (copied out by Stats())

  // Owned by the WAL thread (and Open before it starts).
  std::unique_ptr<fs::WritableFile> file_;
  uint64_t segment_no_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t segment_last_seq_ = 0;  // of the current segment
  uint64_t current_bytes_ = 0;     // of the current segment; guarded by mu_ (written by the WAL thread)
  bool current_open_ = false;      // guarded by mu_
  std::string group_buf_;
  std::atomic<uint64_t> write_ns_{0};
  std::atomic<uint64_t> sync_ns_{0};
  std::atomic<uint64_t> callback_ns_{0};
};

}  // namespace agentperf::wal
