// The on-disk layout of a column segment (docs/format/segment.md): header,
// trailer and footer, and their encoding. Knows nothing about codecs or the
// head; the writer and the reader build on it.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "event/event.h"

namespace agentperf::store::segment {

constexpr std::string_view kHeaderMagic = "APSEGv01";
constexpr std::string_view kTrailerMagic = "APSEGEND";
// Version 2 (written): the layout of version 1; chunks may use codec 10
// (int_ans) and the id filter may be a binary fuse filter, which readers of
// version 1 do not know. Readers accept versions kMinFormatVersion..kFormatVersion.
constexpr uint32_t kFormatVersion = 2;
constexpr uint32_t kMinFormatVersion = 1;
constexpr size_t kHeaderSize = 16;
constexpr size_t kTrailerSize = 16;
constexpr size_t kBlockRows = 16384;

// Column numbers (docs/format/segment.md, "Columns").
constexpr int kColStart = 0;
constexpr int kColDur = 1;
constexpr int kColKind = 2;
constexpr int kColStatus = 3;
constexpr int kColStr0 = 4;
constexpr int kColInt0 = kColStr0 + event::kNumStrFields;
constexpr int kColFloat0 = kColInt0 + event::kNumIntFields;
constexpr int kColAttr = kColFloat0 + event::kNumFloatFields;
constexpr int kNumColumns = kColAttr + 1;
inline bool IsFloatColumn(int c) { return c >= kColFloat0 && c < kColAttr; }

struct Section {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t crc = 0;  // masked CRC-32C of the bytes
};

struct BlockInfo {
  uint64_t rows = 0;
  int64_t min_start_us = 0;
  int64_t max_start_us = 0;
  int64_t max_dur_us = 0;
  uint64_t offset = 0;
  uint32_t crc = 0;  // of the whole block (all its chunks)
  std::array<uint32_t, kNumColumns> chunk_len{};
  uint64_t bytes() const;
};

struct DictInfo {
  uint64_t count = 0;
  uint64_t length = 0;  // of the string chunk
  uint32_t crc = 0;
};

struct Footer {
  uint64_t rows = 0;
  int64_t min_start_us = 0;
  int64_t max_start_us = 0;
  uint64_t wal_seq_min = 0;
  uint64_t wal_seq_max = 0;
  int64_t created_unix_us = 0;
  std::vector<BlockInfo> blocks;
  uint64_t dict_offset = 0;
  std::array<DictInfo, event::kNumStrFields> dicts{};
  DictInfo attr_dict;
  Section ids;
  Section id_filter;
};

std::string EncodeHeader();
Status CheckHeader(std::string_view header);

void EncodeFooter(const Footer& f, std::string* out);
Status DecodeFooter(std::string_view in, Footer* f);

// Trailer: footer length, masked CRC of the footer, magic.
std::string EncodeTrailer(std::string_view footer);
Status DecodeTrailer(std::string_view trailer, uint32_t* footer_len, uint32_t* footer_crc);

uint32_t MaskedCrc(std::string_view data);

// File name of segment `no` ("<16 hex>.seg"), and its parser.
std::string SegmentFileName(uint64_t no);
bool ParseSegmentFileName(std::string_view name, uint64_t* no);

}  // namespace agentperf::store::segment
