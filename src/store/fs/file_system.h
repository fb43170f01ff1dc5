// FileSystem: the one interface through which agentperf touches files.
//
// Every byte the store writes or reads goes through a FileSystem, so tests can
// swap in FaultInjectingFileSystem (torn writes, failing fsync, disk full) and
// check that nothing acknowledged is lost. Paths are plain strings; directories
// are separated by '/'.
//
// Thread-safety: a FileSystem may be used from many threads. A file object
// (WritableFile, SequentialFile, RandomAccessFile) is used by one thread at a
// time unless stated otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace agentperf::fs {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  // Cuts the file to `size` bytes (used to drop a torn tail after a failed write).
  virtual Status Truncate(uint64_t size) = 0;
  virtual Status Close() = 0;
  // Bytes appended so far (including unsynced ones).
  virtual uint64_t Size() const = 0;
};

class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into scratch; *result views the bytes read (empty at EOF).
  virtual Status Read(size_t n, std::string_view* result, char* scratch) = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Thread-safe: concurrent reads are allowed.
  virtual Status Read(uint64_t offset, size_t n, std::string_view* result, char* scratch) const = 0;
  virtual uint64_t Size() const = 0;
};

// An exclusive advisory lock on a file; released when destroyed (or when the
// process dies).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates or truncates `path` for writing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, unsorted, without "." and "..".
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // Creates the directory and its parents; OK if it exists.
  virtual Status CreateDirs(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (rename(2)).
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Makes directory entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // Takes an exclusive lock; fails with FailedPrecondition if another process holds it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
};

// The process-wide POSIX implementation. Never null; never destroyed.
FileSystem* DefaultFileSystem();

// Helpers built on the interface.
Status ReadFileToString(FileSystem* fs, const std::string& path, std::string* out);
// Writes data to path via a temporary file, fsync, rename, directory fsync.
Status WriteFileAtomically(FileSystem* fs, const std::string& path, std::string_view data);
std::string JoinPath(std::string_view dir, std::string_view name);
std::string DirName(std::string_view path);

}  // namespace agentperf::fs
