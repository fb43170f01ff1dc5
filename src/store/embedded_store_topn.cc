// EmbeddedStore: top-N queries ranked by max(duration_ms) (for example "the
// 10 slowest sessions"). Instead of reading every block, segment blocks are
// read largest-duration first (segment footers keep each block's largest
// duration) and the scan stops at the first block whose largest duration is
// below the current N-th best series: nothing in it or after it can enter the
// top N or raise a top series' maximum. Blocks are grouped on their rows at
// or above that threshold only (when grouping by session or with a `from`),
// so ties at a cap do not make every long session a candidate. When `from`
// is open, a point's time is its series' earliest start, so the blocks left
// unread or read in part that may still hold an earlier row of a top series
// (older than its earliest row seen, and, when grouping by session, whose
// session filter may hold it) are read in full afterwards.
#include <algorithm>
#include <cmath>

#include "query/engine.h"
#include "store/embedded_store.h"
#include "store/scan_plan.h"

namespace agentperf::store {

Result<query::QueryResult> EmbeddedStore::QueryTopN(const Version& v, const query::QuerySpec& spec) {
  query::Engine engine(spec);
  uint64_t skipped = 0;
  for (const auto& fh : v.frozen) {
    skipped += fh.head->ScanBlocks(spec.from_us, spec.to_us, [&](const query::ColumnBlock& b) { engine.Consume(b); });
  }
  skipped += v.head->ScanBlocks(spec.from_us, spec.to_us, [&](const query::ColumnBlock& b) { engine.Consume(b); });

  struct Candidate {
    const segment::SegmentReader* seg;
    const SegmentSummary* summary;  // may be null
    size_t block;
  };
  std::vector<Candidate> cands;
  for (const auto& seg : v.segments) {
    const auto& f = seg->footer();
    if (f.rows == 0 || f.min_start_us >= spec.to_us || f.max_start_us < spec.from_us || !SegmentMayMatch(*seg, spec)) {
      skipped += f.blocks.size();
      continue;
    }
    auto it = v.summaries.find(seg->number());
    const SegmentSummary* sum = it == v.summaries.end() ? nullptr : it->second.get();
    for (size_t i = 0; i < f.blocks.size(); ++i) {
      const auto& b = f.blocks[i];
      if (b.min_start_us >= spec.to_us || b.max_start_us < spec.from_us) {
        ++skipped;
      } else {
        cands.push_back({seg.get(), sum, i});
      }
    }
  }
  auto info = [](const Candidate& c) -> const segment::BlockInfo& { return c.seg->footer().blocks[c.block]; };
  std::stable_sort(cands.begin(), cands.end(),
                   [&](const Candidate& a, const Candidate& b) { return info(a).max_dur_us > info(b).max_dur_us; });

  const segment::ColumnSet cols = NeededColumns(spec);
  segment::BlockBuffer buf;
  query::ColumnBlock block;
  auto read = [&](const Candidate& c, int64_t min_dur_us) -> Status {
    AP_RETURN_IF_ERROR(c.seg->ReadBlock(c.block, cols, &buf, &block));
    if (min_dur_us == INT64_MIN) engine.Consume(block);
    else engine.ConsumeLongRows(block, min_dur_us);
    return Status::OK();
  };
  int session_pos = -1;
  for (size_t g = 0; g < spec.group_by.size(); ++g) {
    if (spec.group_by[g].type == query::Label::kStr && spec.group_by[g].str == event::StrField::kSessionId) {
      session_pos = static_cast<int>(g);
    }
  }
  // Rows below the threshold are left out of the first pass when the earliest
  // starts need no rows (a `from` is set) or the second pass finds them
  // cheaply (session filters); then the first pass groups only long rows.
  const bool long_rows_only = spec.from_us != INT64_MIN || session_pos >= 0;
  size_t next = 0;
  for (; next < cands.size(); ++next) {
    const double theta = engine.TopNThreshold();
    if (!std::isnan(theta) && static_cast<double>(info(cands[next]).max_dur_us) / 1000.0 < theta) break;
    // floor: a row of exactly theta ms (a tie) must be kept.
    const int64_t min_dur_us =
        long_rows_only && !std::isnan(theta) ? static_cast<int64_t>(std::floor(theta * 1000.0)) : INT64_MIN;
    AP_RETURN_IF_ERROR(read(cands[next], min_dur_us));
  }
  if (spec.from_us == INT64_MIN) {
    // Earliest starts of the top series: blocks not read, or read in part,
    // that may hold an earlier row of one of them.
    const std::vector<query::Engine::TopSeries> top = engine.CurrentTopN();
    std::vector<Hash128> keys;
    for (const auto& t : top) keys.push_back(session_pos >= 0 ? SessionKey(t.labels[session_pos]) : Hash128{});
    for (size_t j = long_rows_only ? 0 : next; j < cands.size(); ++j) {
      const Candidate& c = cands[j];
      const bool filtered = session_pos >= 0 && c.summary != nullptr && c.block < c.summary->session_filters.size();
      bool need = false;
      for (size_t t = 0; t < top.size() && !need; ++t) {
        if (info(c).min_start_us >= top[t].first_start_us) continue;
        need = !filtered || c.summary->session_filters[c.block].MayContain(keys[t]);
      }
      if (need) {
        // Re-reading rows only completes first starts: max is idempotent, and
        // nothing below the threshold can enter the top.
        AP_RETURN_IF_ERROR(read(c, INT64_MIN));
      } else if (j >= next) {
        ++skipped;
      }
    }
  } else {
    skipped += cands.size() - next;
  }
  engine.NoteSkippedBlocks(skipped);
  return engine.Finish();
}

}  // namespace agentperf::store
