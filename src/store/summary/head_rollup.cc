#include "store/summary/head_rollup.h"

#include <algorithm>
#include <mutex>

namespace agentperf::store {

void HeadRollup::CatchUp(const Head& head) {
  const uint64_t n = head.rows();
  if (n <= covered_) return;
  std::unique_lock<std::shared_mutex> l(mu_);
  head.ScanBlocks(INT64_MIN, INT64_MAX, [&](const query::ColumnBlock& b) {
    const uint64_t end = std::min<uint64_t>(b.first_row + b.rows, n);
    if (end <= covered_) return;
    const uint64_t begin = std::max(covered_, b.first_row);
    rollup_.AddRows(b, begin - b.first_row, end - b.first_row);
  });
  covered_ = n;
}

}  // namespace agentperf::store
