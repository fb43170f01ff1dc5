#include "store/flush.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "store/segment/segment_writer.h"

namespace agentperf::store {

Result<SegmentMeta> FlushHead(fs::FileSystem* fs, const std::string& dir, uint64_t no, const Head& head,
                              uint64_t wal_seq_min, uint64_t wal_seq_max, SummaryBuilder* summary) {
  // The head's blocks, by index (rows r live in block r / kChunkRows).
  std::vector<query::ColumnBlock> blocks;
  head.ScanBlocks(INT64_MIN, INT64_MAX, [&](const query::ColumnBlock& b) { blocks.push_back(b); });
  uint64_t n = 0;
  for (const auto& b : blocks) n += b.rows;

  // Row order by start time (stable: arrival order among equal starts).
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  auto start = [&](uint32_t r) { return blocks[r / kChunkRows].start_us[r % kChunkRows]; };
  std::vector<int64_t> starts(n);
  for (uint64_t r = 0; r < n; ++r) starts[r] = start(static_cast<uint32_t>(r));
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return starts[a] < starts[b]; });
  starts.clear();
  starts.shrink_to_fit();

  AP_ASSIGN_OR_RETURN(auto writer, segment::SegmentWriter::Create(fs, dir, no, n));
  segment::BlockBuffer buf;
  buf.Resize(segment::kBlockRows);
  std::vector<Hash128> ids(segment::kBlockRows);
  std::vector<std::string_view> attrs(segment::kBlockRows);
  for (uint64_t at = 0; at < n; at += segment::kBlockRows) {
    const size_t m = std::min<uint64_t>(segment::kBlockRows, n - at);
    for (size_t i = 0; i < m; ++i) {
      const uint32_t r = order[at + i];
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
