// WAL framing: segment headers and record frames (docs/format/wal.md).
// This layer knows nothing about what a record's payload means.
// Thread-safety: pure functions; SegmentReader is a single-threaded cursor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace agentperf::wal {

constexpr std::string_view kSegmentMagic = "APERFWAL";
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kSegmentHeaderSize = 32;
constexpr size_t kFrameHeaderSize = 17;  // crc(4) length(4) type(1) seq(8)
constexpr uint8_t kFullRecord = 1;
constexpr uint64_t kMaxRecordBytes = uint64_t{256} << 20;

std::string EncodeSegmentHeader(uint64_t segment_no);
Status DecodeSegmentHeader(std::string_view header, uint64_t* segment_no);
// Appends one frame (header + payload) to dst.
void AppendFrame(std::string* dst, uint64_t seq, std::string_view payload);

// "0000000000000001.wal"
std::string SegmentFileName(uint64_t segment_no);
bool ParseSegmentFileName(std::string_view name, uint64_t* segment_no);

// How a segment ended.
enum class TailState {
  kClean,    // every byte belonged to a valid record
  kTorn,     // an incomplete or unreadable last record (normal after a crash)
  kCorrupt,  // a bad record followed by valid ones: data once durable was damaged
};
std::string_view TailStateName(TailState s);

// Walks the records of one segment held in memory.
class SegmentReader {
 public:
  // `image` is the whole segment file. `min_seq`: sequence numbers must be
  // strictly greater than this (the last one of the previous segment).
  SegmentReader(std::string_view image, uint64_t min_seq);

  // Returns true with the next valid record; false at the end of the valid
  // records (then tail(), bad_offset() and reason() say why).
  bool Next(uint64_t* seq, std::string_view* payload);

  const Status& header_status() const { return header_status_; }
  uint64_t segment_no() const { return segment_no_; }
  TailState tail() const { return tail_; }
  uint64_t bad_offset() const { return bad_offset_; }   // offset of the first bad byte
  const std::string& reason() const { return reason_; }
  uint64_t valid_bytes() const { return pos_; }          // end of the last valid record
  uint64_t records() const { return records_; }
  uint64_t last_seq() const { return last_seq_; }

 private:
  // Checks the frame at `at`; on success sets seq/payload/next.
  bool FrameAt(size_t at, uint64_t min_seq, uint64_t max_seq, uint64_t* seq, std::string_view* payload, size_t* next,
               std::string* why) const;
  void Finish(std::string why);

  std::string_view image_;
  Status header_status_;
  uint64_t segment_no_ = 0;
  size_t pos_ = 0;
  bool done_ = false;
  TailState tail_ = TailState::kClean;
  uint64_t bad_offset_ = 0;
  std::string reason_;
  uint64_t records_ = 0;
  uint64_t last_seq_ = 0;
};

}  // namespace agentperf::wal
