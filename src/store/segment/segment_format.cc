#include "store/segment/segment_format.h"

#include <fmt/format.h>

#include "core/coding.h"
#include "core/crc32c.h"

namespace agentperf::store::segment {
using namespace coding;  // NOLINT(google-build-using-namespace)

uint64_t BlockInfo::bytes() const {
  uint64_t n = 0;
  for (uint32_t l : chunk_len) n += l;
  return n;
}

uint32_t MaskedCrc(std::string_view data) { return crc32c::Mask(crc32c::Value(data)); }

std::string EncodeHeader() {
  std::string h(kHeaderMagic);
  PutFixed32(&h, kFormatVersion);
  PutFixed32(&h, 0);
  return h;
}

Status CheckHeader(std::string_view header) {
  if (header.size() < kHeaderSize || header.substr(0, 8) != kHeaderMagic) {
    return Status::Corruption("not a segment file (bad header magic)");
  }
  uint32_t version = DecodeFixed32(header.data() + 8);
  if (version < kMinFormatVersion || version > kFormatVersion) {
    return Status::FailedPrecondition(
        fmt::format("segment format {} (this agentperf reads {} to {})", version, kMinFormatVersion, kFormatVersion));
  }
  return Status::OK();
}

namespace {

void PutSection(std::string* out, const Section& s) {
  PutVarint64(out, s.offset);
  PutVarint64(out, s.length);
  PutFixed32(out, s.crc);
}

bool GetSection(std::string_view* in, Section* s) {
  return GetVarint64(in, &s->offset) && GetVarint64(in, &s->length) && GetFixed32(in, &s->crc);
}

void PutDict(std::string* out, const DictInfo& d) {
  PutVarint64(out, d.count);
  PutVarint64(out, d.length);
  PutFixed32(out, d.crc);
}

bool GetDict(std::string_view* in, DictInfo* d) {
  return GetVarint64(in, &d->count) && GetVarint64(in, &d->length) && GetFixed32(in, &d->crc);
}

}  // namespace

void EncodeFooter(const Footer& f, std::string* out) {
  PutVarint64(out, f.rows);
  PutVarint64(out, f.blocks.size());
  PutVarsint64(out, f.min_start_us);
  PutVarsint64(out, f.max_start_us);
  PutVarint64(out, f.wal_seq_min);
  PutVarint64(out, f.wal_seq_max);
  PutVarsint64(out, f.created_unix_us);
  PutVarint64(out, kNumColumns);
  for (const BlockInfo& b : f.blocks) {
    PutVarint64(out, b.rows);
    PutVarsint64(out, b.min_start_us);
    PutVarsint64(out, b.max_start_us);
    PutVarsint64(out, b.max_dur_us);
    PutVarint64(out, b.offset);
    PutFixed32(out, b.crc);
    for (uint32_t l : b.chunk_len) PutVarint64(out, l);
  }
  PutVarint64(out, f.dict_offset);
  for (const DictInfo& d : f.dicts) PutDict(out, d);
  PutDict(out, f.attr_dict);
  PutSection(out, f.ids);
  PutSection(out, f.id_filter);
}

Status DecodeFooter(std::string_view in, Footer* f) {
  *f = Footer{};
  uint64_t nblocks, ncols;
  if (!GetVarint64(&in, &f->rows) || !GetVarint64(&in, &nblocks) || !GetVarsint64(&in, &f->min_start_us) ||
      !GetVarsint64(&in, &f->max_start_us) || !GetVarint64(&in, &f->wal_seq_min) ||
      !GetVarint64(&in, &f->wal_seq_max) || !GetVarsint64(&in, &f->created_unix_us) || !GetVarint64(&in, &ncols)) {
    return Status::Corruption("segment footer: truncated header fields");
  }
  if (ncols != kNumColumns) return Status::Corruption(fmt::format("segment footer: {} columns, expected {}", ncols, kNumColumns));
  if (nblocks > in.size() / 8 + 1 || nblocks != (f->rows + kBlockRows - 1) / kBlockRows) {
    return Status::Corruption(fmt::format("segment footer: {} blocks for {} rows", nblocks, f->rows));
  }
  f->blocks.resize(nblocks);
  uint64_t total_rows = 0;
  for (BlockInfo& b : f->blocks) {
    if (!GetVarint64(&in, &b.rows) || !GetVarsint64(&in, &b.min_start_us) || !GetVarsint64(&in, &b.max_start_us) ||
        !GetVarsint64(&in, &b.max_dur_us) || !GetVarint64(&in, &b.offset) || !GetFixed32(&in, &b.crc)) {
      return Status::Corruption("segment footer: truncated block index");
    }
    for (uint32_t& l : b.chunk_len) {
      uint64_t v;
      if (!GetVarint64(&in, &v) || v > UINT32_MAX) return Status::Corruption("segment footer: bad chunk length");
      l = static_cast<uint32_t>(v);
    }
    if (b.rows == 0 || b.rows > kBlockRows) return Status::Corruption("segment footer: bad block row count");
    total_rows += b.rows;
  }
  if (total_rows != f->rows) return Status::Corruption("segment footer: block rows do not add up");
  if (!GetVarint64(&in, &f->dict_offset)) return Status::Corruption("segment footer: truncated");
  for (DictInfo& d : f->dicts) {
    if (!GetDict(&in, &d)) return Status::Corruption("segment footer: truncated dictionaries");
  }
  if (!GetDict(&in, &f->attr_dict) || !GetSection(&in, &f->ids) || !GetSection(&in, &f->id_filter)) {
    return Status::Corruption("segment footer: truncated sections");
  }
  if (!in.empty()) return Status::Corruption("segment footer: trailing bytes");
  return Status::OK();
}

std::string EncodeTrailer(std::string_view footer) {
  std::string t;
  PutFixed32(&t, static_cast<uint32_t>(footer.size()));
  PutFixed32(&t, MaskedCrc(footer));
  t.append(kTrailerMagic);
  return t;
}

Status DecodeTrailer(std::string_view trailer, uint32_t* footer_len, uint32_t* footer_crc) {
  if (trailer.size() != kTrailerSize || trailer.substr(8) != kTrailerMagic) {
    return Status::Corruption("segment trailer missing (file truncated or not a segment)");
  }
  *footer_len = DecodeFixed32(trailer.data());
  *footer_crc = DecodeFixed32(trailer.data() + 4);
  return Status::OK();
}

std::string SegmentFileName(uint64_t no) { return fmt::format("{:016x}.seg", no); }

bool ParseSegmentFileName(std::string_view name, uint64_t* no) {
  if (name.size() != 20 || name.substr(16) != ".seg") return false;
  uint64_t v = 0;
  for (char c : name.substr(0, 16)) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  *no = v;
  return true;
}

}  // namespace agentperf::store::segment
