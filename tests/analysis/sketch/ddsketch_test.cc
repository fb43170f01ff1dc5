#include "analysis/sketch/ddsketch.h"
#include "core/coding.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace agentperf::sketch {
namespace {

constexpr double kA = DDSketch::kDefaultRelativeAccuracy;
constexpr double kQuantiles[] = {0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1};

// The exact value the sketch approximates: the element at floor(q * (n - 1)).
double ExactQuantile(const std::vector<double>& sorted, double q) {
  const auto rank = static_cast<size_t>(std::floor(q * static_cast<double>(sorted.size() - 1)));
  return sorted[rank];
}

// Relative error <= a, with a few ulps of slack for log/exp rounding. Values
// below the minimum indexable value all count as zero.
::testing::AssertionResult WithinAccuracy(double got, double exact, double a) {
  if (exact < DDSketch::kMinIndexableValue) {
    if (got >= 0 && got < DDSketch::kMinIndexableValue) return ::testing::AssertionSuccess();
  } else if (std::fabs(got - exact) <= exact * a * (1 + 1e-9)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "got " << got << " exact " << exact << " rel err "
                                       << std::fabs(got - exact) / exact << " > " << a;
}

DDSketch SketchOf(const std::vector<double>& values, double a = kA,
                  int max_buckets = DDSketch::kDefaultMaxBuckets) {
  DDSketch s(a, max_buckets);
  for (double v : values) s.Add(v);
  return s;
}

template <typename Dist, typename Fn>
std::vector<double> Generate(size_t n, uint64_t seed, Dist d, Fn fn) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (double& x : v) x = fn(d(rng));
  return v;
}
auto Identity = [](double x) { return x; };
std::vector<double> Lognormal(size_t n, uint64_t seed) {
  return Generate(n, seed, std::lognormal_distribution<double>(std::log(1500.0), 1.5), Identity);
}
std::vector<double> Uniform(size_t n, uint64_t seed) {
  return Generate(n, seed, std::uniform_real_distribution<double>(0, 1000), Identity);
}
std::vector<double> Pareto(size_t n, uint64_t seed) {  // x_m = 1, alpha = 1.16
  return Generate(n, seed, std::uniform_real_distribution<double>(0, 1),
                  [](double u) { return 1.0 / std::pow(1.0 - u, 1 / 1.16); });
}

void ExpectAccurate(std::vector<double> values, const DDSketch& s, double a) {
  std::sort(values.begin(), values.end());
  ASSERT_EQ(s.count(), values.size());
  EXPECT_EQ(s.min(), values.front());
  EXPECT_EQ(s.max(), values.back());
  for (double q : kQuantiles) {
    EXPECT_TRUE(WithinAccuracy(s.Quantile(q), ExactQuantile(values, q), a)) << "q=" << q;
  }
}

void ExpectSameQuantiles(const DDSketch& x, const DDSketch& y) {
  for (int i = 0; i <= 1000; ++i) {
    const double q = i / 1000.0;
    ASSERT_EQ(x.Quantile(q), y.Quantile(q)) << "q=" << q;
  }
}

DDSketch RoundTrip(const DDSketch& s) {
  std::string enc;
  s.EncodeTo(&enc);
  std::string_view in = enc;
  auto r = DDSketch::Decode(&in);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(in.empty());
  return r.ok() ? std::move(r).value() : DDSketch();
}

TEST(DDSketchTest, AccuracyOnDistributions) {
  const std::vector<std::pair<const char*, std::vector<double>>> sets = {
      {"lognormal", Lognormal(100000, 1)},
      {"uniform", Uniform(100000, 2)},
      {"pareto", Pareto(100000, 3)},
      {"constant", std::vector<double>(100000, 42.5)},
  };
  for (const auto& [name, values] : sets) {
    SCOPED_TRACE(name);
    const DDSketch s = SketchOf(values);
    ExpectAccurate(values, s, kA);
    double sum = 0;
    for (double v : values) sum += v;
    EXPECT_DOUBLE_EQ(s.sum(), sum);
    EXPECT_DOUBLE_EQ(s.Mean(), sum / values.size());
  }
}

TEST(DDSketchTest, CoarseAccuracyHolds) {
  const auto values = Lognormal(20000, 4);
  ExpectAccurate(values, SketchOf(values, 0.05), 0.05);
  // Finer accuracy needs a larger cap: 65536 buckets at 1e-4 cover e^13.1.
  ExpectAccurate(values, SketchOf(values, 0.0001, 1 << 16), 0.0001);
}

TEST(DDSketchTest, EmptySketch) {
  DDSketch s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.sum(), 0);
  for (double v : {s.min(), s.max(), s.Mean()}) EXPECT_TRUE(std::isnan(v));
  for (double q : kQuantiles) EXPECT_TRUE(std::isnan(s.Quantile(q)));
  EXPECT_EQ(s.relative_accuracy(), kA);
}

TEST(DDSketchTest, ZeroValues) {
  DDSketch s;
  s.Add(0.0, 1000);
  s.Add(1e-12);  // below the minimum indexable value: zero bucket
  EXPECT_EQ(s.count(), 1001u);
  EXPECT_EQ(s.zero_count(), 1001u);
  EXPECT_EQ(s.min(), 0.0);
  EXPECT_EQ(s.max(), 1e-12);
  for (double q : kQuantiles) EXPECT_LT(s.Quantile(q), DDSketch::kMinIndexableValue);
  EXPECT_EQ(s.Quantile(0.5), 0.0);
}

TEST(DDSketchTest, MixOfZerosAndPositives) {
  std::vector<double> values = Lognormal(10000, 5);
  values.resize(13000, 0.0);  // 3000 zeros
  std::shuffle(values.begin(), values.end(), std::mt19937_64(6));
  const DDSketch s = SketchOf(values);
  EXPECT_EQ(s.zero_count(), 3000u);
  ExpectAccurate(values, s, kA);
  EXPECT_EQ(s.Quantile(0.1), 0.0);
  EXPECT_GT(s.Quantile(0.5), 0.0);
}

TEST(DDSketchTest, SingleValue) {
  const DDSketch s = SketchOf({123.456});
  for (double q : kQuantiles) EXPECT_EQ(s.Quantile(q), 123.456);  // clamped to [min, max]
  EXPECT_EQ(s.Mean(), 123.456);
  EXPECT_FALSE(s.empty());
}

TEST(DDSketchTest, QuantileEdgeArguments) {
  const DDSketch s = SketchOf({1, 2, 3, 4, 1000});
  EXPECT_EQ(s.Quantile(-1), 1);
  EXPECT_EQ(s.Quantile(2), 1000);
  EXPECT_TRUE(std::isnan(s.Quantile(std::nan(""))));
  // rank = 0.5 * 4 = 2 -> third element; rank = 0.9 * 4 = 3.6 -> fourth element.
  EXPECT_TRUE(WithinAccuracy(s.Quantile(0.5), 3, kA));
  EXPECT_TRUE(WithinAccuracy(s.Quantile(0.9), 4, kA));
}

TEST(DDSketchTest, WeightedAddEqualsRepeatedAdd) {
  DDSketch a;
  for (double v : {0.0, 1.5, 2000.0, 7e6}) a.Add(v, 5);
  a.Add(3.0, 0);  // no-op
  EXPECT_TRUE(a.Equals(SketchOf({0, 0, 0, 0, 0, 1.5, 1.5, 1.5, 1.5, 1.5, 2000, 2000, 2000, 2000,
                                 2000, 7e6, 7e6, 7e6, 7e6, 7e6})));
  EXPECT_EQ(a.count(), 20u);
}

TEST(DDSketchTest, InvalidValues) {
#ifdef NDEBUG
  DDSketch s;
  s.Add(5);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (double bad : {std::nan(""), -1.0, kInf, -kInf}) s.Add(bad, 3);
  EXPECT_EQ(s.count(), 1u);
  EXPECT_EQ(s.sum(), 5);
  EXPECT_EQ(s.max(), 5);
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(DDSketch().Add(-1), "finite");
  EXPECT_DEATH(DDSketch().Add(std::nan("")), "finite");
#endif
}

TEST(DDSketchTest, CreateValidatesParameters) {
  EXPECT_TRUE(DDSketch::Create(0.01, 100).ok());
  for (auto [a, cap] : {std::pair{0.0, 100}, {0.9, 100}, {std::nan(""), 100}, {0.01, 0}, {0.01, 1 << 20}}) {
    EXPECT_EQ(DDSketch::Create(a, cap).status().code(), StatusCode::kInvalidArgument) << a << " " << cap;
  }
}

TEST(DDSketchTest, MergeEqualsSketchOfUnion) {
  // Different ranges so the merge has to grow the window on both sides.
  std::vector<double> a = Lognormal(50000, 7), b = Pareto(30000, 8);
  b.insert(b.end(), {0.0, 1e12});
  std::vector<double> all = a;
  all.insert(all.end(), b.begin(), b.end());
  DDSketch merged = SketchOf(a);
  ASSERT_TRUE(merged.Merge(SketchOf(b)).ok());
  const DDSketch whole = SketchOf(all);
  EXPECT_EQ(merged.count(), whole.count());
  EXPECT_EQ(merged.zero_count(), whole.zero_count());
  EXPECT_EQ(merged.min(), whole.min());
  EXPECT_EQ(merged.max(), whole.max());
  EXPECT_DOUBLE_EQ(merged.sum(), whole.sum());
  ExpectSameQuantiles(merged, whole);
  ExpectAccurate(all, merged, kA);

  DDSketch reversed = SketchOf(b);  // merge in the other direction
  ASSERT_TRUE(reversed.Merge(SketchOf(a)).ok());
  ExpectSameQuantiles(reversed, whole);
}

TEST(DDSketchTest, MergeManyParts) {
  const auto values = Lognormal(20000, 9);
  DDSketch merged;
  for (size_t i = 0; i < values.size(); i += 1000) {
    ASSERT_TRUE(merged.Merge(SketchOf({values.begin() + i, values.begin() + i + 1000})).ok());
  }
  ExpectSameQuantiles(merged, SketchOf(values));
}

TEST(DDSketchTest, MergeEmptyAndSelf) {
  const DDSketch s = SketchOf({1, 2, 3});
  DDSketch empty;
  ASSERT_TRUE(empty.Merge(s).ok());
  EXPECT_TRUE(empty.Equals(s));
  DDSketch copy = s;
  ASSERT_TRUE(copy.Merge(DDSketch()).ok());
  EXPECT_TRUE(copy.Equals(s));
  ASSERT_TRUE(copy.Merge(copy).ok());
  EXPECT_EQ(copy.count(), 6u);
  EXPECT_EQ(copy.sum(), 12);
  ExpectSameQuantiles(copy, SketchOf({1, 1, 2, 2, 3, 3}));
}

TEST(DDSketchTest, MergeMismatchedAccuracyFails) {
  DDSketch a = SketchOf({5}, 0.01);
  EXPECT_EQ(a.Merge(SketchOf({7}, 0.02)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.count(), 1u);
  EXPECT_EQ(a.max(), 5);
}

TEST(DDSketchTest, CollapseKeepsHighQuantilesAndCount) {
  constexpr int kCap = 1024;  // gamma^1024 ~ e^10.2 ~ 28000 < the data's range
  std::vector<double> values = Lognormal(100000, 10);
  values.insert(values.end(), {1e-6, 0.0});
  const DDSketch s = SketchOf(values, kA, kCap);
  EXPECT_LE(s.MemoryBytes(), sizeof(DDSketch) + kCap * sizeof(uint64_t));
  std::sort(values.begin(), values.end());
  EXPECT_EQ(s.count(), values.size());
  EXPECT_EQ(s.min(), 0.0);
  EXPECT_EQ(s.max(), values.back());
  const double gamma = (1 + kA) / (1 - kA);
  const double threshold = values.back() / std::pow(gamma, kCap - 2);  // safely uncollapsed
  int checked = 0;
  for (int i = 0; i <= 1000; ++i) {
    const double q = i / 1000.0, exact = ExactQuantile(values, q), got = s.Quantile(q);
    if (exact >= threshold) {
      EXPECT_TRUE(WithinAccuracy(got, exact, kA)) << "q=" << q;
      ++checked;
    } else {
      EXPECT_GE(got, exact * (1 - kA) * (1 - 1e-9)) << "collapsed values only move up";
    }
  }
  EXPECT_GT(checked, 950);  // everything from about the 1st percentile up
}

TEST(DDSketchTest, CollapseIsOrderIndependentAndMergeable) {
  constexpr int kCap = 64;
  std::vector<double> values = Pareto(20000, 11);
  const DDSketch forward = SketchOf(values, kA, kCap);
  std::vector<double> reversed(values.rbegin(), values.rend());
  ExpectSameQuantiles(forward, SketchOf(reversed, kA, kCap));
  DDSketch merged(kA, kCap);
  for (size_t i = 0; i < values.size(); i += 5000) {
    ASSERT_TRUE(merged.Merge(SketchOf({values.begin() + i, values.begin() + i + 5000}, kA, kCap)).ok());
  }
  ExpectSameQuantiles(forward, merged);
}

TEST(DDSketchTest, DefaultCapCoversMinIndexableToBillion) {
  const std::vector<double> values = {DDSketch::kMinIndexableValue, 2e-8, 1, 1e9 - 1, 1e9};
  const DDSketch s = SketchOf(values);
  for (int i = 0; i <= 100; ++i) {
    const double q = i / 100.0;
    EXPECT_TRUE(WithinAccuracy(s.Quantile(q), ExactQuantile(values, q), kA)) << q;
  }
  EXPECT_EQ(s.zero_count(), 0u);
}

TEST(DDSketchTest, AbsurdRangeWithDefaultCap) {
  std::vector<double> values;  // 309 decades; the cap covers the top 17.8
  for (double v = 1e-9; v < 1e300; v *= 1.7) values.push_back(v);
  values.push_back(std::numeric_limits<double>::max());
  const DDSketch s = SketchOf(values);
  EXPECT_LE(s.MemoryBytes(), sizeof(DDSketch) + DDSketch::kDefaultMaxBuckets * sizeof(uint64_t));
  EXPECT_EQ(s.Quantile(1), std::numeric_limits<double>::max());
  for (double q : {0.99, 0.999}) {  // the 95th percentile, ~1e284, is collapsed
    EXPECT_TRUE(WithinAccuracy(s.Quantile(q), ExactQuantile(values, q), kA)) << q;
  }
  EXPECT_TRUE(RoundTrip(s).Equals(s));
}

TEST(DDSketchTest, ClearAndMemory) {
  DDSketch s = SketchOf(Lognormal(10000, 12));
  EXPECT_GT(s.MemoryBytes(), sizeof(DDSketch));
  EXPECT_LT(s.MemoryBytes(), 16 * 1024u);  // ~1500 buckets of 8 bytes plus slack
  s.Clear();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.MemoryBytes(), sizeof(DDSketch));
  EXPECT_TRUE(s.Equals(DDSketch()));
  s.Add(7);
  EXPECT_EQ(s.Quantile(0.5), 7);
}

TEST(DDSketchTest, SerializationRoundTrip) {
  std::vector<double> mixed = Lognormal(10000, 13);
  mixed.resize(11000, 0.0);
  for (const DDSketch& s : {DDSketch(), SketchOf({0.0, 0.0}), SketchOf({5.0}), SketchOf(mixed),
                            SketchOf(Pareto(10000, 14), 0.02, 100)}) {
    const DDSketch d = RoundTrip(s);  // Equals: parameters, totals and buckets
    EXPECT_TRUE(d.Equals(s));
    for (int i = 0; i <= 1000; ++i) {
      const double q = i / 1000.0, a = s.Quantile(q), b = d.Quantile(q);
      ASSERT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << q;
    }
  }
}

TEST(DDSketchTest, EncodingIsCompact) {
  std::string sparse, enc;
  SketchOf({1.0, 1e6}).EncodeTo(&sparse);  // ~1380 empty buckets in between
  EXPECT_LT(sparse.size(), 50u);
  const DDSketch dense = SketchOf(Lognormal(100000, 15));
  dense.EncodeTo(&enc);
  EXPECT_LT(enc.size(), 4000u);  // ~1700 buckets of 1-2 bytes
  EXPECT_TRUE(RoundTrip(dense).Equals(dense));
}

TEST(DDSketchTest, ConcatenatedEncodingsDecodeInOrder) {
  const DDSketch a = SketchOf({1, 2, 3}), b = SketchOf(Uniform(1000, 16), 0.01);
  std::string enc;
  a.EncodeTo(&enc);
  b.EncodeTo(&enc);
  std::string_view in = enc;
  for (const DDSketch* want : {&a, &b}) {
    auto got = DDSketch::Decode(&in);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->Equals(*want));
  }
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(DDSketch::Decode(&in).status().code(), StatusCode::kCorruption);
}

// A decoded sketch must be internally consistent whatever the input was.
void ExpectSane(const DDSketch& s) {
  EXPECT_EQ(s.empty(), std::isnan(s.Quantile(0.5)));
  for (size_t i = 0; i < std::size(kQuantiles) && !s.empty(); ++i) {
    const double v = s.Quantile(kQuantiles[i]);
    EXPECT_TRUE(v >= s.min() && v <= s.max()) << v;
    if (i > 0) {
      EXPECT_GE(v, s.Quantile(kQuantiles[i - 1]));  // monotone
    }
  }
  EXPECT_TRUE(RoundTrip(s).Equals(s));
}

TEST(DDSketchTest, DecodeRejectsTruncationAndSurvivesMutation) {
  std::vector<double> values = Lognormal(2000, 17);
  values.resize(2100, 0.0);
  values.push_back(1e9);
  std::string enc;
  SketchOf(values).EncodeTo(&enc);
  for (size_t len = 0; len < enc.size(); ++len) {
    std::string_view in(enc.data(), len);
    const auto r = DDSketch::Decode(&in);
    ASSERT_FALSE(r.ok()) << "prefix of length " << len << " decoded";
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(in.size(), len);  // unchanged on error
  }
  std::mt19937_64 rng(18);
  int accepted = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    std::string m = enc;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      // Bias towards the header, where the interesting fields are.
      const size_t pos = (rng() % 2) ? rng() % std::min<size_t>(m.size(), 48) : rng() % m.size();
      m[pos] = static_cast<char>(m[pos] ^ (1u << (rng() % 8)));
    }
    std::string_view in = m;
    const auto r = DDSketch::Decode(&in);
    EXPECT_TRUE(r.ok() || r.status().code() == StatusCode::kCorruption);
    if (r.ok()) ExpectSane(*r), ++accepted;
  }
  for (int iter = 0; iter < 2000; ++iter) {  // random garbage with a valid version byte
    std::string m(1 + rng() % 64, '\0');
    for (char& c : m) c = static_cast<char>(rng());
    m[0] = 1;
    std::string_view in = m;
    const auto r = DDSketch::Decode(&in);
    if (r.ok()) ExpectSane(*r);
  }
  // Some flips land in the sum or in count-neutral spots; most must be rejected.
  EXPECT_LT(accepted, 5000 / 2);
}

TEST(DDSketchTest, DecodeRejectsSpecificCorruptions) {
  std::string enc;
  SketchOf({1, 2, 3}).EncodeTo(&enc);
  auto decode = [](std::string s) {
    std::string_view in = s;
    return DDSketch::Decode(&in).status().code();
  };
  // Byte 0: version; 8: top byte of the accuracy; 11: count (after the 2-byte
  // max_buckets varint).
  for (auto [pos, byte] : {std::pair{0, 2}, {8, 0x7f}, {11, 5}}) {
    std::string bad = enc;
    bad[pos] = static_cast<char>(byte);
    EXPECT_EQ(decode(bad), StatusCode::kCorruption) << pos;
  }
  // Huge bucket range claimed with no bytes behind it.
  for (uint64_t n : {uint64_t{1} << 16, uint64_t{1} << 40}) {
    std::string huge(1, '\1');
    coding::PutDouble(&huge, 0.01);
    for (uint64_t v : {uint64_t{1} << 16, uint64_t{1}}) coding::PutVarint64(&huge, v);  // cap, count
    for (int i = 0; i < 3; ++i) coding::PutDouble(&huge, 1.0);  // sum, min, max
    for (uint64_t v : {uint64_t{0}, uint64_t{0}, n}) coding::PutVarint64(&huge, v);  // zeros, offset, n
    EXPECT_EQ(decode(huge), StatusCode::kCorruption) << n;
  }
}

// Values in [0, 1e9] spread over many orders of magnitude, plus exact zeros and
// values below the minimum indexable value.
rc::Gen<double> GenValue() {
  return rc::gen::oneOf(
      rc::gen::just(0.0),
      rc::gen::map(rc::gen::inRange<int64_t>(0, 1000000001),
                   [](int64_t v) { return static_cast<double>(v); }),
      rc::gen::map(rc::gen::inRange(-12000, 9001), [](int e) { return std::pow(10.0, e / 1000.0); }));
}

RC_GTEST_PROP(DDSketchProperty, QuantilesWithinRelativeAccuracy, ()) {
  auto values = *rc::gen::nonEmpty(rc::gen::container<std::vector<double>>(GenValue()));
  const DDSketch s = SketchOf(values);
  std::sort(values.begin(), values.end());
  RC_ASSERT(s.count() == values.size());
  RC_ASSERT(s.min() == values.front());
  RC_ASSERT(s.max() == values.back());
  for (double q : kQuantiles) {
    const auto r = WithinAccuracy(s.Quantile(q), ExactQuantile(values, q), kA);
    if (!r) RC_FAIL("q=" + std::to_string(q) + " n=" + std::to_string(values.size()) + ": " + r.message());
  }
}

RC_GTEST_PROP(DDSketchProperty, MergeMatchesWhole, ()) {
  const auto a = *rc::gen::container<std::vector<double>>(GenValue());
  const auto b = *rc::gen::container<std::vector<double>>(GenValue());
  std::vector<double> all = a;
  all.insert(all.end(), b.begin(), b.end());
  DDSketch merged = SketchOf(a);
  RC_ASSERT(merged.Merge(SketchOf(b)).ok());
  const DDSketch whole = SketchOf(all);
  RC_ASSERT(merged.count() == whole.count());
  for (double q : kQuantiles) {
    const double x = merged.Quantile(q), y = whole.Quantile(q);
    RC_ASSERT((x == y || (std::isnan(x) && std::isnan(y))));
  }
}

// The exact median absolute deviation at the sketch's rank convention:
// deviations from the exact element at floor((n - 1) / 2), then the deviation
// at the same position.
double ExactMad(std::vector<double> sorted) {
  const double median = sorted[(sorted.size() - 1) / 2];
  for (double& v : sorted) v = std::abs(v - median);
  std::sort(sorted.begin(), sorted.end());
  return sorted[(sorted.size() - 1) / 2];
}

TEST(DDSketchTest, MedianAbsoluteDeviationOfKnownValues) {
  DDSketch s;
  EXPECT_TRUE(std::isnan(s.MedianAbsoluteDeviation()));
  // 1 2 3 4 100: median 3, deviations 2 1 0 1 97 → MAD 1.
  for (double v : {1.0, 2.0, 3.0, 4.0, 100.0}) s.Add(v);
  EXPECT_NEAR(s.MedianAbsoluteDeviation(), 1.0, 0.005 * (2 * 3 + 1));
  DDSketch same;
  for (int i = 0; i < 10; ++i) same.Add(42.0);
  EXPECT_EQ(same.MedianAbsoluteDeviation(), 0.0);
}

RC_GTEST_PROP(DDSketchProperty, MedianAbsoluteDeviationWithinItsBound, ()) {
  auto values = *rc::gen::nonEmpty(rc::gen::container<std::vector<double>>(GenValue()));
  const DDSketch s = SketchOf(values);
  std::sort(values.begin(), values.end());
  const double median = values[(values.size() - 1) / 2];
  const double exact = ExactMad(values);
  const double bound = kA * (2 * median + exact) * (1 + 1e-9) + 1e-7;
  RC_ASSERT(std::abs(s.MedianAbsoluteDeviation() - exact) <= bound);
}

}  // namespace
}  // namespace agentperf::sketch
