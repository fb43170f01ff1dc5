#include "analysis/sketch/sparse_sketch.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace agentperf::sketch {
namespace {

// Heavy-tailed values like durations in ms, with some zeros and tiny values.
std::vector<double> Values(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> v;
  for (size_t i = 0; i < n; ++i) {
    double r = u(rng);
    v.push_back(r < 0.03 ? 0.0 : r < 0.05 ? 1e-9 : std::pow(10.0, -3 + 10 * u(rng)));
  }
  return v;
}

TEST(SparseSketchTest, MergeIntoGivesTheSameSketchAsAddingEachValue) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto v = Values(seed, seed * 37);
    SparseSketch s;
    DDSketch direct;
    for (double x : v) {
      s.Add(x);
      direct.Add(x);
    }
    DDSketch via;
    s.MergeInto(&via);
    EXPECT_EQ(via.count(), direct.count());
    EXPECT_EQ(via.zero_count(), direct.zero_count());
    EXPECT_EQ(via.min(), direct.min());
    EXPECT_EQ(via.max(), direct.max());
    EXPECT_NEAR(via.sum(), direct.sum(), 1e-9 * direct.sum());
    for (double q : {0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 1.0}) EXPECT_EQ(via.Quantile(q), direct.Quantile(q)) << q;
  }
}

TEST(SparseSketchTest, MergingIntoACollapsedSketchCollapsesLikeAdding) {
  // A tiny cap forces DDSketch to collapse its lowest buckets.
  auto v = Values(7, 500);
  DDSketch direct(DDSketch::kDefaultRelativeAccuracy, 50), via(DDSketch::kDefaultRelativeAccuracy, 50);
  SparseSketch s;
  for (double x : v) {
    direct.Add(x);
    s.Add(x);
  }
  s.MergeInto(&via);
  for (double q : {0.1, 0.5, 0.9, 0.99}) EXPECT_EQ(via.Quantile(q), direct.Quantile(q)) << q;
}

TEST(SparseSketchTest, IgnoresWhatDDSketchIgnores) {
  SparseSketch s;
  s.Add(-1);
  s.Add(std::nan(""));
  s.Add(INFINITY);
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(std::isnan(s.min()));
}

RC_GTEST_PROP(SparseSketchProp, MergeEqualsUnionAndRoundTrips, (std::vector<uint32_t> a, std::vector<uint32_t> b)) {
  SparseSketch sa, sb, su;
  for (uint32_t x : a) {
    sa.Add(x / 7.0);
    su.Add(x / 7.0);
  }
  for (uint32_t x : b) {
    sb.Add(x / 7.0);
    su.Add(x / 7.0);
  }
  sa.Merge(sb);
  RC_ASSERT(sa.count() == su.count());
  RC_ASSERT(sa.buckets() == su.buckets());
  std::string enc;
  sa.EncodeTo(&enc);
  std::string_view in(enc);
  auto d = SparseSketch::Decode(&in);
  RC_ASSERT(d.ok());
  RC_ASSERT(in.empty());
  RC_ASSERT(*d == sa);
  // Every strict prefix is rejected, and leaves the input untouched.
  for (size_t cut = 0; cut < enc.size(); ++cut) {
    std::string_view p(enc.data(), cut);
    RC_ASSERT(!SparseSketch::Decode(&p).ok());
    RC_ASSERT(p.size() == cut);
  }
}

TEST(SparseSketchTest, DecodeRejectsInconsistentCounts) {
  SparseSketch s;
  for (double x : {1.0, 2.0, 2.0, 50.0}) s.Add(x);
  std::string enc;
  s.EncodeTo(&enc);
  enc[0] = 5;  // count 4 -> 5: the buckets no longer add up
  std::string_view in(enc);
  EXPECT_EQ(SparseSketch::Decode(&in).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace agentperf::sketch

namespace agentperf::sketch {
namespace {

RC_GTEST_PROP(SparseSketchProp, ScaledFormRoundTripsMillisecondsFromMicroseconds, (std::vector<uint32_t> us)) {
  SparseSketch s;
  for (uint32_t u : us) s.Add(static_cast<double>(u) / 1000.0);
  std::string enc, plain;
  s.EncodeScaledTo(&enc, 1000.0);
  s.EncodeTo(&plain);
  RC_ASSERT(enc.size() <= plain.size());
  std::string_view in(enc);
  auto d = SparseSketch::DecodeScaled(&in, 1000.0);
  RC_ASSERT(d.ok());
  RC_ASSERT(in.empty());
  RC_ASSERT(d->count() == s.count());
  RC_ASSERT(d->buckets() == s.buckets());
  if (!s.empty()) {
    RC_ASSERT(d->min() == s.min());
    RC_ASSERT(d->max() == s.max());
    RC_ASSERT(std::fabs(d->sum() - s.sum()) <= 1e-12 * std::max(1.0, s.sum()));
  }
}

}  // namespace
}  // namespace agentperf::sketch
