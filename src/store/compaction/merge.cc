#include "store/compaction/merge.h"

#include <algorithm>

#include "store/flush.h"
#include "store/segment/segment_writer.h"

namespace agentperf::store::compaction {
namespace {

// One input being read block by block.
struct Cursor {
  const segment::SegmentReader* seg = nullptr;
  std::vector<Hash128> ids;          // every row's id
  const segment::SegmentDict* attrs = nullptr;
  size_t block = 0;                  // current block
  size_t pos = 0;                    // row within it
  uint64_t base = 0;                 // segment row of the block's first row
  segment::BlockBuffer buf;
  query::ColumnBlock view;
  bool done = false;

  Status Load() {
    if (block >= seg->footer().blocks.size()) {
      done = true;
      return Status::OK();
    }
    pos = 0;
    return seg->ReadBlock(block, segment::AllColumns(), &buf, &view);
  }
  Status Advance(size_t n) {
    pos += n;
    if (pos < view.rows) return Status::OK();
    base += view.rows;
    ++block;
    return Load();
  }
  int64_t start() const { return view.start_us[pos]; }
};

query::ColumnBlock Slice(const query::ColumnBlock& b, size_t from, size_t n) {
  query::ColumnBlock s = b;
  s.rows = n;
  s.start_us += from;
  s.dur_us += from;
  s.kind += from;
  s.status += from;
  for (auto& p : s.str) p += from;
  for (auto& p : s.ints) p += from;
  for (auto& p : s.floats) p += from;
  return s;
}

}  // namespace

Result<SegmentMeta> MergeSegments(fs::FileSystem* fs, const std::string& dir, uint64_t no,
                                  const std::vector<std::shared_ptr<segment::SegmentReader>>& inputs,
                                  SummaryBuilder* summary) {
  uint64_t rows = 0, seq_min = UINT64_MAX, seq_max = 0;
  std::vector<Cursor> cursors(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    Cursor& c = cursors[i];
    c.seg = inputs[i].get();
    AP_RETURN_IF_ERROR(c.seg->ReadIds(&c.ids));
    AP_ASSIGN_OR_RETURN(c.attrs, c.seg->AttrDict());
    AP_RETURN_IF_ERROR(c.Load());
    rows += c.seg->rows();
    seq_min = std::min(seq_min, c.seg->footer().wal_seq_min);
    seq_max = std::max(seq_max, c.seg->footer().wal_seq_max);
  }
  AP_ASSIGN_OR_RETURN(auto writer, segment::SegmentWriter::Create(fs, dir, no, rows));
  std::vector<std::string_view> attrs;
  for (;;) {
    // The input with the earliest next row, and the earliest next row of the others.
    Cursor* best = nullptr;
    int64_t other = INT64_MAX;
    for (Cursor& c : cursors) {
      if (c.done) continue;
      if (best == nullptr || c.start() < best->start()) {
        if (best) other = std::min(other, best->start());
        best = &c;
      } else {
        other = std::min(other, c.start());
      }
    }
    if (best == nullptr) break;
    // Take the run of rows of this input that start no later than the others' next.
    const int64_t* s = best->view.start_us;
    size_t end = static_cast<size_t>(std::upper_bound(s + best->pos, s + best->view.rows, other) - s);
    if (end == best->pos) end = best->pos + 1;  // equal starts: take one, keep order stable
    const size_t n = end - best->pos;
    // Dictionaries of columns: every column was read, so all are set.
    query::ColumnBlock slice = Slice(best->view, best->pos, n);
    attrs.resize(n);
    for (size_t k = 0; k < n; ++k) attrs[k] = best->attrs->Lookup(best->buf.attr[best->pos + k]);
    AP_RETURN_IF_ERROR(writer->Add(slice, best->ids.data() + best->base + best->pos, attrs.data()));
    if (summary != nullptr) summary->Add(slice);
    AP_RETURN_IF_ERROR(best->Advance(n));
  }
  uint64_t bytes = 0;
  AP_ASSIGN_OR_RETURN(segment::Footer footer, writer->Finish(seq_min == UINT64_MAX ? 0 : seq_min, seq_max, &bytes));
  return SegmentMetaOf(no, footer, bytes, 0);  // the caller sets the level
}

}  // namespace agentperf::store::compaction
