// ImportCursor: how far an earlier import of one OpenCode database got, so
// the next import reads only sessions updated since (plus the unsettled ones
// it must look at again). Stored as a small JSON file:
//   {"version":1,"source":"db","path":"<realpath>","inode":123,
//    "max_time_updated":1795487571300,"unsettled":["ses_..."]}
// Where: with --data DIR, in the destination (DIR/import/opencode-<hash>.json,
// so deleting the store resets it); with --server URL, on the client under
// $XDG_STATE_HOME/agentperf/import/ keyed by URL and path (no server route
// yet). Losing the file only makes the next import send everything again;
// dedup by id absorbs that.
//
// Thread-safety: plain values and free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace agentperf::ingest::opencode {

struct ImportCursor {
  int version = 1;
  std::string source;                  // "db" or "storage"
  std::string path;                    // realpath of the database (or storage dir)
  uint64_t inode = 0;                  // a different inode (the database was replaced) resets the cursor
  int64_t max_time_updated = -1;       // db: session.time_updated; storage: file mtime in ms
  std::vector<std::string> unsettled;  // session ids to look at again

  std::string ToJson() const;
  static Result<ImportCursor> FromJson(std::string_view json);
};

// <data_dir>/import/opencode-<32 hex of hash(realpath)>.json
std::string CursorPathForData(const std::string& data_dir, const std::string& source_realpath);
// <state_dir>/import/opencode-<32 hex of hash(server_url NUL realpath)>.json
std::string CursorPathForServer(const std::string& state_dir, const std::string& server_url,
                                const std::string& source_realpath);
// $XDG_STATE_HOME/agentperf, else ~/.local/state/agentperf.
std::string DefaultStateDir();

// nullopt when the file does not exist; Corruption when it does not parse.
Result<std::optional<ImportCursor>> LoadCursor(const std::string& path);
// Writes atomically (temp file, fsync, rename), creating directories.
Status SaveCursor(const std::string& path, const ImportCursor& cursor);

}  // namespace agentperf::ingest::opencode
