// Rollup: cells built from blocks, merge, encoding, and the engine reading
// cells: a query answered from a rollup equals the same query over the rows.
#include "query/rollup.h"

#include <gtest/gtest.h>

#include <random>

#include "core/json_writer.h"
#include "query/engine.h"
#include "query/engine_test_blocks.h"
#include "query/result.h"

namespace agentperf::query::engine_test {
namespace {

// Rows spread over three hours, some on bucket edges, several labels.
void FillRandom(BlockData* b, uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::vector<std::string> v) { return v[rng() % v.size()]; };
  for (size_t i = 0; i < n; ++i) {
    Row r;
    r.start_us = kT0 + static_cast<int64_t>(rng() % (3ull * 3600 * 1000000));
    if (i % 17 == 0) r.start_us -= r.start_us % kMinuteUs;
    r.dur_us = static_cast<int64_t>(rng() % 5000000);
    r.kind = static_cast<SpanKind>(rng() % event::kNumKinds);
    r.status = rng() % 5 == 0 ? SpanStatus::kError : SpanStatus::kOk;
    r.agent = pick({"coder", "tester", ""});
    r.tool = pick({"bash", "read", ""});
    r.model = pick({"gpt-4o", "claude", ""});
    if (rng() % 3) r.tokens_in = static_cast<int64_t>(rng() % 10000);
    if (rng() % 2) r.cost = static_cast<double>(rng() % 1000) / 997.0;
    b->Add(r);
  }
}

// The query over the rows, and over the rollup for whole buckets + rows at the edges.
void ExpectSameAnswer(const std::string& json, const ColumnBlock& block, const Rollup& rollup, int64_t a, int64_t b) {
  QuerySpec spec = Spec(json);
  ASSERT_TRUE(RollupAnswers(spec, rollup.resolution_us())) << json;
  Engine raw(spec);
  raw.Consume(block);
  Engine mixed(spec);
  mixed.ConsumeRollup(rollup, a, b);
  if (a != INT64_MIN) mixed.Consume(block, INT64_MIN, a);
  if (b != INT64_MAX) mixed.Consume(block, b, INT64_MAX);
  auto rr = raw.Finish();
  auto mr = mixed.Finish();
  ASSERT_TRUE(rr.ok() && mr.ok());
  // Sums may differ in the last bits (another order of addition).
  ASSERT_EQ(rr->series.size(), mr->series.size()) << json;
  for (size_t s = 0; s < rr->series.size(); ++s) {
    EXPECT_EQ(rr->series[s].labels, mr->series[s].labels);
    ASSERT_EQ(rr->series[s].points.size(), mr->series[s].points.size()) << json;
    for (size_t p = 0; p < rr->series[s].points.size(); ++p) {
      const Point& x = rr->series[s].points[p];
      const Point& y = mr->series[s].points[p];
      EXPECT_EQ(x.t_us, y.t_us) << json;
      for (size_t v = 0; v < x.values.size(); ++v) {
        if (std::isnan(x.values[v])) {
          EXPECT_TRUE(std::isnan(y.values[v])) << json;
        } else {
          EXPECT_NEAR(x.values[v], y.values[v], 1e-9 * std::max(1.0, std::fabs(x.values[v]))) << json << " #" << v;
        }
      }
    }
  }
  EXPECT_GT(mr->stats.rollup_cells, 0u) << json;
}

TEST(RollupTest, QueriesOverCellsEqualQueriesOverRows) {
  Dicts d;
  BlockData data(&d);
  FillRandom(&data, 1, 5000);
  ColumnBlock block = data.Block();
  Rollup minute(kMinuteUs);
  minute.AddRows(block, 0, 2000);
  minute.AddRows(block, 2000, block.rows);
  EXPECT_EQ(minute.events(), block.rows);
  const std::string from = std::to_string((kT0 + 600 * 1000000 + 123) / 1000);
  const std::vector<std::string> queries = {
      R"q({"aggregates":["count","errors","error_rate","p50(duration_ms)","p99(duration_ms)","avg(duration_ms)","max(duration_ms)","min(duration_ms)"]})q",
      R"q({"group_by":["agent","tool"],"step":"1h","aggregates":["count","p95(duration_ms)","sum(tokens.input)","avg(cost)","count(cost)"]})q",
      R"q({"group_by":["model","kind"],"step":"5m","aggregates":["count","sum(duration_ms)","count(tokens.input)"]})q",
      R"q({"filters":[{"label":"tool","op":"!=","value":""},{"label":"agent","op":"=~","value":"co.*"}],"group_by":["tool"],"aggregates":["count","p90(duration_ms)"]})q",
      R"q({"filters":[{"label":"kind","op":"in","values":["llm_call","tool_call"]}],"group_by":["agent"],"step":"1m","aggregates":["errors"]})q",
  };
  for (const auto& q : queries) ExpectSameAnswer(q, block, minute, INT64_MIN, INT64_MAX);
  // A range that does not start on a bucket edge: the edge is read from rows.
  const int64_t f = kT0 + 600 * 1000000 + 123;
  const int64_t a = (f / kMinuteUs + 1) * kMinuteUs;
  ExpectSameAnswer(R"q({"from":)q" + from + R"q(,"group_by":["agent"],"aggregates":["count","p95(duration_ms)"]})q", block,
                   minute, a, INT64_MAX);
}

TEST(RollupTest, WhatARollupCannotAnswer) {
  EXPECT_FALSE(RollupAnswers(Spec(R"q({"group_by":["session_id"]})q"), kMinuteUs));
  EXPECT_FALSE(RollupAnswers(Spec(R"q({"group_by":["status"]})q"), kMinuteUs));
  EXPECT_FALSE(RollupAnswers(Spec(F("error_class", "=", "x")), kMinuteUs));
  EXPECT_FALSE(RollupAnswers(Spec(R"q({"aggregates":["p95(cost)"]})q"), kMinuteUs));
  EXPECT_FALSE(RollupAnswers(Spec(R"q({"aggregates":["max(cost)"]})q"), kMinuteUs));
  // Time to first chunk has a sketch in every cell.
  EXPECT_TRUE(RollupAnswers(Spec(R"q({"aggregates":["p95(ttfc_ms)","mad(ttfc_ms)","max(ttfc_ms)"]})q"), kMinuteUs));
  EXPECT_FALSE(RollupAnswers(Spec(R"q({"aggregates":["max(tokens.input)"]})q"), kMinuteUs));
  EXPECT_FALSE(RollupAnswers(Spec(R"q({"step":"90s"})q"), kMinuteUs));
  EXPECT_FALSE(RollupAnswers(Spec(R"q({"step":"1m"})q"), kHourUs));
  EXPECT_TRUE(RollupAnswers(Spec(R"q({"step":"2h","aggregates":["sum(cost)","p99(duration_ms)"]})q"), kHourUs));
}

TEST(RollupTest, MergeEqualsOneRollupOfAllRowsAndEncodingRoundTrips) {
  Dicts d1, d2;
  BlockData x(&d1), y(&d2);
  FillRandom(&x, 2, 3000);
  FillRandom(&y, 3, 2000);
  Rollup a(kHourUs), b(kHourUs), all(kHourUs);
  a.AddRows(x.Block(), 0, x.Block().rows);
  b.AddRows(y.Block(), 0, y.Block().rows);
  all.AddRows(x.Block(), 0, x.Block().rows);
  all.AddRows(y.Block(), 0, y.Block().rows);
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_TRUE(a.Equivalent(all));
  std::string enc;
  a.EncodeTo(&enc);
  std::string_view in(enc);
  auto dec = Rollup::Decode(&in);
  ASSERT_TRUE(dec.ok()) << dec.status().ToString();
  EXPECT_TRUE(in.empty());
  EXPECT_TRUE(dec->Equivalent(all));
  EXPECT_FALSE(a.Merge(Rollup(24 * kHourUs)).ok()) << "coarser into finer";
  EXPECT_FALSE(a.Merge(Rollup(7 * kMinuteUs)).ok()) << "7 minutes do not divide an hour";
  // Truncations and bit flips never crash and never decode into something else silently.
  for (size_t cut = 0; cut < enc.size(); cut += 7) {
    std::string_view p(enc.data(), cut);
    EXPECT_FALSE(Rollup::Decode(&p).ok()) << cut;
  }
}

TEST(RollupTest, FinerCellsMergeIntoCoarserOnesAndFrozenCellsAreSortedAndSearchable) {
  Dicts d;
  BlockData data(&d);
  FillRandom(&data, 4, 4000);
  ColumnBlock block = data.Block();
  Rollup minute(kMinuteUs), hour(kHourUs), merged(kHourUs);
  minute.AddRows(block, 0, block.rows);
  hour.AddRows(block, 0, block.rows);
  ASSERT_TRUE(merged.Merge(minute).ok());
  EXPECT_TRUE(merged.Equivalent(hour));
  merged.Freeze();
  EXPECT_TRUE(merged.sorted());
  EXPECT_TRUE(merged.Equivalent(hour));
  const auto& cells = merged.cells();
  for (size_t i = 1; i < cells.size(); ++i) EXPECT_LE(cells[i - 1].bucket, cells[i].bucket);
  // LowerBound: the first cell whose bucket starts at or after t.
  for (int64_t t : {INT64_MIN, kT0 - 1, kT0, kT0 + 1, kT0 + kHourUs, kT0 + 2 * kHourUs + 5, kT0 + 10 * kHourUs}) {
    const size_t i = merged.LowerBound(t);
    if (i < cells.size()) {
      EXPECT_GE(cells[i].bucket * kHourUs, t);
    }
    if (i > 0) {
      EXPECT_LT(cells[i - 1].bucket * kHourUs, t);
    }
  }
  // The engine reads only the cells of [a, b) from a sorted rollup: same answers as from rows.
  const int64_t a = (kT0 / kHourUs + 1) * kHourUs, b = a + kHourUs;
  ExpectSameAnswer(R"q({"group_by":["agent"],"step":"1h","aggregates":["count","p95(duration_ms)","sum(tokens.input)"]})q",
                   block, merged, a, b);
  // Adding to a frozen rollup works and unsorts it only when needed.
  merged.AddRows(block, 0, 10);
  EXPECT_EQ(merged.events(), block.rows + 10);
}

}  // namespace
}  // namespace agentperf::query::engine_test
