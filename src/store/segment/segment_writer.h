// SegmentWriter: streams rows, sorted by start time, into a new segment file
// (docs/format/segment.md). Rows come in blocks of any size; the writer
// re-codes string columns into the segment's own dictionaries, encodes each
// 16,384-row block with the codecs, and at Finish writes the dictionaries,
// the id section, the id filter and the footer, fsyncs the file, renames it
// into place and fsyncs the directory. Until Finish returns OK no file with
// the final name exists; a writer dropped without Finish removes its
// temporary file.
//
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/hash.h"
#include "core/status.h"
#include "query/block.h"
#include "store/fs/file_system.h"
#include "store/segment/block_buffer.h"
#include "store/segment/id_filter.h"
#include "store/segment/segment_format.h"

namespace agentperf::store::segment {

class SegmentWriter {
 public:
  // Starts `dir/<no>.seg.tmp`. `expected_rows` sizes the id filter.
  static Result<std::unique_ptr<SegmentWriter>> Create(fs::FileSystem* fs, const std::string& dir, uint64_t no,
                                                       uint64_t expected_rows);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Appends the rows of `b` (its dictionaries must be set); `ids[i]` and
  // `attrs[i]` (attribute blob, empty = none) belong to row i. REQUIRES rows
  // in start-time order across calls.
  Status Add(const query::ColumnBlock& b, const Hash128* ids, const std::string_view* attrs);

  // Completes the file. Returns its footer; *file_bytes gets its size.
  Result<Footer> Finish(uint64_t wal_seq_min, uint64_t wal_seq_max, uint64_t* file_bytes);

  uint64_t rows() const { return rows_; }
  const std::string& path() const { return path_; }

 private:
  SegmentWriter(fs::FileSystem* fs, std::string dir, uint64_t no, uint64_t expected_rows);
  Status FlushBlock();
  struct Dict {
    // value -> code; kept only once a value may repeat: while the values all
    // come from one source dictionary (a flush), they are distinct already.
    bool indexed = false;
    std::unordered_map<std::string_view, uint32_t> codes;
    std::vector<std::string_view> values;  // code - 1 -> value (views into arena_)
  };
  // The code of `s` in `d` (0 for ""), adding it (copied into arena_) if new.
  uint32_t Intern(Dict* d, std::string_view s);
  // Builds d->codes from d->values and keeps it from now on.
  static void Index(Dict* d);
  std::string_view Copy(std::string_view s);

  fs::FileSystem* fs_;
  std::string dir_, path_, tmp_path_;
  std::unique_ptr<fs::WritableFile> file_;
  bool finished_ = false;
  uint64_t offset_ = 0;
  uint64_t rows_ = 0;
  Footer footer_;
  BlockBuffer buf_;
  size_t buffered_ = 0;
  std::array<Dict, event::kNumStrFields> dicts_;
  Dict attrs_;
  std::vector<std::unique_ptr<char[]>> arena_;  // chunks of kArenaChunk bytes (or one big value)
  size_t arena_left_ = 0;                        // free bytes at the end of arena_.back()
  std::vector<uint64_t> id_rows_;  // rows whose id is not derivable
  std::vector<int64_t> id_lo_, id_hi_;
  IdFilter filter_;
  std::array<std::unordered_map<const query::Dictionary*, std::vector<uint32_t>>, event::kNumStrFields> remap_;
  std::string scratch_;
};

}  // namespace agentperf::store::segment
