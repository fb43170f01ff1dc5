// DbReader: reads OpenCode's opencode.db (>= 1.2; schema in
// ../shared/opencode/samples/db-schema.sql) read-only while OpenCode may be
// running and writing it (WAL mode).
//
// Open: sqlite3_open_v2("file:<path>?mode=ro", READONLY|URI|NOMUTEX), never
// immutable=1 (unsafe while OpenCode writes); PRAGMA query_only=1,
// busy_timeout=5000; then BEGIN and one first read, so that every query of the
// reader's life sees one consistent snapshot (under WAL this blocks no
// writer; it only delays checkpoints). The snapshot ends when the reader is
// destroyed.
//
// Rows whose `data` JSON does not parse are counted in RowStats (the first
// id kept) and skipped; they never stop the import.
//
// A full scan parses rows on `parse_threads` threads (the calling one and
// helpers it starts and joins; RowParsePool); everything else runs on the
// calling thread.
//
// Thread-safety: not thread-safe; one thread uses a reader.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "ingest/opencode/objects.h"
#include "ingest/opencode/span_builder.h"

struct sqlite3;

namespace agentperf::ingest::opencode {

struct RowStats {
  uint64_t sessions = 0, messages = 0, parts = 0;
  uint64_t bad = 0;
  std::string first_bad;  // "part prt_...: bad JSON: ..."
  void Bad(std::string_view table, std::string_view id, std::string_view why);
};

class DbReader {
 public:
  // NotFound if the file does not exist; Unavailable if SQLite cannot open
  // it read-only (e.g. a WAL database whose -shm cannot be created).
  static Result<std::unique_ptr<DbReader>> Open(const std::string& path);
  ~DbReader();
  DbReader(const DbReader&) = delete;
  DbReader& operator=(const DbReader&) = delete;

  // Threads that parse rows in a full scan (>= 1; default: the machine's
  // cores, at most 4) and the bytes of JSON per chunk handed to them.
  void SetParseThreads(int n) { parse_helpers_ = n > 1 ? n - 1 : 0; }
  void SetChunkBytes(size_t n) { chunk_bytes_ = n; }

  Result<uint64_t> CountSessions();
  // Sessions with time_updated > after_ms (all when after_ms < 0) or whose id
  // is in `also`, oldest update first.
  Status ReadSessions(int64_t after_ms, const std::vector<std::string>& also, std::vector<SessionInfo>* out,
                      RowStats* stats);
  // Loads the messages and parts of `sessions` and calls fn once per session,
  // in the given order. full_scan: one scan of each table (for many
  // sessions); otherwise indexed lookups per session.
  Status ForEachUnit(std::vector<SessionInfo> sessions, bool full_scan, const std::function<Status(SessionUnit*)>& fn,
                     RowStats* stats);

 private:
  DbReader() = default;
  Status Exec(const char* sql);
  // Runs a `SELECT id, session_id, data FROM message ...` (or the part
  // query) and hands every parsed row to `add`.
  Status ScanMessages(const char* sql, const std::string* session_id, const std::function<void(MessageInfo&&)>& add,
                      RowStats* stats);
  Status ScanParts(const char* sql, const std::string* session_id, const std::function<void(PartInfo&&)>& add,
                   RowStats* stats);

  sqlite3* db_ = nullptr;
  bool in_txn_ = false;
  int parse_helpers_ = 0;  // set by Open
  size_t chunk_bytes_ = size_t{1} << 20;
  ObjectParser parser_;
};

}  // namespace agentperf::ingest::opencode
