// EmbeddedStore: top-N queries ranked by max(duration_ms) (for example "the
// 10 slowest sessions"). Instead of reading every block, segment blocks are
// read largest-duration first (segment footers keep each block's largest
// duration) and the scan stops at the first block whose largest duration is
// below the current N-th best series: nothing in it or after it can enter the
// top N or raise a top series' maximum. When `from` is open, a point's time
// is its series' earliest start, so the blocks left unread that may still
// hold an earlier row of a top series (older than its earliest row seen, and,
// when grouping by session, whose session filter may hold it) are read too.
#include <algorithm>

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
  auto read = [&](const Candidate& c) -> Status {
    AP_RETURN_IF_ERROR(c.seg->ReadBlock(c.block, cols, &buf, &block));
    engine.Consume(block);
    return Status::OK();
  };
  size_t next = 0;
  for (; next < cands.size(); ++next) {
    const double theta = engine.TopNThreshold();
    if (!std::isnan(theta) && static_cast<double>(info(cands[next]).max_dur_us) / 1000.0 < theta) break;
    AP_RETURN_IF_ERROR(read(cands[next]));
  }
  if (spec.from_us == INT64_MIN && next < cands.size()) {
    const std::vector<query::Engine::TopSeries> top = engine.CurrentTopN();
    int session_pos = -1;
    for (size_t g = 0; g < spec.group_by.size(); ++g) {
      if (spec.group_by[g].type == query::Label::kStr && spec.group_by[g].str == event::StrField::kSessionId) {
        session_pos = static_cast<int>(g);
      }
    }
    std::vector<Hash128> keys;
    for (const auto& t : top) keys.push_back(session_pos >= 0 ? SessionKey(t.labels[session_pos]) : Hash128{});
    for (size_t j = next; j < cands.size(); ++j) {
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
        AP_RETURN_IF_ERROR(read(c));
      } else {
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
