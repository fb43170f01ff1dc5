#include "store/event_scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_set>

#include "event/codec.h"
#include "store/embedded_store.h"
#include "store/manifest.h"
#include "store/segment/segment_reader.h"
#include "wal/wal.h"

namespace agentperf::store {
namespace {

struct IdHash {
  size_t operator()(const Hash128& h) const { return static_cast<size_t>(h.lo ^ Mix64(h.hi)); }
};
using IdSet = std::unordered_set<Hash128, IdHash>;

constexpr event::StrField kLabelOnlyFields[] = {event::StrField::kAgent, event::StrField::kModel,
                                                event::StrField::kProvider, event::StrField::kTool};

// Every row of one segment, block by block.
Status ScanSegment(const segment::SegmentReader& r, const ScanFilter& filter, IdSet* seen,
                   const std::function<Status(const event::EventBatch&)>& fn, ScanStats* stats) {
  if (r.footer().max_start_us < filter.from_us || r.footer().min_start_us >= filter.to_us) return Status::OK();
  std::vector<Hash128> ids;
  if (filter.ids) AP_RETURN_IF_ERROR(r.ReadIds(&ids));
  const segment::SegmentDict* attr_dict = nullptr;
  if (!filter.labels_only) {
    AP_ASSIGN_OR_RETURN(attr_dict, r.AttrDict());
  }
  segment::ColumnSet cols = segment::AllColumns();
  if (filter.labels_only) {
    cols.reset();
    cols.set(segment::kColStart).set(segment::kColDur).set(segment::kColKind).set(segment::kColStatus);
    for (auto f : kLabelOnlyFields) cols.set(segment::kColStr0 + static_cast<int>(f));
  }
  segment::BlockBuffer buf;
  query::ColumnBlock b;
  std::vector<event::Attr> attrs;
  uint64_t row0 = 0, in_range = 0;
  for (size_t bi = 0; bi < r.footer().blocks.size(); ++bi) {
    const auto& info = r.footer().blocks[bi];
    const uint64_t first = row0;
    row0 += info.rows;
    if (info.max_start_us < filter.from_us || info.min_start_us >= filter.to_us) continue;
    if (in_range++ % std::max<uint32_t>(1, filter.block_stride) != 0) continue;
    AP_RETURN_IF_ERROR(r.ReadBlock(bi, cols, &buf, &b));
    event::EventBatch batch;
    batch.events.reserve(b.rows);
    for (size_t i = 0; i < b.rows; ++i) {
      event::Event e;
      if (filter.ids) e.id = ids.at(first + i);
      e.kind = static_cast<event::SpanKind>(b.kind[i]);
      e.status = static_cast<event::SpanStatus>(b.status[i]);
      e.start_us = b.start_us[i];
      e.end_us = b.start_us[i] + b.dur_us[i];
      if (!filter.Matches(e)) continue;
      if (filter.ids && !seen->insert(e.id).second) {
        ++stats->duplicates;
        continue;
      }
      if (filter.labels_only) {
        for (auto f : kLabelOnlyFields) e.str[static_cast<int>(f)] = b.dicts[static_cast<int>(f)]->Lookup(b.str[static_cast<int>(f)][i]);
        batch.events.push_back(e);
        continue;
      }
      for (int f = 0; f < event::kNumStrFields; ++f) e.str[f] = b.dicts[f]->Lookup(b.str[f][i]);
      for (int f = 0; f < event::kNumIntFields; ++f) e.ints[f] = b.ints[f][i];
      for (int f = 0; f < event::kNumFloatFields; ++f) e.floats[f] = b.floats[f][i];
      if (uint32_t code = buf.attr[i]; code != 0) {
        attrs.clear();
        AP_RETURN_IF_ERROR(event::DecodeAttrs(attr_dict->Lookup(code), &attrs));
        e.attr_begin = static_cast<uint32_t>(batch.attrs.size());
        e.attr_count = static_cast<uint32_t>(attrs.size());
        batch.attrs.insert(batch.attrs.end(), attrs.begin(), attrs.end());
      }
      batch.events.push_back(e);
    }
    stats->events += batch.size();
    if (!batch.empty()) AP_RETURN_IF_ERROR(fn(batch));
  }
  ++stats->segments;
  return Status::OK();
}

}  // namespace

bool ScanFilter::Matches(const event::Event& e) const {
  if (e.start_us < from_us || e.start_us >= to_us) return false;
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), e.kind) != kinds.end();
}

Status ScanStoredEvents(fs::FileSystem* fs, const std::string& dir, const ScanFilter& filter,
                        const std::function<Status(const event::EventBatch&)>& fn, ScanStats* stats) {
  *stats = ScanStats{};
  if (!fs->FileExists(dir)) return Status::NotFound(fmt::format("data directory {} does not exist", dir));
  IdSet seen;
  std::set<uint64_t> done;  // segment numbers read
  // A compaction may delete a segment between reading the manifest and
  // opening it: then read the new manifest (a few times at most).
  Manifest first;
  for (int attempt = 0;; ++attempt) {
    AP_ASSIGN_OR_RETURN(first, LoadManifest(fs, dir));
    Status st;
    for (const SegmentMeta& m : first.segments) {
      if (done.count(m.no)) continue;
      auto r = segment::SegmentReader::Open(fs, fs::JoinPath(SegmentsDir(dir), segment::SegmentFileName(m.no)), m.no);
      if (!r.ok()) {
        st = r.status();
        break;
      }
      AP_RETURN_IF_ERROR(ScanSegment(**r, filter, &seen, fn, stats));
      done.insert(m.no);
    }
    if (st.ok()) break;
    if (attempt >= 3 || st.code() != StatusCode::kNotFound) return st;
  }
  const std::string wal_dir = WalDir(dir);
  if (fs->FileExists(wal_dir)) {
    wal::ReplayReport report;
    auto replay = [&](uint64_t seq, std::string_view payload) -> Status {
      if (seq <= first.flushed_seq) return Status::OK();
      ++stats->wal_records;
      event::EventBatch all;
      AP_RETURN_IF_ERROR(event::DecodeBatch(payload, &all).WithContext(fmt::format("WAL record {}", seq)));
      event::EventBatch batch;
      for (const event::Event& e : all.events) {
        if (!filter.Matches(e)) continue;
        if (!seen.insert(e.id).second) {
          ++stats->duplicates;
          continue;
        }
        event::Event c = e;
        c.attr_begin = static_cast<uint32_t>(batch.attrs.size());
        const event::Attr* a = all.AttrsOf(e);
        batch.attrs.insert(batch.attrs.end(), a, a + e.attr_count);
        batch.events.push_back(c);
      }
      stats->events += batch.size();
      return batch.empty() ? Status::OK() : fn(batch);
    };
    AP_RETURN_IF_ERROR(wal::ScanWal(fs, wal_dir, replay, &report));
  }
  // Segments made while the WAL was read (a flush that deleted WAL records
  // already read or not): their events not seen yet.
  auto later = LoadManifest(fs, dir);
  if (later.ok()) {
    for (const SegmentMeta& m : later->segments) {
      if (done.count(m.no)) continue;
      auto r = segment::SegmentReader::Open(fs, fs::JoinPath(SegmentsDir(dir), segment::SegmentFileName(m.no)), m.no);
      if (!r.ok()) continue;  // compacted away again: its rows are in a segment read or listed
      AP_RETURN_IF_ERROR(ScanSegment(**r, filter, &seen, fn, stats));
      done.insert(m.no);
    }
  }
  return Status::OK();
}

}  // namespace agentperf::store
