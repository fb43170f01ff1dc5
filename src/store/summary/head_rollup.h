// HeadRollup: the minute rollup (query/rollup.h) of an in-memory head, kept
// up to date on ingest: after the applier appends a batch to the head it
// calls CatchUp, which adds the rows appended since the last call. Readers
// get the rollup together with the number of head rows it covers, and read
// only those rows of the head raw, so a query sees one consistent prefix of
// the head whether it reads cells, rows or both.
//
// A rollup only pays when it aggregates: a minute cell takes several times
// the memory of a head row. Once the head holds kCheckRows rows, if the
// rollup has more than one cell per kMinRowsPerCell rows (e.g. a backfill of
// weeks of history, a few events per minute and label combination), it is
// dropped for the rest of this head's life and readers read the head's rows
// (just as fast then). The next head starts with a rollup again.
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
  static constexpr uint64_t kCheckRows = 16384;
  static constexpr uint64_t kMinRowsPerCell = 4;

  // Adds the head's rows [rows covered, head.rows()) (nothing once dropped).
  void CatchUp(const Head& head);

  // fn(const query::Rollup&, uint64_t rows_covered) under a shared lock,
  // unless the rollup was dropped: then returns false without calling fn
  // (read all rows of the head instead).
  template <typename Fn>
  bool Read(Fn&& fn) const {
    std::shared_lock<std::shared_mutex> l(mu_);
    if (dropped_) return false;
    fn(rollup_, covered_);
    return true;
  }
  bool dropped() const {
    std::shared_lock<std::shared_mutex> l(mu_);
    return dropped_;
  }
  size_t MemoryBytes() const {
    std::shared_lock<std::shared_mutex> l(mu_);
    return rollup_.MemoryBytes();
  }

 private:
  mutable std::shared_mutex mu_;
  query::Rollup rollup_{kHeadRollupUs};
  uint64_t covered_ = 0;
  bool dropped_ = false;
};

}  // namespace agentperf::store
