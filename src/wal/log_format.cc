#include "wal/log_format.h"

#include <fmt/format.h>

#include <cstring>

#include "core/coding.h"
#include "core/crc32c.h"

namespace agentperf::wal {
namespace {
// Bounds on sequence numbers accepted when scanning for a valid frame after a
// bad one (random bytes almost never fall inside them).
constexpr uint64_t kMaxSeqGap = uint64_t{1} << 40;
constexpr uint64_t kMaxPlausibleSeq = uint64_t{1} << 48;
}  // namespace

using coding::DecodeFixed32;
using coding::DecodeFixed64;

std::string EncodeSegmentHeader(uint64_t segment_no) {
  std::string h(kSegmentMagic);
  coding::PutFixed32(&h, kFormatVersion);
  coding::PutFixed32(&h, 0);
  coding::PutFixed64(&h, segment_no);
  coding::PutFixed32(&h, crc32c::Mask(crc32c::Value(h.data(), 24)));
  coding::PutFixed32(&h, 0);
  return h;
}

Status DecodeSegmentHeader(std::string_view h, uint64_t* segment_no) {
  if (h.size() < kSegmentHeaderSize) return Status::Corruption("segment header is truncated");
  if (h.substr(0, 8) != kSegmentMagic) return Status::Corruption("bad segment magic");
  uint32_t crc = crc32c::Unmask(DecodeFixed32(h.data() + 24));
  if (crc != crc32c::Value(h.data(), 24)) return Status::Corruption("segment header checksum mismatch");
  uint32_t version = DecodeFixed32(h.data() + 8);
  if (version != kFormatVersion) {
    return Status::Corruption(fmt::format("unsupported WAL format version {}", version));
  }
  *segment_no = DecodeFixed64(h.data() + 16);
  return Status::OK();
}

void AppendFrame(std::string* dst, uint64_t seq, std::string_view payload) {
  size_t at = dst->size();
  dst->resize(at + kFrameHeaderSize);
  char* h = dst->data() + at;
  coding::EncodeFixed32(h + 4, static_cast<uint32_t>(payload.size()));
  h[8] = static_cast<char>(kFullRecord);
  coding::EncodeFixed64(h + 9, seq);
  uint32_t crc = crc32c::Extend(0, h + 8, 9);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  coding::EncodeFixed32(h, crc32c::Mask(crc));
  dst->append(payload.data(), payload.size());
}

std::string SegmentFileName(uint64_t segment_no) { return fmt::format("{:016x}.wal", segment_no); }

bool ParseSegmentFileName(std::string_view name, uint64_t* segment_no) {
  if (name.size() != 20 || name.substr(16) != ".wal") return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 16; ++i) {
    char c = name[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *segment_no = v;
  return true;
}

std::string_view TailStateName(TailState s) {
  switch (s) {
    case TailState::kClean: return "clean";
    case TailState::kTorn: return "torn tail";
    case TailState::kCorrupt: return "corrupt";
  }
  return "?";
}

SegmentReader::SegmentReader(std::string_view image, uint64_t min_seq) : image_(image), last_seq_(min_seq) {
  header_status_ = DecodeSegmentHeader(image, &segment_no_);
  if (!header_status_.ok()) {
    done_ = true;
    // A header cut short or never written (zeros) is a torn creation; a
    // complete but damaged one is corruption.
    bool all_zero = image.find_first_not_of('\0') == std::string_view::npos;
    tail_ = image.size() < kSegmentHeaderSize || all_zero ? TailState::kTorn : TailState::kCorrupt;
    bad_offset_ = 0;
    reason_ = header_status_.message();
    return;
  }
  pos_ = kSegmentHeaderSize;
}

bool SegmentReader::FrameAt(size_t at, uint64_t min_seq, uint64_t max_seq, uint64_t* seq, std::string_view* payload, size_t* next,
                            std::string* why) const {
  if (at + kFrameHeaderSize > image_.size()) {
    *why = "incomplete record header";
    return false;
  }
  const char* h = image_.data() + at;
  uint32_t len = DecodeFixed32(h + 4);
  if (len > kMaxRecordBytes) {
    *why = "record length out of range";
    return false;
  }
  if (at + kFrameHeaderSize + len > image_.size()) {
    *why = "incomplete record";
    return false;
  }
  // Cheap checks first: scanning for a resync point calls this at every offset.
  if (static_cast<uint8_t>(h[8]) != kFullRecord) {
    *why = "unknown record type";
    return false;
  }
  uint64_t s = DecodeFixed64(h + 9);
  if (s <= min_seq || s > max_seq) {
    *why = fmt::format("sequence number {} out of order (after {})", s, min_seq);
    return false;
  }
  uint32_t expected = crc32c::Unmask(DecodeFixed32(h));
  uint32_t actual = crc32c::Extend(0, h + 8, 9 + static_cast<size_t>(len));
  if (expected != actual) {
    *why = "checksum mismatch";
    return false;
  }
  *seq = s;
  *payload = std::string_view(h + kFrameHeaderSize, len);
  *next = at + kFrameHeaderSize + len;
  return true;
}

void SegmentReader::Finish(std::string why) {
  done_ = true;
  bad_offset_ = pos_;
  reason_ = std::move(why);
  // Torn or corrupt? An interrupted append (SIGKILL, power loss) leaves a
  // frame cut short by the end of the file, or zeros where the file system
  // extended the file but never wrote the data. A complete frame that fails
  // its checks is damage to data that was once written: corruption, even when
  // it is the last frame (it may have been acknowledged).
  const std::string_view rest = image_.substr(pos_);
  const bool all_zero = rest.find_first_not_of('\0') == std::string_view::npos;
  size_t frame_end = image_.size() + 1;
  if (rest.size() >= kFrameHeaderSize) frame_end = pos_ + kFrameHeaderSize + DecodeFixed32(image_.data() + pos_ + 4);
  const bool incomplete = rest.size() < kFrameHeaderSize || frame_end > image_.size();
  // Where the file's trailing zeros begin, rounded up to a page: if whole
  // zero pages end the file after the bad frame's start, the file system
  // extended the file without writing those pages (power loss).
  constexpr size_t kPage = 4096;
  const size_t last_nonzero = image_.find_last_not_of('\0');
  const size_t zeros_from = last_nonzero == std::string_view::npos ? 0 : last_nonzero + 1;
  const size_t zero_pages_from = (zeros_from + kPage - 1) / kPage * kPage;
  const bool zero_pages_tail = zero_pages_from < image_.size() && zero_pages_from > pos_;
  tail_ = TailState::kCorrupt;
  if (all_zero || zero_pages_tail) {
    tail_ = TailState::kTorn;
  } else if (incomplete) {
    // A cut-short frame is torn unless valid frames follow it (then its
    // length field was damaged).
    tail_ = TailState::kTorn;
    uint64_t s;
    std::string_view p;
    size_t next;
    std::string ignored;
    for (size_t at = pos_ + 1; at + kFrameHeaderSize <= image_.size(); ++at) {
      if (FrameAt(at, last_seq_, last_seq_ + kMaxSeqGap, &s, &p, &next, &ignored)) {
        tail_ = TailState::kCorrupt;
        break;
      }
    }
  }
}

bool SegmentReader::Next(uint64_t* seq, std::string_view* payload) {
  if (done_) return false;
  if (pos_ == image_.size()) {
    done_ = true;
    return false;
  }
  size_t next;
  std::string why;
  if (!FrameAt(pos_, last_seq_, UINT64_MAX, seq, payload, &next, &why)) {
    Finish(std::move(why));
    return false;
  }
  pos_ = next;
  last_seq_ = *seq;
  ++records_;
  return true;
}

}  // namespace agentperf::wal
