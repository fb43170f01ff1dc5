#include "analysis/rootcause/compare.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/store_pair.h"
#include "testing/temp_dir.h"

namespace agentperf::analysis {
namespace {

using testing::EventJson;
using testing::kBaseMs;

constexpr int64_t kHourMs = 3600000;

// A number of the answer; NaN when absent or null (so that expectations fail).
double Num(const testing::JsonDoc& d, const std::string& ptr) { return d.Num(ptr).value_or(NAN); }

// Window A = hour 0, window B = hour 2 (the events below start there).
CompareSpec Windows(const std::string& metric = "duration_ms") {
  CompareSpec spec;
  spec.a_from_us = kBaseMs * 1000;
  spec.a_to_us = (kBaseMs + kHourMs) * 1000;
  spec.b_from_us = (kBaseMs + 2 * kHourMs) * 1000;
  spec.b_to_us = (kBaseMs + 3 * kHourMs) * 1000;
  spec.metric = metric;
  return spec;
}

// Start of the i-th span of window w (0 = before, 1 = after).
int64_t StartMs(int w, int i) { return kBaseMs + w * 2 * kHourMs + i * 1000; }

// The index in "explained" of a dimension, -1 if absent.
int DimensionIndex(const testing::JsonDoc& d, const std::string& dim) {
  const size_t n = d.Len("/explained");
  for (size_t i = 0; n != SIZE_MAX && i < n; ++i) {
    if (d.Str(fmt::format("/explained/{}/dimension", i)) == dim) return static_cast<int>(i);
  }
  return -1;
}

// The same events in the head, then flushed into segments: fn(answer) for both.
template <typename Fn>
void ForBothShapes(const std::string& ndjson, const CompareSpec& spec, Fn fn) {
  testing::TempDir dir;
  auto store = testing::OpenStore(dir.path());
  ASSERT_TRUE(store->Append(testing::Decode(ndjson)).ok());
  for (bool flushed : {false, true}) {
    SCOPED_TRACE(flushed ? "flushed" : "in the head");
    if (flushed) {
      ASSERT_TRUE(store->Flush().ok());
    }
    auto json = CompareWindows(store.get(), spec);
    ASSERT_TRUE(json.ok()) << json.status().ToString();
    testing::JsonDoc d(*json);
    ASSERT_TRUE(d.ok()) << *json;
    fn(d, *json);
  }
}

// Window A (hour 0) and B (hour 2): 200 coder steps of ~100 ms in each; the
// researcher's 200 steps go from ~100 ms to ~300 ms. The mean moves by
// +100 ms, all of it the researcher's own rate.
std::string Events() {
  std::vector<std::string> lines;
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < 400; ++i) {
      const bool researcher = i % 2 == 1;
      const int base = researcher && w == 1 ? 300 : 100;
      lines.push_back(EventJson()
                          .Set("span_id", fmt::format("s{}_{}", w, i))
                          .Set("agent", researcher ? "researcher" : "coder")
                          .Set("model", researcher ? "m-large" : "m-small")
                          .Set("start_ms", kBaseMs + w * 2 * kHourMs + i * 1000)
                          .Set("duration_ms", base + i % 7)
                          .Str());
    }
  }
  return testing::Ndjson(lines);
}

TEST(CompareWindows, FindsTheAgentWhoseStepsGotSlower) {
  testing::TempDir dir;
  auto store = testing::OpenStore(dir.path());
  ASSERT_TRUE(store->Append(testing::Decode(Events())).ok());
  for (bool flushed : {false, true}) {
    if (flushed) {
      ASSERT_TRUE(store->Flush().ok());
    }
    CompareSpec spec;
    spec.a_from_us = kBaseMs * 1000;
    spec.a_to_us = (kBaseMs + kHourMs) * 1000;
    spec.b_from_us = (kBaseMs + 2 * kHourMs) * 1000;
    spec.b_to_us = (kBaseMs + 3 * kHourMs) * 1000;
    auto json = CompareWindows(store.get(), spec);
    ASSERT_TRUE(json.ok()) << json.status().ToString();
    testing::JsonDoc d(*json);
    EXPECT_EQ(d.Str("/metric"), "duration_ms");
    EXPECT_EQ(d.Str("/unit"), "ms");
    EXPECT_EQ(d.Num("/before/count"), 400);
    EXPECT_EQ(d.Num("/after/count"), 400);
    EXPECT_NEAR(Num(d, "/change/mean"), 100, 1e-6);
    EXPECT_LT(Num(d, "/change/significance/p_value"), 1e-6);
    EXPECT_GT(Num(d, "/change/significance/effect"), 0);  // after is slower
    EXPECT_EQ(d.Num("/change/significance/n_before"), 400);
    EXPECT_EQ(d.Len("/change/p50_change_ci95"), 2u);
    EXPECT_EQ(d.Len("/change/p95_change_ci95"), 2u);
    // The agent dimension: the researcher carries the whole change, by rate.
    EXPECT_EQ(d.Str("/explained/0/dimension"), "agent");
    EXPECT_EQ(d.Str("/explained/0/values/0/value"), "researcher");
    EXPECT_NEAR(Num(d, "/explained/0/values/0/share"), 1.0, 1e-9);
    EXPECT_NEAR(Num(d, "/explained/0/values/0/rate"), 100, 1e-6);
    EXPECT_NEAR(Num(d, "/explained/0/values/0/mix"), 0, 1e-6);
    EXPECT_LT(Num(d, "/explained/0/values/0/significance/p_value"), 1e-6);
    EXPECT_NEAR(Num(d, "/explained/0/values/1/contribution"), 0, 1e-6);  // the coder: nothing
    EXPECT_GT(Num(d, "/explained/0/values/1/significance/p_value"), 0.01);
    // The model dimension says the same through m-large.
    EXPECT_EQ(d.Str("/explained/1/dimension"), "model");
    EXPECT_EQ(d.Str("/explained/1/values/0/value"), "m-large");
  }
}

// A filter on a label the cheap labels-only read does not carry (session_id):
// the samples still pass it (the same spans as the rollup figures).
TEST(CompareWindows, FilterOnAnIdLabelStillSamples) {
  CompareSpec spec = Windows();
  query::Matcher m;
  m.label = query::ParseLabel("session_id").value();
  m.values = {"s1"};  // every event of Events()
  spec.filters = {m};
  ForBothShapes(Events(), spec, [&](const testing::JsonDoc& d, const std::string& json) {
    EXPECT_EQ(d.Num("/before/count"), 400) << json;
    EXPECT_EQ(d.Num("/before/samples"), 400) << json;
    EXPECT_EQ(d.Num("/change/significance/n_after"), 400) << json;
  });
}

// Eight sessions per window, half on OpenCode 1.18.32 and half on 1.18.33
// (attrs.version of the session span, which starts a minute before its
// steps); the same agent and model everywhere. After, the 1.18.33 sessions'
// steps take 400 ms instead of 100 ms: only the version explains it.
std::string VersionEvents() {
  std::vector<std::string> lines;
  for (int w = 0; w < 2; ++w) {
    for (int s = 0; s < 8; ++s) {
      const std::string ses = fmt::format("ses_{}_{}", w, s);
      const std::string version = s % 2 ? "1.18.33" : "1.18.32";
      lines.push_back(EventJson()
                          .Set("kind", "session")
                          .Set("span_id", ses)
                          .Set("session_id", ses)
                          .Set("agent", "coder")
                          .Set("start_ms", StartMs(w, 0) - 60000 + s)
                          .Set("duration_ms", 600000)
                          .Raw("attrs", fmt::format(R"({{"version":"{}"}})", version))
                          .Str());
      for (int i = 0; i < 40; ++i) {
        const bool slow = w == 1 && s % 2 == 1;
        lines.push_back(EventJson()
                            .Set("span_id", fmt::format("{}_{}", ses, i))
                            .Set("session_id", ses)
                            .Set("agent", "coder")
                            .Set("model", "m")
                            .Set("start_ms", StartMs(w, s * 40 + i))
                            .Set("duration_ms", (slow ? 400 : 100) + i % 5)
                            .Str());
      }
    }
  }
  return testing::Ndjson(lines);
}

TEST(CompareWindows, VersionDimensionFromTheSessionsOnlyWhenAsked) {
  CompareSpec spec = Windows();
  ForBothShapes(VersionEvents(), spec, [](const testing::JsonDoc& d, const std::string& json) {
    EXPECT_EQ(DimensionIndex(d, "version"), -1) << "not asked for: " << json;
  });
  spec.with_version = true;
  ForBothShapes(VersionEvents(), spec, [](const testing::JsonDoc& d, const std::string& json) {
    const int v = DimensionIndex(d, "version");
    ASSERT_GE(v, 0) << json;
    const std::string dim = fmt::format("/explained/{}", v);
    EXPECT_EQ(d.Bool(dim + "/sampled"), true) << json;
    EXPECT_EQ(d.Str(dim + "/values/0/value"), "1.18.33") << json;
    // Exact here (every span is sampled): after, half the steps went from
    // 102 ms to 402 ms on average, so the mean rose by 150 ms, all of it
    // 1.18.33's own rate.
    EXPECT_NEAR(Num(d, dim + "/values/0/contribution"), 150, 1e-6) << json;
    EXPECT_NEAR(Num(d, dim + "/values/0/share"), 1, 1e-9) << json;
    EXPECT_NEAR(Num(d, dim + "/values/0/mix"), 0, 1e-9) << json;
    EXPECT_NEAR(Num(d, dim + "/values/0/mean_before"), 102, 1e-9) << json;
    EXPECT_NEAR(Num(d, dim + "/values/0/mean_after"), 402, 1e-9) << json;
    EXPECT_LT(Num(d, dim + "/values/0/significance/p_value"), 0.01) << json;
    EXPECT_NEAR(Num(d, dim + "/values/1/contribution"), 0, 1e-6) << json;
    EXPECT_NEAR(Num(d, "/change/mean"), 150, 1e-6) << json;
  });
}

TEST(CompareWindows, RejectsEmptyWindows) {
  testing::TempDir dir;
  auto store = testing::OpenStore(dir.path());
  CompareSpec spec;
  spec.a_from_us = spec.a_to_us = 1;
  spec.b_from_us = 1;
  spec.b_to_us = 2;
  EXPECT_FALSE(CompareWindows(store.get(), spec).ok());
}

// Error rate: agents A and B fail 5 % of their steps before; after, B fails
// 40 %. The mean error rate moves by exactly what the data says, all of it B's.
TEST(CompareWindows, ErrorRateNamesTheAgentThatFailsMore) {
  std::vector<std::string> lines;
  double errors[2] = {0, 0}, spans[2] = {0, 0};
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < 400; ++i) {
      const bool b = i % 2 == 1;
      const int k = i / 2;  // the agent's own step number
      const bool error = b && w == 1 ? k % 5 < 2 : k % 20 == 0;
      errors[w] += error;
      spans[w] += 1;
      lines.push_back(EventJson()
                          .Set("span_id", fmt::format("e{}_{}", w, i))
                          .Set("agent", b ? "B" : "A")
                          .Set("model", "m")
                          .Set("start_ms", StartMs(w, i))
                          .Set("duration_ms", 100 + i % 7)
                          .Set("status", error ? "error" : "ok")
                          .Str());
    }
  }
  const double before = errors[0] / spans[0], after = errors[1] / spans[1];
  ASSERT_NEAR(before, 0.05, 1e-12);
  ASSERT_NEAR(after, (10.0 + 80.0) / 400.0, 1e-12);
  ForBothShapes(testing::Ndjson(lines), Windows("error_rate"), [&](const testing::JsonDoc& d, const std::string& json) {
    EXPECT_EQ(d.Str("/metric"), "error_rate");
    EXPECT_EQ(d.Str("/unit"), "fraction");
    EXPECT_EQ(d.Num("/before/count"), 400);
    EXPECT_NEAR(Num(d, "/before/mean"), before, 1e-12);
    EXPECT_NEAR(Num(d, "/after/mean"), after, 1e-12);
    EXPECT_NEAR(Num(d, "/change/mean"), after - before, 1e-12);
    // No quantiles of 0/1 values.
    EXPECT_FALSE(d.Num("/before/p50").has_value()) << json;
    EXPECT_FALSE(d.Num("/after/p95").has_value()) << json;
    EXPECT_FALSE(d.Num("/change/p50").has_value()) << json;
    EXPECT_EQ(d.Len("/change/p50_change_ci95"), SIZE_MAX) << json;  // null
    EXPECT_EQ(d.Len("/change/p95_change_ci95"), SIZE_MAX) << json;
    // The test on 0/1 values per span: every span sampled here.
    EXPECT_EQ(d.Num("/before/samples"), 400);
    EXPECT_EQ(d.Num("/change/significance/n_after"), 400);
    EXPECT_LT(Num(d, "/change/significance/p_value"), 0.01);
    EXPECT_GT(Num(d, "/change/significance/effect"), 0);  // more errors after
    ASSERT_EQ(d.Str("/explained/0/dimension"), "agent");
    EXPECT_EQ(d.Str("/explained/0/values/0/value"), "B");
    EXPECT_NEAR(Num(d, "/explained/0/values/0/share"), 1.0, 1e-9);
    EXPECT_NEAR(Num(d, "/explained/0/values/0/contribution"), after - before, 1e-12);
    EXPECT_NEAR(Num(d, "/explained/0/values/0/mean_before"), 0.05, 1e-12);
    EXPECT_NEAR(Num(d, "/explained/0/values/0/mean_after"), 0.4, 1e-12);
    EXPECT_NEAR(Num(d, "/explained/0/values/0/rate"), after - before, 1e-12);  // B's own rate, not its weight
    EXPECT_LT(Num(d, "/explained/0/values/0/significance/p_value"), 0.01);
    EXPECT_EQ(d.Str("/explained/0/values/1/value"), "A");
    EXPECT_NEAR(Num(d, "/explained/0/values/1/contribution"), 0, 1e-12);
    EXPECT_GT(Num(d, "/explained/0/values/1/significance/p_value"), 0.5);  // A: the same 5 %
  });
}

// Cost: model m2 costs 10x m1. Before, 10 % of the steps go to m2; after,
// 60 %. The mean cost per step rises through mix, not through prices.
TEST(CompareWindows, CostRiseFromMoreStepsOnTheExpensiveModel) {
  std::vector<std::string> lines;
  double sum[2] = {0, 0}, n[2] = {0, 0};
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < 400; ++i) {
      const bool m2 = w == 0 ? i % 10 == 0 : i % 5 < 3;
      const double cost = (m2 ? 0.01 : 0.001) * (1 + 0.01 * (i % 3));
      sum[w] += cost;
      n[w] += 1;
      lines.push_back(EventJson()
                          .Set("span_id", fmt::format("c{}_{}", w, i))
                          .Set("model", m2 ? "m2" : "m1")
                          .Set("provider", "p")
                          .Set("start_ms", StartMs(w, i))
                          .Set("duration_ms", 100)
                          .Set("cost", cost)
                          .Str());
    }
  }
  const double delta = sum[1] / n[1] - sum[0] / n[0];
  ForBothShapes(testing::Ndjson(lines), Windows("cost"), [&](const testing::JsonDoc& d, const std::string& json) {
    EXPECT_EQ(d.Str("/metric"), "cost");
    EXPECT_EQ(d.Str("/unit"), "USD");
    EXPECT_EQ(d.Num("/before/count"), 400);
    EXPECT_NEAR(Num(d, "/before/mean"), sum[0] / n[0], 1e-12);
    EXPECT_NEAR(Num(d, "/change/mean"), delta, 1e-12);
    EXPECT_GT(Num(d, "/after/p50"), 0.009);  // most steps are on m2 now
    EXPECT_LT(Num(d, "/before/p50"), 0.0011);
    EXPECT_LT(Num(d, "/change/significance/p_value"), 0.01);
    EXPECT_EQ(d.Len("/change/p50_change_ci95"), 2u);
    const int model = DimensionIndex(d, "model");
    ASSERT_GE(model, 0) << json;
    const std::string v0 = fmt::format("/explained/{}/values/0/", model);
    EXPECT_EQ(d.Str(v0 + "value"), "m2");
    const double mix = Num(d, v0 + "mix"), rate = Num(d, v0 + "rate");
    EXPECT_GT(mix, 0);
    EXPECT_GT(mix, 20 * std::fabs(rate)) << json;  // mix dominates
    EXPECT_NEAR(mix + rate, Num(d, v0 + "contribution"), 1e-15);
    EXPECT_NEAR(Num(d, v0 + "weight_before"), 0.1, 1e-12);
    EXPECT_NEAR(Num(d, v0 + "weight_after"), 0.6, 1e-12);
    // Exact: the contributions of every value add up to the change of the mean.
    const size_t values = d.Len(fmt::format("/explained/{}/values", model));
    ASSERT_EQ(values, 2u);
    double total = 0;
    for (size_t i = 0; i < values; ++i) total += Num(d, fmt::format("/explained/{}/values/{}/contribution", model, i));
    EXPECT_NEAR(total, delta, 1e-9);
    EXPECT_NEAR(total, Num(d, "/change/mean"), 1e-9);
    EXPECT_GT(Num(d, v0 + "share"), 0.9);
  });
}

// Time to first chunk: only the spans that have it count, in the figures and
// in the mean (a span without it is not a 0 ms first chunk).
TEST(CompareWindows, TtfcCountsOnlySpansThatHaveIt) {
  std::vector<std::string> lines;
  double sum[2] = {0, 0}, n[2] = {0, 0};
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < 300; ++i) {
      EventJson e;
      e.Set("span_id", fmt::format("t{}_{}", w, i))
          .Set("agent", i % 2 ? "researcher" : "coder")
          .Set("start_ms", StartMs(w, i))
          .Set("duration_ms", 500);
      // Before: 2 spans in 3 have a ttfc; after: 1 in 2. After is slower.
      if (w == 0 ? i % 3 != 0 : i % 2 == 0) {
        const double ttfc = (w == 0 ? 40.0 : 80.0) + i % 11;
        e.Set("ttfc_ms", ttfc);
        sum[w] += ttfc;
        n[w] += 1;
      }
      lines.push_back(e.Str());
    }
  }
  ASSERT_EQ(n[0], 200);
  ASSERT_EQ(n[1], 150);
  ForBothShapes(testing::Ndjson(lines), Windows("ttfc_ms"), [&](const testing::JsonDoc& d, const std::string& json) {
    EXPECT_EQ(d.Str("/unit"), "ms");
    EXPECT_EQ(d.Num("/before/count"), 200) << json;
    EXPECT_EQ(d.Num("/after/count"), 150) << json;
    EXPECT_EQ(d.Num("/before/samples"), 200) << json;
    EXPECT_EQ(d.Num("/after/samples"), 150) << json;
    EXPECT_NEAR(Num(d, "/before/mean"), sum[0] / n[0], 1e-9);
    EXPECT_NEAR(Num(d, "/after/mean"), sum[1] / n[1], 1e-9);
    EXPECT_NEAR(Num(d, "/change/mean"), sum[1] / n[1] - sum[0] / n[0], 1e-9);
    EXPECT_NEAR(Num(d, "/after/p50"), 85, 85 * 0.02);
    EXPECT_LT(Num(d, "/change/significance/p_value"), 1e-6);
    EXPECT_EQ(d.Num("/change/significance/n_before"), 200);
    // Both agents slowed down alike; the weights are those of spans with a ttfc.
    ASSERT_EQ(d.Str("/explained/0/dimension"), "agent");
    double total = 0, weights = 0;
    for (int i = 0; i < 2; ++i) {
      total += Num(d, fmt::format("/explained/0/values/{}/contribution", i));
      weights += Num(d, fmt::format("/explained/0/values/{}/weight_after", i));
    }
    EXPECT_NEAR(total, Num(d, "/change/mean"), 1e-9);
    EXPECT_NEAR(weights, 1.0, 1e-12);
  });
}

TEST(CompareWindows, RejectsAnUnknownMetricNamingTheAllowedOnes) {
  testing::TempDir dir;
  auto store = testing::OpenStore(dir.path());
  auto r = CompareWindows(store.get(), Windows("latency"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("'latency'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("duration_ms, error_rate, cost, ttfc_ms, tokens.input, tokens.output, tokens.cache_read"),
            std::string::npos)
      << msg;
  // Near misses are no metric either: no fields outside the list.
  EXPECT_FALSE(CompareWindows(store.get(), Windows("tokens.reasoning")).ok());
  EXPECT_FALSE(CompareWindows(store.get(), Windows("")).ok());
  EXPECT_EQ(CompareMetricNames().size(), 7u);
}

// Input tokens: the p50 of each window (the sketch's, 1 % relative accuracy)
// is within 1 % of the exact median of the spans that have the value.
TEST(CompareWindows, TokensInputMedianWithinTheSketchAccuracy) {
  std::vector<std::string> lines;
  std::vector<double> values[2];
  uint64_t x = 12345;
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < 421; ++i) {
      EventJson e;
      e.Set("span_id", fmt::format("k{}_{}", w, i))
          .Set("model", i % 3 ? "m-a" : "m-b")
          .Set("start_ms", StartMs(w, i))
          .Set("duration_ms", 300);
      if (i % 21 != 20) {  // every 21st span has no token counts: 401 values per window
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        const int64_t tokens = (w == 0 ? 1000 : 3000) + static_cast<int64_t>((x >> 33) % 20000);
        e.Raw("tokens", fmt::format(R"({{"input":{},"output":{}}})", tokens, tokens / 10));
        values[w].push_back(static_cast<double>(tokens));
      }
      lines.push_back(e.Str());
    }
  }
  double exact_median[2];
  for (int w = 0; w < 2; ++w) {
    ASSERT_EQ(values[w].size(), 401u);
    std::vector<double> v = values[w];
    std::nth_element(v.begin(), v.begin() + 200, v.end());
    exact_median[w] = v[200];
  }
  const CompareSpec spec = Windows("tokens.input");
  ForBothShapes(testing::Ndjson(lines), spec, [&](const testing::JsonDoc& d, const std::string& json) {
    EXPECT_EQ(d.Str("/unit"), "tokens");
    EXPECT_EQ(d.Num("/before/count"), 401) << json;
    EXPECT_EQ(d.Num("/after/count"), 401) << json;
    EXPECT_EQ(d.Num("/before/samples"), 401) << json;
    EXPECT_NEAR(Num(d, "/before/p50"), exact_median[0], exact_median[0] * 0.01) << json;
    EXPECT_NEAR(Num(d, "/after/p50"), exact_median[1], exact_median[1] * 0.01) << json;
    double mean[2] = {0, 0};
    for (int w = 0; w < 2; ++w) {
      for (double v : values[w]) mean[w] += v / 401;
    }
    EXPECT_NEAR(Num(d, "/before/mean"), mean[0], 1e-9 * mean[0]);
    EXPECT_NEAR(Num(d, "/change/mean"), mean[1] - mean[0], 1e-9 * mean[1]);
    EXPECT_LT(Num(d, "/change/significance/p_value"), 0.01);
    EXPECT_GT(Num(d, "/change/significance/effect"), 0);  // more tokens after
    EXPECT_EQ(d.Len("/change/p50_change_ci95"), 2u);
  });
}

}  // namespace
}  // namespace agentperf::analysis
