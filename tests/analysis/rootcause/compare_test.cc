#include "analysis/rootcause/compare.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/store_pair.h"
#include "testing/temp_dir.h"

namespace agentperf::analysis {
namespace {

using testing::EventJson;
using testing::kBaseMs;

constexpr int64_t kHourMs = 3600000;

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
    if (flushed) ASSERT_TRUE(store->Flush().ok());
    CompareSpec spec;
    spec.a_from_us = kBaseMs * 1000;
    spec.a_to_us = (kBaseMs + kHourMs) * 1000;
    spec.b_from_us = (kBaseMs + 2 * kHourMs) * 1000;
    spec.b_to_us = (kBaseMs + 3 * kHourMs) * 1000;
    auto json = CompareWindows(store.get(), spec);
    ASSERT_TRUE(json.ok()) << json.status().ToString();
    testing::JsonDoc d(*json);
    EXPECT_EQ(d.Num("/before/count"), 400);
    EXPECT_EQ(d.Num("/after/count"), 400);
    EXPECT_NEAR(*d.Num("/change/mean_ms"), 100, 1e-6);
    EXPECT_LT(*d.Num("/change/significance/p_value"), 1e-6);
    EXPECT_GT(*d.Num("/change/significance/effect"), 0);  // after is slower
    EXPECT_EQ(d.Num("/change/significance/n_before"), 400);
    // The agent dimension: the researcher carries the whole change, by rate.
    EXPECT_EQ(d.Str("/explained/0/dimension"), "agent");
    EXPECT_EQ(d.Str("/explained/0/values/0/value"), "researcher");
    EXPECT_NEAR(*d.Num("/explained/0/values/0/share"), 1.0, 1e-9);
    EXPECT_NEAR(*d.Num("/explained/0/values/0/rate_ms"), 100, 1e-6);
    EXPECT_NEAR(*d.Num("/explained/0/values/0/mix_ms"), 0, 1e-6);
    EXPECT_LT(*d.Num("/explained/0/values/0/significance/p_value"), 1e-6);
    EXPECT_NEAR(*d.Num("/explained/0/values/1/contribution_ms"), 0, 1e-6);  // the coder: nothing
    EXPECT_GT(*d.Num("/explained/0/values/1/significance/p_value"), 0.01);
    // The model dimension says the same through m-large.
    EXPECT_EQ(d.Str("/explained/1/dimension"), "model");
    EXPECT_EQ(d.Str("/explained/1/values/0/value"), "m-large");
  }
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

}  // namespace
}  // namespace agentperf::analysis
