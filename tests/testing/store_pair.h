// Tests comparing two embedded stores that hold the same events in different
// shapes (all in the head vs flushed into segments, ...): same answers, query
// by query. Header-only: used by test targets that link the store.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "query/result.h"
#include "query/spec.h"
#include "store/embedded_store.h"

namespace agentperf::testing {

// A store in `dir` that flushes only on request when flush_rows is 0.
inline std::unique_ptr<store::EmbeddedStore> OpenStore(const std::string& dir, uint64_t flush_rows = 0) {
  store::EmbeddedStoreOptions o;
  o.data_dir = dir;
  o.flush_rows = flush_rows;
  auto s = store::EmbeddedStore::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Each query (parsed at now_us) on both stores: equal JSON answers; then
// check(query, a's result, b's result) for more expectations, if given.
inline void ExpectSameAnswers(
    store::EmbeddedStore* a, store::EmbeddedStore* b, const std::vector<std::string>& queries, int64_t now_us,
    const std::function<void(const std::string&, const query::QueryResult&, const query::QueryResult&)>& check = {}) {
  for (const auto& q : queries) {
    auto spec = query::ParseQuerySpec(q, now_us);
    ASSERT_TRUE(spec.ok()) << q;
    auto ra = a->Query(*spec);
    auto rb = b->Query(*spec);
    ASSERT_TRUE(ra.ok() && rb.ok()) << q;
    EXPECT_EQ(query::QueryResultToJson(*ra, false), query::QueryResultToJson(*rb, false)) << q;
    if (check) check(q, *ra, *rb);
  }
}

}  // namespace agentperf::testing
