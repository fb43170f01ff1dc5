#include "store/flush.h"

#include <algorithm>
#include <numeric>
#include <thread>
#include <vector>

#include "store/segment/segment_writer.h"

namespace agentperf::store {

namespace {

// The head's blocks (rows r live in block r / kChunkRows) and its rows in
// segment order: by start time, stable (arrival order among equal starts).
struct HeadRows {
  std::vector<query::ColumnBlock> blocks;
  std::vector<uint32_t> order;
};

HeadRows SortHead(const Head& head) {
  HeadRows h;
  head.ScanBlocks(INT64_MIN, INT64_MAX, [&](const query::ColumnBlock& b) { h.blocks.push_back(b); });
  uint64_t n = 0;
  for (const auto& b : h.blocks) n += b.rows;
  h.order.resize(n);
  std::iota(h.order.begin(), h.order.end(), 0u);
  std::vector<int64_t> starts(n);
  for (uint64_t r = 0; r < n; ++r) starts[r] = h.blocks[r / kChunkRows].start_us[r % kChunkRows];
  std::stable_sort(h.order.begin(), h.order.end(), [&](uint32_t a, uint32_t b) { return starts[a] < starts[b]; });
  return h;
}

// Writes the rows order[begin, end) of the head as segment `no`.
Result<SegmentMeta> WriteRows(fs::FileSystem* fs, const std::string& dir, uint64_t no, const Head& head,
                              const HeadRows& h, uint64_t begin, uint64_t end, uint64_t wal_seq_min,
                              uint64_t wal_seq_max, SummaryBuilder* summary) {
  const auto& blocks = h.blocks;
  AP_ASSIGN_OR_RETURN(auto writer, segment::SegmentWriter::Create(fs, dir, no, end - begin));
  segment::BlockBuffer buf;
  buf.Resize(segment::kBlockRows);
  std::vector<Hash128> ids(segment::kBlockRows);
  std::vector<std::string_view> attrs(segment::kBlockRows);
  for (uint64_t at = begin; at < end; at += segment::kBlockRows) {
    const size_t m = std::min<uint64_t>(segment::kBlockRows, end - at);
    for (size_t i = 0; i < m; ++i) {
      const uint32_t r = h.order[at + i];
      const query::ColumnBlock& b = blocks[r / kChunkRows];
      const size_t k = r % kChunkRows;
      buf.start_us[i] = b.start_us[k];
      buf.dur_us[i] = b.dur_us[k];
      buf.kind[i] = b.kind[k];
      buf.status[i] = b.status[k];
      for (int f = 0; f < event::kNumStrFields; ++f) buf.str[f][i] = b.str[f][k];
      for (int f = 0; f < event::kNumIntFields; ++f) buf.ints[f][i] = b.ints[f][k];
      for (int f = 0; f < event::kNumFloatFields; ++f) buf.floats[f][i] = b.floats[f][k];
      ids[i] = head.IdAt(r);
      attrs[i] = head.AttrBlobAt(r);
    }
    query::ColumnBlock view = buf.View(m);
    for (int f = 0; f < event::kNumStrFields; ++f) view.dicts[f] = blocks.empty() ? nullptr : blocks[0].dicts[f];
    AP_RETURN_IF_ERROR(writer->Add(view, ids.data(), attrs.data()));
    if (summary != nullptr) summary->Add(view);
  }
  uint64_t bytes = 0;
  AP_ASSIGN_OR_RETURN(segment::Footer footer, writer->Finish(wal_seq_min, wal_seq_max, &bytes));
  return SegmentMetaOf(no, footer, bytes, 0);
}

}  // namespace

Result<SegmentMeta> FlushHead(fs::FileSystem* fs, const std::string& dir, uint64_t no, const Head& head,
                              uint64_t wal_seq_min, uint64_t wal_seq_max, SummaryBuilder* summary) {
  HeadRows h = SortHead(head);
  return WriteRows(fs, dir, no, head, h, 0, h.order.size(), wal_seq_min, wal_seq_max, summary);
}

size_t FlushParts(uint64_t rows, int threads) {
  if (threads <= 1) return 1;
  const uint64_t by_rows = rows / kMinRowsPerFlushPart;
  return static_cast<size_t>(std::clamp<uint64_t>(by_rows, 1, static_cast<uint64_t>(threads)));
}

Result<std::vector<SegmentMeta>> FlushHeadSplit(fs::FileSystem* fs, const std::string& dir, uint64_t first_no,
                                                const Head& head, uint64_t wal_seq_min, uint64_t wal_seq_max,
                                                size_t parts, std::vector<SummaryBuilder>* summaries) {
  HeadRows h = SortHead(head);
  const uint64_t n = h.order.size();
  parts = std::max<size_t>(parts, 1);
  // Boundaries on whole blocks, so that only the last segment has a partial one.
  std::vector<uint64_t> cut(parts + 1, n);
  cut[0] = 0;
  for (size_t i = 1; i < parts; ++i) {
    const uint64_t blocks = (n * i / parts + segment::kBlockRows / 2) / segment::kBlockRows;
    cut[i] = std::min<uint64_t>(n, std::max<uint64_t>(cut[i - 1], blocks * segment::kBlockRows));
  }
  std::vector<Result<SegmentMeta>> out(parts, Status::Internal("not written"));
  auto write = [&](size_t i) {
    out[i] = WriteRows(fs, dir, first_no + i, head, h, cut[i], cut[i + 1], wal_seq_min, wal_seq_max,
                       summaries ? &(*summaries)[i] : nullptr);
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < parts; ++i) threads.emplace_back(write, i);
  write(0);
  for (auto& t : threads) t.join();
  std::vector<SegmentMeta> metas;
  Status first_error;
  for (auto& r : out) {
    if (r.ok()) {
      metas.push_back(*r);
    } else if (first_error.ok()) {
      first_error = r.status();
    }
  }
  if (!first_error.ok()) {
    // No partial flush: remove what was written.
    for (const auto& m : metas) (void)fs->RemoveFile(fs::JoinPath(dir, segment::SegmentFileName(m.no)));
    return first_error;
  }
  return metas;
}

SegmentMeta SegmentMetaOf(uint64_t no, const segment::Footer& footer, uint64_t bytes, uint32_t level) {
  SegmentMeta meta;
  meta.no = no;
  meta.rows = footer.rows;
  meta.bytes = bytes;
  meta.min_start_us = footer.min_start_us;
  meta.max_start_us = footer.max_start_us;
  meta.wal_seq_min = footer.wal_seq_min;
  meta.wal_seq_max = footer.wal_seq_max;
  meta.level = level;
  return meta;
}

}  // namespace agentperf::store
