// SpanAncestry: title detection through a parent chain, unknown links,
// expiry and the size bound.
#include "ingest/otlp/span_ancestry.h"

#include <gtest/gtest.h>

namespace agentperf::otlp {
namespace {

using V = SpanAncestry::Verdict;

TEST(OtlpAncestryTest, WalksUpToATitleSpan) {
  SpanAncestry a(100, 1000);
  a.Add("t", "p1", "p2", false, 0);
  EXPECT_EQ(a.UnderTitle("t", "p1"), V::kUnknown);  // p2 not seen yet
  a.Add("t", "p2", "", true, 1);
  EXPECT_EQ(a.UnderTitle("t", "p1"), V::kTitle);
  EXPECT_EQ(a.UnderTitle("other-trace", "p1"), V::kUnknown);
  a.Add("t", "q1", "", false, 1);
  EXPECT_EQ(a.UnderTitle("t", "q1"), V::kNotTitle);
  EXPECT_EQ(a.UnderTitle("t", ""), V::kNotTitle);
}

TEST(OtlpAncestryTest, SurvivesCycles) {
  SpanAncestry a(100, 1000);
  a.Add("t", "a", "b", false, 0);
  a.Add("t", "b", "a", false, 0);
  EXPECT_EQ(a.UnderTitle("t", "a"), V::kUnknown);
}

TEST(OtlpAncestryTest, ExpiresAndBounds) {
  SpanAncestry a(2, 1000);
  a.Add("t", "x", "", true, 0);
  a.Add("t", "y", "", false, 10);
  a.Add("t", "z", "", false, 20);  // over the bound: x (oldest) goes
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a.UnderTitle("t", "x"), V::kUnknown);
  a.Expire(1010);  // y is 1000 old
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(a.UnderTitle("t", "z"), V::kNotTitle);
}

}  // namespace
}  // namespace agentperf::otlp
