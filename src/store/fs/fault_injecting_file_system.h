// FaultInjectingFileSystem: a FileSystem wrapper for crash and fault tests.
//
// It passes every call to a base FileSystem and can, on demand:
//  - fail fsync (Sync) calls with EIO,
//  - run out of space: appends beyond a byte budget write only what fits and
//    then fail with ENOSPC (a short, torn write),
//  - "freeze" after a number of appended bytes, as if the machine lost power:
//    the append that crosses the point is cut short and every later mutating
//    call fails,
//  - simulate the crash itself: every file written through it is cut back to
//    the bytes that were synced, optionally keeping a random prefix of the
//    unsynced ones (a torn tail).
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <mutex>

#include "store/fs/file_system.h"

namespace agentperf::fs {

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem* base) : base_(base) {}

  // The next `n` Sync() calls fail (n < 0: every call until ClearFaults).
  void FailSyncs(int n) { fail_syncs_.store(n); }
  // Appends fail with ENOSPC once `bytes` more bytes have been appended.
  void SetSpaceLeft(uint64_t bytes);
  // Freezes (simulated power loss) once `bytes` more bytes have been appended.
  void FreezeAfter(uint64_t bytes);
  void ClearFaults();
  bool frozen() const { return frozen_.load(); }

  // Cuts every tracked file back to its synced length; with `torn`, keeps a
  // pseudo-random prefix (from `seed`) of the unsynced bytes. Clears faults.
  Status SimulateCrash(bool torn, uint64_t seed);

  uint64_t sync_calls() const { return sync_calls_.load(); }
  uint64_t failed_syncs() const { return failed_syncs_.load(); }

  // FileSystem:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    return base_->NewSequentialFile(path);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override { return base_->ListDir(dir); }
  Status CreateDirs(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& dir) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override { return base_->LockFile(path); }

 private:
  friend class FaultWritableFile;
  struct Tracked {
    uint64_t size = 0;
    uint64_t synced = 0;
  };
  // Called by files; return how many of `n` bytes may be written, and the error to report after.
  size_t AdmitAppend(size_t n, Status* after);
  Status CheckSync();
  Status CheckFrozen() const;
  void NoteAppend(const std::string& path, uint64_t new_size);
  void NoteSync(const std::string& path, uint64_t size);
  void NoteTruncate(const std::string& path, uint64_t size);

  FileSystem* base_;
  std::atomic<int> fail_syncs_{0};
  std::atomic<bool> frozen_{false};
  std::atomic<uint64_t> sync_calls_{0};
  std::atomic<uint64_t> failed_syncs_{0};
  std::mutex mu_;
  bool space_limited_ = false;       // guarded by mu_
  uint64_t space_left_ = 0;          // guarded by mu_
  bool freeze_armed_ = false;        // guarded by mu_
  uint64_t freeze_left_ = 0;         // guarded by mu_
  std::map<std::string, Tracked> files_;  // guarded by mu_
};

}  // namespace agentperf::fs
