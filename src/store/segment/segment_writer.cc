#include "store/segment/segment_writer.h"

#include <fmt/format.h>

#include <cstring>

#include "core/clock.h"
#include "core/coding.h"
#include "event/event_id.h"
#include "store/codec/column_codec.h"

namespace agentperf::store::segment {
using namespace coding;  // NOLINT(google-build-using-namespace)

SegmentWriter::SegmentWriter(fs::FileSystem* fs, std::string dir, uint64_t no, uint64_t expected_rows)
    : fs_(fs), dir_(std::move(dir)), filter_(expected_rows) {
  path_ = fs::JoinPath(dir_, SegmentFileName(no));
  tmp_path_ = path_ + ".tmp";
  buf_.Resize(kBlockRows);
  attrs_.indexed = true;  // attribute blobs repeat within one source
}

SegmentWriter::~SegmentWriter() {
  if (!finished_) {
    if (file_) (void)file_->Close();
    (void)fs_->RemoveFile(tmp_path_);
  }
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(fs::FileSystem* fs, const std::string& dir, uint64_t no,
                                                             uint64_t expected_rows) {
  std::unique_ptr<SegmentWriter> w(new SegmentWriter(fs, dir, no, expected_rows));
  AP_ASSIGN_OR_RETURN(w->file_, fs->NewWritableFile(w->tmp_path_));
  std::string header = EncodeHeader();
  AP_RETURN_IF_ERROR(w->file_->Append(header));
  w->offset_ = header.size();
  w->footer_.min_start_us = INT64_MAX;
  w->footer_.max_start_us = INT64_MIN;
  return w;
}

std::string_view SegmentWriter::Copy(std::string_view s) {
  constexpr size_t kArenaChunk = size_t{64} << 10;
  if (s.size() > arena_left_) {
    const size_t size = std::max(kArenaChunk, s.size());
    arena_.push_back(std::make_unique<char[]>(size));
    arena_left_ = size;
  }
  char* at = arena_.back().get() + (s.size() > kArenaChunk ? 0 : kArenaChunk - arena_left_);
  std::memcpy(at, s.data(), s.size());
  arena_left_ -= s.size();
  return {at, s.size()};
}

void SegmentWriter::Index(Dict* d) {
  d->indexed = true;
  d->codes.reserve(d->values.size());
  for (size_t i = 0; i < d->values.size(); ++i) d->codes.emplace(d->values[i], static_cast<uint32_t>(i + 1));
}

uint32_t SegmentWriter::Intern(Dict* d, std::string_view s) {
  if (s.empty()) return 0;
  if (d->indexed) {
    auto it = d->codes.find(s);
    if (it != d->codes.end()) return it->second;
  }
  std::string_view owned = Copy(s);
  d->values.push_back(owned);
  uint32_t code = static_cast<uint32_t>(d->values.size());
  if (d->indexed) d->codes.emplace(owned, code);
  return code;
}

Status SegmentWriter::Add(const query::ColumnBlock& b, const Hash128* ids, const std::string_view* attrs) {
  constexpr int kSession = static_cast<int>(event::StrField::kSessionId);
  constexpr int kSpan = static_cast<int>(event::StrField::kSpanId);
  // Source code -> segment code, per source dictionary.
  std::array<std::vector<uint32_t>*, event::kNumStrFields> remap{};
  for (int f = 0; f < event::kNumStrFields; ++f) {
    auto [it, fresh] = remap_[f].try_emplace(b.dicts[f]);
    // Values of one source dictionary are distinct; a second source may repeat them.
    if (fresh && remap_[f].size() > 1 && !dicts_[f].indexed) Index(&dicts_[f]);
    auto& m = it->second;
    if (m.size() < b.dicts[f]->Size()) m.resize(b.dicts[f]->Size(), UINT32_MAX);
    remap[f] = &m;
  }
  for (size_t i = 0; i < b.rows; ++i) {
    if (b.start_us[i] < (buffered_ > 0 ? buf_.start_us[buffered_ - 1] : footer_.max_start_us) &&
        (buffered_ > 0 || rows_ > 0)) {
      return Status::Internal("segment writer: rows not in start-time order");
    }
    const size_t r = buffered_;
    buf_.start_us[r] = b.start_us[i];
    buf_.dur_us[r] = b.dur_us[i];
    buf_.kind[r] = b.kind[i];
    buf_.status[r] = b.status[i];
    for (int f = 0; f < event::kNumStrFields; ++f) {
      uint32_t src = b.str[f][i];
      if (src >= remap[f]->size()) return Status::Internal("segment writer: code outside its dictionary");
      uint32_t& dst = (*remap[f])[src];
      if (dst == UINT32_MAX) dst = src == 0 ? 0 : Intern(&dicts_[f], b.dicts[f]->Lookup(src));
      buf_.str[f][r] = dst;
    }
    for (int f = 0; f < event::kNumIntFields; ++f) buf_.ints[f][r] = b.ints[f][i];
    for (int f = 0; f < event::kNumFloatFields; ++f) buf_.floats[f][r] = b.floats[f][i];
    buf_.attr[r] = Intern(&attrs_, attrs[i]);

    const Hash128& id = ids[i];
    filter_.Add(id);
    std::string_view span = b.dicts[kSpan]->Lookup(b.str[kSpan][i]);
    bool derivable = !span.empty() && event::SpanEventId(static_cast<event::SpanKind>(b.kind[i]),
                                                         b.dicts[kSession]->Lookup(b.str[kSession][i]),
                                                         span) == id;
    if (!derivable) {
      id_rows_.push_back(rows_ + r);
      id_lo_.push_back(static_cast<int64_t>(id.lo));
      id_hi_.push_back(static_cast<int64_t>(id.hi));
    }
    if (++buffered_ == kBlockRows) AP_RETURN_IF_ERROR(FlushBlock());
  }
  return Status::OK();
}

Status SegmentWriter::FlushBlock() {
  if (buffered_ == 0) return Status::OK();
  const size_t n = buffered_;
  BlockInfo bi;
  bi.rows = n;
  bi.offset = offset_;
  bi.min_start_us = buf_.start_us[0];
  bi.max_start_us = buf_.start_us[n - 1];
  bi.max_dur_us = INT64_MIN;
  for (size_t i = 0; i < n; ++i) bi.max_dur_us = std::max(bi.max_dur_us, buf_.dur_us[i]);

  scratch_.clear();
  std::vector<int64_t> tmp(n);
  auto ints = [&](int col, const int64_t* v) {
    size_t before = scratch_.size();
    codec::EncodeInts(v, n, &scratch_);
    bi.chunk_len[col] = static_cast<uint32_t>(scratch_.size() - before);
  };
  auto widen = [&](int col, auto* v) {
    for (size_t i = 0; i < n; ++i) tmp[i] = static_cast<int64_t>(v[i]);
    ints(col, tmp.data());
  };
  ints(kColStart, buf_.start_us.data());
  ints(kColDur, buf_.dur_us.data());
  widen(kColKind, buf_.kind.data());
  widen(kColStatus, buf_.status.data());
  for (int f = 0; f < event::kNumStrFields; ++f) widen(kColStr0 + f, buf_.str[f].data());
  for (int f = 0; f < event::kNumIntFields; ++f) ints(kColInt0 + f, buf_.ints[f].data());
  for (int f = 0; f < event::kNumFloatFields; ++f) {
    size_t before = scratch_.size();
    codec::EncodeDoubles(buf_.floats[f].data(), n, &scratch_);
    bi.chunk_len[kColFloat0 + f] = static_cast<uint32_t>(scratch_.size() - before);
  }
  widen(kColAttr, buf_.attr.data());
  bi.crc = MaskedCrc(scratch_);
  AP_RETURN_IF_ERROR(file_->Append(scratch_));
  offset_ += scratch_.size();

  footer_.min_start_us = std::min(footer_.min_start_us, bi.min_start_us);
  footer_.max_start_us = std::max(footer_.max_start_us, bi.max_start_us);
  footer_.blocks.push_back(bi);
  rows_ += n;
  buffered_ = 0;
  return Status::OK();
}

Result<Footer> SegmentWriter::Finish(uint64_t wal_seq_min, uint64_t wal_seq_max, uint64_t* file_bytes) {
  AP_RETURN_IF_ERROR(FlushBlock());
  footer_.rows = rows_;
  if (rows_ == 0) footer_.min_start_us = footer_.max_start_us = 0;
  footer_.wal_seq_min = wal_seq_min;
  footer_.wal_seq_max = wal_seq_max;
  footer_.created_unix_us = WallMicros();

  // Dictionaries.
  footer_.dict_offset = offset_;
  std::string sec;
  auto dict = [&](const Dict& d, DictInfo* info) {
    size_t before = sec.size();
    codec::EncodeStrings(d.values.data(), d.values.size(), &sec);
    info->count = d.values.size();
    info->length = sec.size() - before;
    info->crc = MaskedCrc(std::string_view(sec).substr(before));
  };
  for (int f = 0; f < event::kNumStrFields; ++f) dict(dicts_[f], &footer_.dicts[f]);
  dict(attrs_, &footer_.attr_dict);
  AP_RETURN_IF_ERROR(file_->Append(sec));
  offset_ += sec.size();

  // Ids that cannot be derived.
  sec.clear();
  PutVarint64(&sec, id_rows_.size());
  std::vector<int64_t> rows(id_rows_.begin(), id_rows_.end());
  for (const std::vector<int64_t>* v : {&rows, &id_lo_, &id_hi_}) {
    std::string chunk;
    codec::EncodeInts(v->data(), v->size(), &chunk);
    PutLengthPrefixed(&sec, chunk);
  }
  footer_.ids = Section{offset_, sec.size(), MaskedCrc(sec)};
  AP_RETURN_IF_ERROR(file_->Append(sec));
  offset_ += sec.size();

  sec.clear();
  filter_.EncodeTo(&sec);
  footer_.id_filter = Section{offset_, sec.size(), MaskedCrc(sec)};
  AP_RETURN_IF_ERROR(file_->Append(sec));
  offset_ += sec.size();

  std::string footer;
  EncodeFooter(footer_, &footer);
  footer += EncodeTrailer(footer);
  AP_RETURN_IF_ERROR(file_->Append(footer));
  offset_ += footer.size();
  AP_RETURN_IF_ERROR(file_->Sync());
  AP_RETURN_IF_ERROR(file_->Close());
  file_.reset();
  AP_RETURN_IF_ERROR(fs_->RenameFile(tmp_path_, path_));
  finished_ = true;
  AP_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  if (file_bytes) *file_bytes = offset_;
  return footer_;
}

}  // namespace agentperf::store::segment
