// Verify: checks a data directory without changing it: the VERSION marker,
// every WAL segment header and record checksum, and that every record payload
// decodes. Torn tails (normal after a crash) are reported but are not errors.
// Thread-safety: a free function; safe while a server writes the directory
// (the segment being written may show a torn tail).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "store/fs/file_system.h"
#include "wal/wal.h"

namespace agentperf::store {

struct VerifyReport {
  std::string data_dir;
  wal::ReplayReport wal;
  uint64_t events = 0;
  std::vector<std::string> problems;  // empty = the directory is sound
  bool ok() const { return problems.empty(); }
  std::string ToJson() const;
  std::string ToText() const;
};

// Returns OK when the check ran (see report->ok() for the verdict), or the
// error that stopped it (e.g. the directory does not exist).
Status VerifyDataDir(fs::FileSystem* fs, const std::string& data_dir, VerifyReport* report);

}  // namespace agentperf::store
