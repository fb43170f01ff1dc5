// HeadRollup: the minute rollup (query/rollup.h) of an in-memory head, kept
// up to date on ingest: after the applier appends a batch to the head it
// calls CatchUp, which adds the rows appended since the last call. Readers
// get the rollup together with the number of head rows it covers, and read
// only those rows of the head raw, so a query sees one consistent prefix of
// the head whether it reads cells, rows or both.
//
// Thread-safety: CatchUp from the head's single writer (the applier); Read
// from any thread (a shared lock while fn runs).
#pragma once

#include <cstdint>
#include <shared_mutex>

#include "query/rollup.h"
#include "store/head/head.h"

namespace agentperf::store {

inline constexpr int64_t kHeadRollupUs = query::kMinuteUs;

class HeadRollup {
 public:
  // Adds the head's rows [rows covered, head.rows()).
  void CatchUp(const Head& head);

  // fn(const query::Rollup&, uint64_t rows_covered), under a shared lock.
  template <typename Fn>
  void Read(Fn&& fn) const {
    std::shared_lock<std::shared_mutex> l(mu_);
    fn(rollup_, covered_);
  }
  size_t MemoryBytes() const {
    std::shared_lock<std::shared_mutex> l(mu_);
    return rollup_.MemoryBytes();
  }

 private:
  mutable std::shared_mutex mu_;
  query::Rollup rollup_{kHeadRollupUs};
  uint64_t covered_ = 0;
};

}  // namespace agentperf::store
