// Manifest: the set of live segments and how far the WAL is covered by them
// (docs/format/manifest.md). Saving replaces the file atomically, so a crash
// leaves the old set or the new set, never a mix.
//
// Thread-safety: a plain value; Load/Save are free functions the store calls
// under its own lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/fs/file_system.h"

namespace agentperf::store {

struct SegmentMeta {
  uint64_t no = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  int64_t min_start_us = 0;
  int64_t max_start_us = 0;
  uint64_t wal_seq_min = 0;
  uint64_t wal_seq_max = 0;
  uint32_t level = 0;  // 0 = flushed, +1 per compaction generation
};

struct Manifest {
  uint64_t next_segment = 1;
  uint64_t flushed_seq = 0;
  std::vector<SegmentMeta> segments;  // sorted by min_start_us, then number

  std::string Encode() const;
  static Result<Manifest> Decode(std::string_view text);
};

constexpr std::string_view kManifestFile = "MANIFEST";

// Reads DIR/MANIFEST; a missing file is an empty manifest.
Result<Manifest> LoadManifest(fs::FileSystem* fs, const std::string& data_dir);
Status SaveManifest(fs::FileSystem* fs, const std::string& data_dir, const Manifest& m);

}  // namespace agentperf::store
