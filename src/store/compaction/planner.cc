#include "store/compaction/planner.h"

#include <fmt/format.h>

#include <algorithm>

namespace agentperf::store::compaction {

Plan PlanNext(const std::vector<SegmentMeta>& segments, const Policy& policy, int64_t now_us) {
  Plan plan;
  // Retention by age.
  if (policy.max_age_us > 0) {
    const int64_t cutoff = now_us - policy.max_age_us;
    for (const auto& s : segments) {
      if (s.max_start_us < cutoff) plan.inputs.push_back(s.no);
    }
    if (!plan.inputs.empty()) {
      plan.kind = Plan::kDrop;
      plan.reason = fmt::format("retention: {} segment(s) hold only events older than {:.1f} days", plan.inputs.size(),
                                static_cast<double>(policy.max_age_us) / 86400e6);
      return plan;
    }
  }
  // Retention by size.
  if (policy.max_bytes > 0) {
    uint64_t total = 0;
    for (const auto& s : segments) total += s.bytes;
    if (total > policy.max_bytes) {
      std::vector<const SegmentMeta*> by_age;
      for (const auto& s : segments) by_age.push_back(&s);
      std::sort(by_age.begin(), by_age.end(), [](const SegmentMeta* a, const SegmentMeta* b) {
        return a->max_start_us != b->max_start_us ? a->max_start_us < b->max_start_us : a->no < b->no;
      });
      for (const SegmentMeta* s : by_age) {
        if (total <= policy.max_bytes) break;
        plan.inputs.push_back(s->no);
        total -= s->bytes;
      }
      plan.kind = Plan::kDrop;
      plan.reason = fmt::format("retention: the segments exceed {} bytes; dropping the {} oldest", policy.max_bytes,
                                plan.inputs.size());
      return plan;
    }
  }
  // Compaction: runs of small segments, neighbours in time order.
  std::vector<const SegmentMeta*> by_time;
  for (const auto& s : segments) by_time.push_back(&s);
  std::sort(by_time.begin(), by_time.end(), [](const SegmentMeta* a, const SegmentMeta* b) {
    return a->min_start_us != b->min_start_us ? a->min_start_us < b->min_start_us : a->no < b->no;
  });
  const uint64_t small = policy.target_rows / 2;
  const size_t min_inputs = std::max<size_t>(2, policy.min_inputs);
  for (size_t i = 0; i < by_time.size(); ++i) {
    uint64_t rows = 0;
    size_t j = i;
    while (j < by_time.size() && by_time[j]->rows < small && rows + by_time[j]->rows <= policy.target_rows) {
      rows += by_time[j]->rows;
      ++j;
    }
    if (j - i >= min_inputs) {
      plan.kind = Plan::kMerge;
      for (size_t k = i; k < j; ++k) plan.inputs.push_back(by_time[k]->no);
      plan.reason = fmt::format("compaction: merging {} small segments ({} events)", j - i, rows);
      return plan;
    }
  }
  return plan;
}

}  // namespace agentperf::store::compaction
