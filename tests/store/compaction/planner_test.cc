// Tests for the compaction/retention planner (a pure function).
#include "store/compaction/planner.h"

#include <gtest/gtest.h>

namespace agentperf::store::compaction {
namespace {

SegmentMeta Seg(uint64_t no, uint64_t rows, int64_t min_us, int64_t max_us, uint64_t bytes = 1000) {
  SegmentMeta m;
  m.no = no;
  m.rows = rows;
  m.min_start_us = min_us;
  m.max_start_us = max_us;
  m.bytes = bytes;
  return m;
}

TEST(PlannerTest, NothingToDoWithFewOrLargeSegments) {
  Policy p;
  p.target_rows = 1000;
  EXPECT_EQ(PlanNext({}, p, 0).kind, Plan::kNone);
  EXPECT_EQ(PlanNext({Seg(1, 100, 0, 9), Seg(2, 100, 10, 19), Seg(3, 100, 20, 29)}, p, 0).kind, Plan::kNone);
  // Four neighbours, but one is large: the runs around it are too short.
  EXPECT_EQ(PlanNext({Seg(1, 100, 0, 9), Seg(2, 100, 10, 19), Seg(3, 900, 20, 29), Seg(4, 100, 30, 39)}, p, 0).kind,
            Plan::kNone);
}

TEST(PlannerTest, MergesTheOldestRunOfSmallNeighbours) {
  Policy p;
  p.target_rows = 1000;
  p.min_inputs = 3;
  std::vector<SegmentMeta> s = {Seg(7, 100, 40, 49), Seg(1, 100, 0, 9),   Seg(2, 100, 10, 19),
                                Seg(3, 800, 20, 29), Seg(4, 100, 30, 39), Seg(9, 100, 50, 59)};
  Plan plan = PlanNext(s, p, 0);
  ASSERT_EQ(plan.kind, Plan::kMerge);
  EXPECT_EQ(plan.inputs, (std::vector<uint64_t>{4, 7, 9}));  // 1,2 is too short a run
  // The run stops where the target would be passed.
  p.target_rows = 250;
  p.min_inputs = 2;
  plan = PlanNext({Seg(1, 100, 0, 9), Seg(2, 100, 10, 19), Seg(3, 100, 20, 29)}, p, 0);
  ASSERT_EQ(plan.kind, Plan::kMerge);
  EXPECT_EQ(plan.inputs, (std::vector<uint64_t>{1, 2}));
}

TEST(PlannerTest, RetentionByAgeThenBySize) {
  Policy p;
  p.max_age_us = 100;
  std::vector<SegmentMeta> s = {Seg(1, 10, 0, 50), Seg(2, 10, 60, 120), Seg(3, 10, 130, 300)};
  Plan plan = PlanNext(s, p, 200);  // cutoff 100: segment 1 only
  ASSERT_EQ(plan.kind, Plan::kDrop);
  EXPECT_EQ(plan.inputs, (std::vector<uint64_t>{1}));
  p.max_age_us = 0;
  p.max_bytes = 1500;  // three segments of 1000 bytes: drop the two oldest
  plan = PlanNext(s, p, 200);
  ASSERT_EQ(plan.kind, Plan::kDrop);
  EXPECT_EQ(plan.inputs, (std::vector<uint64_t>{1, 2}));
  p.max_bytes = 5000;
  EXPECT_EQ(PlanNext(s, p, 200).kind, Plan::kNone);
}

}  // namespace
}  // namespace agentperf::store::compaction
