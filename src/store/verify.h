// Verify: checks a data directory without changing it: the VERSION marker,
// the MANIFEST and every segment it names (every block, dictionary and
// section checksum, decoding, statistics), every WAL segment header and
// record checksum, and that every record payload decodes. Torn tails (normal after a crash) are reported but are not errors.
// Thread-safety: a free function; safe while a server writes the directory
// (the segment being written may show a torn tail).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/fs/file_system.h"
#include "wal/wal.h"

namespace agentperf::store {

struct VerifiedSegment {
  std::string file;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::string problem;  // empty = sound
};

struct VerifyReport {
  std::string data_dir;
  wal::ReplayReport wal;
  uint64_t events = 0;           // in segments + in WAL records not yet flushed
  uint64_t flushed_seq = 0;      // from the manifest
  std::vector<VerifiedSegment> column_segments;
  std::vector<std::string> notes;  // not problems (e.g. a flush in progress)
  std::vector<std::string> problems;  // empty = the directory is sound
  bool ok() const { return problems.empty(); }
  std::string ToJson() const;
  std::string ToText() const;
};

// Returns OK when the check ran (see report->ok() for the verdict), or the
// error that stopped it (e.g. the directory does not exist).
Status VerifyDataDir(fs::FileSystem* fs, const std::string& data_dir, VerifyReport* report);

// Where the bytes of a data directory go (`agentperf inspect`): every file's
// size, split into the parts of the segment format (docs/format/segment.md)
// summed over the manifest's segments, and for column chunks and
// dictionaries which codecs were chosen (codec tree -> chunks). The parts add
// up to total_bytes, the sum of all file sizes (what `bench store` measures).
struct SizePart {
  std::string group;  // "column", "dictionary", "segment", "file"
  std::string name;   // column / field name, "header", "footer", "id_filter", ..., or a file group ("wal/*.wal")
  uint64_t bytes = 0;
  uint64_t values = 0;  // dictionaries: entries
  std::map<std::string, uint64_t> codecs;  // codec tree -> number of chunks
};

struct SizeReport {
  std::string data_dir;
  uint64_t total_bytes = 0;     // every file under the data directory
  uint64_t segment_rows = 0;    // events in the manifest's segments
  uint64_t segments = 0;
  std::vector<SizePart> parts;  // in format order; then files outside the segments
  std::string ToJson() const;
  std::string ToText() const;
};

// Reads the manifest's segments (headers, footers, chunk headers and zstd
// frames; no checksum checks: run VerifyDataDir for that) and sizes every
// file. Safe while a server writes the directory.
Status InspectDataDir(fs::FileSystem* fs, const std::string& data_dir, SizeReport* report);

}  // namespace agentperf::store
