// Tests of the `errors` / `error_rate` aggregates and of `order_by` + `limit`
// (top N series) in query/engine.h, on the hand-made blocks of
// engine_test_blocks.h and on a larger random data set checked against a
// full sort.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "query/engine.h"
#include "query/engine_test_blocks.h"

namespace agentperf::query {
namespace {

using namespace engine_test;  // NOLINT(google-build-using-namespace): test helpers
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class OrderTest : public ::testing::Test {
 protected:
  OrderTest() : data_(&dicts_) { FillMixed(&data_); }
  std::vector<ColumnBlock> Blocks() const { return {data_.Block()}; }
  std::vector<std::string> Order(const std::string& json) {
    std::vector<std::string> out;
    for (const auto& s : RunOk(json, Blocks()).series) out.push_back(LabelsOf(s));
    return out;
  }
  Dicts dicts_;
  BlockData data_;
};

// Per agent in FillMixed: coder rows 0 1 2 5 7 (1 error: row 1; durations
// 100 200 300 600 800), reviewer rows 3 4 6 (1 error: row 4; 400 500 700),
// absent rows 8 9 (no error; 900 1000).
TEST_F(OrderTest, ErrorsAndErrorRatePerSeries) {
  QueryResult r = RunOk(R"({"group_by":["agent"],"aggregates":["count","errors","error_rate"]})", Blocks());
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(r.aggregate_names, (std::vector<std::string>{"count", "errors", "error_rate"}));
  EXPECT_EQ(LabelsOf(r.series[0]), "agent=");
  EXPECT_THAT(r.series[0].points[0].values, ElementsAre(2, 0, 0));
  EXPECT_EQ(LabelsOf(r.series[1]), "agent=coder");
  EXPECT_THAT(r.series[1].points[0].values, ElementsAre(5, 1, 0.2));
  EXPECT_EQ(LabelsOf(r.series[2]), "agent=reviewer");
  EXPECT_THAT(r.series[2].points[0].values, ElementsAre(3, 1, 1.0 / 3));
  // Cancelled is not an error; everything: 2 errors out of 10.
  EXPECT_EQ(Single(R"({"aggregates":["errors"]})", Blocks()), 2);
  EXPECT_EQ(Single(R"({"aggregates":["error_rate"]})", Blocks()), 0.2);
  // Filtered to errors only: the rate is 1; filtered to ok: 0.
  EXPECT_EQ(Single(R"({"aggregates":["error_rate"],"filters":[{"label":"status","value":"error"}]})", Blocks()), 1);
  EXPECT_EQ(Single(R"({"aggregates":["errors"],"filters":[{"label":"status","value":"ok"}]})", Blocks()), 0);
}

TEST_F(OrderTest, ErrorsPerTimeBucket) {
  // Rows start at kT0 + i s; 5 s buckets: rows 0-4 (errors 1 and 4), rows 5-9 (none).
  QueryResult r = RunOk(R"({"step":"5s","aggregates":["errors","count","error_rate"]})", Blocks());
  ASSERT_EQ(r.series.size(), 1u);
  ASSERT_EQ(r.series[0].points.size(), 2u);
  EXPECT_EQ(r.series[0].points[0].t_us, kT0);
  EXPECT_THAT(r.series[0].points[0].values, ElementsAre(2, 5, 0.4));
  EXPECT_EQ(r.series[0].points[1].t_us, kT0 + 5000 * kMs);
  EXPECT_THAT(r.series[0].points[1].values, ElementsAre(0, 5, 0));
  // Per model and bucket: gpt-4o rows 0 1 (bucket 0, one error) and 9 (bucket 1).
  QueryResult m = RunOk(R"({"step":"5s","group_by":["model"],"aggregates":["error_rate"],
                           "filters":[{"label":"model","value":"gpt-4o"}]})",
                        Blocks());
  ASSERT_EQ(m.series.size(), 1u);
  ASSERT_EQ(m.series[0].points.size(), 2u);
  EXPECT_THAT(m.series[0].points[0].values, ElementsAre(0.5));
  EXPECT_THAT(m.series[0].points[1].values, ElementsAre(0));
}

TEST_F(OrderTest, OrderByDescendingAndAscending) {
  const std::string q = R"J({"group_by":["agent"],"aggregates":["count","max(duration_ms)"],"order_by":"max(duration_ms))J";
  EXPECT_EQ(Order(q + R"( desc"})"), (std::vector<std::string>{"agent=", "agent=coder", "agent=reviewer"}));
  EXPECT_EQ(Order(q + R"("})"), (std::vector<std::string>{"agent=", "agent=coder", "agent=reviewer"}));  // desc default
  EXPECT_EQ(Order(q + R"( asc"})"), (std::vector<std::string>{"agent=reviewer", "agent=coder", "agent="}));
  // The values come along with their series.
  QueryResult r = RunOk(q + R"( desc","limit":2})", Blocks());
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_THAT(r.series[0].points[0].values, ElementsAre(2, 1000));
  EXPECT_THAT(r.series[1].points[0].values, ElementsAre(5, 800));
  // Without from, t is the earliest matching start, as without order_by.
  EXPECT_EQ(r.series[0].points[0].t_us, kT0 + 8000 * kMs);
  EXPECT_EQ(r.series[1].points[0].t_us, kT0);
}

TEST_F(OrderTest, LimitKeepsTheTopSeries) {
  const std::string q = R"({"group_by":["agent"],"aggregates":["error_rate"],"order_by":"error_rate desc","limit":)";
  EXPECT_EQ(Order(q + "1}"), (std::vector<std::string>{"agent=reviewer"}));
  EXPECT_EQ(Order(q + "2}"), (std::vector<std::string>{"agent=reviewer", "agent=coder"}));
  EXPECT_EQ(Order(q + "3}"), (std::vector<std::string>{"agent=reviewer", "agent=coder", "agent="}));
  EXPECT_EQ(Order(q + "100}"), (std::vector<std::string>{"agent=reviewer", "agent=coder", "agent="}));
  // Without order_by, more series than the limit is still an error.
  auto err = RunQuery(R"({"group_by":["agent"],"limit":2})", Blocks());
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.status().code(), StatusCode::kResourceExhausted);
}

TEST_F(OrderTest, TiesAreBrokenByLabelValues) {
  // errors: coder 1, reviewer 1, absent 0. Equal values: ascending labels, in both directions.
  EXPECT_EQ(Order(R"({"group_by":["agent"],"aggregates":["errors"],"order_by":"errors desc"})"),
            (std::vector<std::string>{"agent=coder", "agent=reviewer", "agent="}));
  EXPECT_EQ(Order(R"({"group_by":["agent"],"aggregates":["errors"],"order_by":"errors asc"})"),
            (std::vector<std::string>{"agent=", "agent=coder", "agent=reviewer"}));
  EXPECT_EQ(Order(R"({"group_by":["agent"],"aggregates":["errors"],"order_by":"errors desc","limit":1})"),
            (std::vector<std::string>{"agent=coder"}));
  // Two labels: every (kind, status) series of tool calls has count 1; order by the labels in group_by order.
  EXPECT_EQ(Order(R"({"group_by":["status","tool"],"filters":[{"label":"kind","value":"tool_call"}],
                     "order_by":"count"})"),
            (std::vector<std::string>{"status=cancelled,tool=edit", "status=error,tool=bash", "status=ok,tool=bash",
                                      "status=ok,tool=read"}));
}

TEST_F(OrderTest, NullsComeLast) {
  // avg(cost) per tool: absent tool rows 0 1 6 7 9 -> (0.5 + 1.5 + 0) / 3; bash, edit, read have no cost.
  const std::string q = R"J({"group_by":["tool"],"aggregates":["avg(cost)"],"order_by":"avg(cost))J";
  EXPECT_EQ(Order(q + R"( desc"})"), (std::vector<std::string>{"tool=", "tool=bash", "tool=edit", "tool=read"}));
  EXPECT_EQ(Order(q + R"( asc"})"), (std::vector<std::string>{"tool=", "tool=bash", "tool=edit", "tool=read"}));
  QueryResult r = RunOk(q + R"( asc","limit":2})", Blocks());
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_DOUBLE_EQ(r.series[0].points[0].values[0], 2.0 / 3);
  EXPECT_TRUE(std::isnan(r.series[1].points[0].values[0]));
}

TEST_F(OrderTest, OrderByQuantileUnderAnotherSpelling) {
  // quantile(0.5, f) and p50(f) are the same aggregate.
  QueryResult r = RunOk(R"J({"group_by":["agent"],"aggregates":["quantile(0.5, duration_ms)"],
                            "order_by":"p50(duration_ms) asc"})J",
                        Blocks());
  ASSERT_EQ(r.series.size(), 3u);
  // Medians (index floor(0.5 (n-1))): reviewer 500, coder 300, absent 900.
  EXPECT_EQ(LabelsOf(r.series[0]), "agent=coder");
  EXPECT_EQ(LabelsOf(r.series[1]), "agent=reviewer");
  EXPECT_EQ(LabelsOf(r.series[2]), "agent=");
}

TEST_F(OrderTest, EmptyResult) {
  QueryResult r = RunOk(R"({"group_by":["agent"],"filters":[{"label":"kind","value":"session"}],"order_by":"count"})",
                        Blocks());
  EXPECT_TRUE(r.series.empty());
}

TEST(OrderSpecInEngineTest, StepIsRefusedEvenWhenTheSpecIsBuiltByHand) {
  QuerySpec s = Spec(R"({"group_by":["agent"],"order_by":"count"})");
  s.step_us = 60 * 1000 * kMs;
  Engine e(s);
  auto r = e.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("step"));
}

// Many series with few distinct values (many ties): the top N for every N and
// both directions equals the head of a full sort by (value, labels).
TEST(OrderRandomTest, TopNEqualsTheHeadOfAFullSort) {
  Dicts dicts;
  BlockData data(&dicts);
  std::mt19937_64 rng(7);
  struct Ref {
    double max = -1;
    uint64_t count = 0;
    uint64_t errors = 0;
  };
  std::map<std::string, Ref> ref;
  for (int i = 0; i < 5000; ++i) {
    Row r;
    r.start_us = kT0 + i * kMs;
    r.dur_us = static_cast<int64_t>(rng() % 40) * 100 * kMs;  // 40 distinct values: many ties
    r.tool = "t" + std::to_string(rng() % 700);
    r.status = rng() % 5 == 0 ? SpanStatus::kError : SpanStatus::kOk;
    data.Add(r);
    Ref& x = ref[r.tool];
    x.max = std::max(x.max, static_cast<double>(r.dur_us) / 1000.0);
    ++x.count;
    x.errors += r.status == SpanStatus::kError ? 1 : 0;
  }
  std::vector<ColumnBlock> blocks = {data.Block()};
  for (const char* agg : {"max(duration_ms)", "count", "error_rate"}) {
    for (bool desc : {true, false}) {
      std::vector<std::pair<double, std::string>> all;
      for (const auto& [tool, x] : ref) {
        double v = std::string(agg) == "count"    ? static_cast<double>(x.count)
                   : std::string(agg) == "error_rate" ? static_cast<double>(x.errors) / static_cast<double>(x.count)
                                                      : x.max;
        all.emplace_back(v, tool);
      }
      std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
        if (a.first != b.first) return desc ? a.first > b.first : a.first < b.first;
        return a.second < b.second;
      });
      for (size_t n : {1, 2, 10, 99, 699, 700, 5000}) {
        std::string q = fmt::format(R"({{"group_by":["tool"],"aggregates":["{}"],"order_by":"{} {}","limit":{}}})", agg,
                                    agg, desc ? "desc" : "asc", n);
        QueryResult r = RunOk(q, blocks);
        ASSERT_EQ(r.series.size(), std::min<size_t>(n, all.size())) << q;
        for (size_t i = 0; i < r.series.size(); ++i) {
          ASSERT_EQ(r.series[i].labels[0].second, all[i].second) << q << " rank " << i;
          ASSERT_EQ(r.series[i].points[0].values[0], all[i].first) << q << " rank " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace agentperf::query
