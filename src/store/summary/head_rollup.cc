#include "store/summary/head_rollup.h"

#include <algorithm>
#include <mutex>

namespace agentperf::store {

void HeadRollup::CatchUp(const Head& head) {
  const uint64_t n = head.rows();
  if (n <= covered_ || dropped_) return;  // only this thread writes them
  std::unique_lock<std::shared_mutex> l(mu_);
  head.ScanBlocks(INT64_MIN, INT64_MAX, [&](const query::ColumnBlock& b) {
    const uint64_t end = std::min<uint64_t>(b.first_row + b.rows, n);
    if (end <= covered_) return;
    const uint64_t begin = std::max(covered_, b.first_row);
    rollup_.AddRows(b, begin - b.first_row, end - b.first_row);
  });
  covered_ = n;
  if (n >= kCheckRows && rollup_.cells().size() * kMinRowsPerCell > n) {
    dropped_ = true;
    rollup_ = query::Rollup(kHeadRollupUs);
    covered_ = 0;
  }
}

}  // namespace agentperf::store
