#include "store/summary/segment_summary.h"

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>

#include "core/coding.h"
#include "core/crc32c.h"
#include "core/log.h"

namespace agentperf::store {
using namespace coding;  // NOLINT
namespace {

// Version 3: hour cells (with time-to-first-chunk sketches), session filters,
// day cells. Older versions ("APSUMRY1", "APSUMRY2") are rebuilt from their
// segment at open, like a damaged file.
constexpr std::string_view kMagic = "APSUMRY3";
constexpr std::string_view kMagicPrefix = "APSUMRY";
constexpr size_t kMaxRawBytes = size_t{1} << 30;

// Freezes the hour rollup and derives the day rollup from it.
void Complete(SegmentSummary* s) {
  s->rollup.Freeze();
  s->day = query::Rollup(kSegmentDayRollupUs);
  (void)s->day.Merge(s->rollup);  // cannot fail: an hour divides a day
  s->day.Freeze();
}

// A length-prefixed zstd frame of a rollup encoding, after its raw size.
Status PutRollupFrame(const query::Rollup& r, std::string* out) {
  std::string raw;
  r.EncodeTo(&raw);
  PutVarint64(out, raw.size());
  std::string frame(ZSTD_compressBound(raw.size()), '\0');
  const size_t n = ZSTD_compress(frame.data(), frame.size(), raw.data(), raw.size(), 3);
  if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  frame.resize(n);
  PutLengthPrefixed(out, frame);
  return Status::OK();
}

// Reads what PutRollupFrame wrote, without decoding it (*raw_size, *frame).
bool GetRollupFrame(std::string_view* in, uint64_t* raw_size, std::string_view* frame) {
  return GetVarint64(in, raw_size) && *raw_size <= kMaxRawBytes && GetLengthPrefixed(in, frame);
}

Result<query::Rollup> DecodeRollupFrame(uint64_t raw_size, std::string_view frame) {
  std::string raw(raw_size, '\0');
  const size_t n = ZSTD_decompress(raw.data(), raw.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != raw_size) return Status::Corruption("bad compressed rollup");
  std::string_view in(raw);
  AP_ASSIGN_OR_RETURN(query::Rollup r, query::Rollup::Decode(&in));
  if (!in.empty()) return Status::Corruption("trailing bytes after a rollup");
  return r;
}

}  // namespace

SummaryBuilder::SummaryBuilder(uint64_t segment_no) : s_(std::make_shared<SegmentSummary>()) {
  s_->segment_no = segment_no;
}

void SummaryBuilder::Add(const query::ColumnBlock& b) {
  s_->rollup.AddRows(b, 0, b.rows);
  s_->rows += b.rows;
  const int sf = static_cast<int>(event::StrField::kSessionId);
  const query::Dictionary* dict = b.dicts[sf];
  auto& cache = hashes_[dict];
  if (cache.size() < dict->Size()) cache.resize(dict->Size(), Hash128{0, 0});
  for (size_t r = 0; r < b.rows; ++r) {
    const uint32_t code = b.str[sf][r];
    if (code != 0) {
      Hash128& h = cache[code];
      if (h.lo == 0 && h.hi == 0) h = SessionKey(dict->Lookup(code));
      sessions_.push_back(h);
    }
    if (++block_rows_ == segment::kBlockRows) EndBlock();
  }
}

void SummaryBuilder::EndBlock() {
  std::sort(sessions_.begin(), sessions_.end(),
            [](const Hash128& a, const Hash128& b) { return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo; });
  sessions_.erase(std::unique(sessions_.begin(), sessions_.end(),
                              [](const Hash128& a, const Hash128& b) { return a.hi == b.hi && a.lo == b.lo; }),
                  sessions_.end());
  IdFilter f(std::max<uint64_t>(1, sessions_.size()));
  for (const Hash128& h : sessions_) f.Add(h);
  // Kept in its encoded-and-decoded form: the one a reader gets from the
  // file (a filter still being built may not answer MayContain precisely).
  std::string bytes;
  f.EncodeTo(&bytes);
  auto decoded = IdFilter::Decode(bytes);
  s_->session_filters.push_back(decoded.ok() ? std::move(decoded).value() : std::move(f));
  sessions_.clear();
  block_rows_ = 0;
}

std::shared_ptr<SegmentSummary> SummaryBuilder::Finish() {
  if (block_rows_ > 0) EndBlock();
  s_->rollup.ForgetDictionaries();
  Complete(s_.get());
  hashes_.clear();
  return std::move(s_);
}

std::string SummaryPath(const std::string& dir, uint64_t no) {
  return fs::JoinPath(dir, fmt::format("{:016x}.sum", no));
}

bool ParseSummaryFileName(std::string_view name, uint64_t* no) {
  if (name.size() != 20 || name.substr(16) != ".sum") return false;
  std::string seg(name.substr(0, 16));
  return segment::ParseSegmentFileName(seg + ".seg", no);
}

// docs/format/summary.md: magic, varint segment_no, varint rows, varint raw
// size, varint frame size, zstd frame of the rollup, varint blocks, per block
// a length-prefixed session filter, fixed32 CRC-32C of everything before it.
Status WriteSummary(fs::FileSystem* fs, const std::string& dir, const SegmentSummary& s) {
  std::string out(kMagic);
  PutVarint64(&out, s.segment_no);
  PutVarint64(&out, s.rows);
  AP_RETURN_IF_ERROR(PutRollupFrame(s.rollup, &out));
  PutVarint64(&out, s.session_filters.size());
  std::string fbytes;
  for (const IdFilter& filter : s.session_filters) {
    fbytes.clear();
    filter.EncodeTo(&fbytes);
    PutLengthPrefixed(&out, fbytes);
  }
  // The day cells, so that opening a store need not decode the hour cells.
  if (s.day.events() == s.rows) {
    AP_RETURN_IF_ERROR(PutRollupFrame(s.day, &out));
  } else {
    query::Rollup day(kSegmentDayRollupUs);
    (void)day.Merge(s.rollup);  // cannot fail: an hour divides a day
    day.Freeze();
    AP_RETURN_IF_ERROR(PutRollupFrame(day, &out));
  }
  PutFixed32(&out, crc32c::Value(out));
  const std::string path = SummaryPath(dir, s.segment_no);
  const std::string tmp = path + ".tmp";
  AP_ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(tmp));
  Status st = f->Append(out);
  if (st.ok()) st = f->Sync();
  if (st.ok()) st = f->Close();
  if (st.ok()) st = fs->RenameFile(tmp, path);
  if (!st.ok()) (void)fs->RemoveFile(tmp);
  return st;
}

Result<std::shared_ptr<SegmentSummary>> ReadSummary(fs::FileSystem* fs, const std::string& dir,
                                                    const segment::SegmentReader& seg, SummaryParts parts) {
  const std::string path = SummaryPath(dir, seg.number());
  if (!fs->FileExists(path)) return Status::NotFound(path);
  std::string data;
  AP_RETURN_IF_ERROR(fs::ReadFileToString(fs, path, &data));
  auto bad = [&](const std::string& what) { return Status::Corruption(fmt::format("{}: {}", path, what)); };
  const std::string_view magic = data.size() >= kMagic.size() + 4 ? std::string_view(data).substr(0, kMagic.size()) : "";
  if (magic != kMagic) {
    return bad(magic.substr(0, kMagicPrefix.size()) == kMagicPrefix
                   ? fmt::format("an older summary format ({}): rebuilt", magic)
                   : std::string("not a summary file"));
  }
  std::string_view body(data.data(), data.size() - 4);
  std::string_view tail(data.data() + data.size() - 4, 4);
  uint32_t crc = 0;
  if (!GetFixed32(&tail, &crc) || crc != crc32c::Value(body)) return bad("checksum mismatch");
  body.remove_prefix(kMagic.size());
  uint64_t no = 0, rows = 0, hour_size = 0, day_size = 0;
  std::string_view hour_frame, day_frame;
  if (!GetVarint64(&body, &no) || !GetVarint64(&body, &rows)) return bad("bad header");
  if (no != seg.number() || rows != seg.rows()) return bad("belongs to another segment");
  if (!GetRollupFrame(&body, &hour_size, &hour_frame)) return bad("truncated rollup");
  uint64_t nblocks = 0;
  if (!GetVarint64(&body, &nblocks) || nblocks != seg.footer().blocks.size()) return bad("block count differs from the segment's");
  std::vector<IdFilter> filters;
  for (uint64_t i = 0; i < nblocks; ++i) {
    std::string_view fb;
    if (!GetLengthPrefixed(&body, &fb)) return bad("truncated session filter");
    auto f = IdFilter::Decode(fb);
    if (!f.ok()) return bad("bad session filter: " + f.status().ToString());
    filters.push_back(std::move(f).value());
  }
  if (!GetRollupFrame(&body, &day_size, &day_frame)) return bad("truncated day rollup");
  if (!body.empty()) return bad("trailing bytes");
  auto s = std::make_shared<SegmentSummary>();
  s->segment_no = no;
  s->rows = rows;
  s->session_filters = std::move(filters);
  if (parts != SummaryParts::kDays) {
    auto r = DecodeRollupFrame(hour_size, hour_frame);
    if (!r.ok()) return bad(r.status().ToString());
    if (r->events() != rows || r->resolution_us() != kSegmentRollupUs) return bad("rollup does not match");
    s->rollup = std::move(*r);
    s->rollup.Freeze();
  }
  if (parts == SummaryParts::kHours) return s;
  auto d = DecodeRollupFrame(day_size, day_frame);
  if (!d.ok()) return bad("day rollup: " + d.status().ToString());
  if (d->events() != rows || d->resolution_us() != kSegmentDayRollupUs) return bad("day rollup does not match");
  s->day = std::move(*d);
  s->day.Freeze();
  return s;
}

Result<std::shared_ptr<SegmentSummary>> BuildSummary(const segment::SegmentReader& seg) {
  segment::ColumnSet cols;
  cols.set(segment::kColStart).set(segment::kColDur).set(segment::kColKind).set(segment::kColStatus);
  for (auto f : query::kRollupDims) cols.set(segment::kColStr0 + static_cast<int>(f));
  cols.set(segment::kColStr0 + static_cast<int>(event::StrField::kSessionId));
  for (int f = 0; f < event::kNumIntFields; ++f) cols.set(segment::kColInt0 + f);
  for (int f = 0; f < event::kNumFloatFields; ++f) cols.set(segment::kColFloat0 + f);
  SummaryBuilder b(seg.number());
  segment::BlockBuffer buf;
  query::ColumnBlock block;
  for (size_t i = 0; i < seg.footer().blocks.size(); ++i) {
    AP_RETURN_IF_ERROR(seg.ReadBlock(i, cols, &buf, &block));
    b.Add(block);
  }
  return b.Finish();
}

Result<std::shared_ptr<SegmentSummary>> LoadOrRebuildSummary(fs::FileSystem* fs, const std::string& dir,
                                                                   const segment::SegmentReader& seg) {
  auto s = ReadSummary(fs, dir, seg, SummaryParts::kDays);
  if (s.ok()) return s;
  if (s.status().code() != StatusCode::kNotFound) log::Warn("store", "rebuilding summary of segment {}: {}", seg.number(), s.status().ToString());
  AP_ASSIGN_OR_RETURN(auto built, BuildSummary(seg));
  Status w = WriteSummary(fs, dir, *built);
  if (!w.ok()) log::Warn("store", "could not save the summary of segment {}: {}", seg.number(), w.ToString());
  return built;
}

}  // namespace agentperf::store
