// Tests of query/engine.h on column blocks built by hand (and, at the end,
// blocks handed out by a store::Head): filters on every label type, group-by
// with absent values, time buckets (also before the epoch), block skipping,
// (engine_blocks_test.cc: block skipping, dictionaries, limits, a Head).
//
// Expected values are worked out by hand in the comments next to them.
#include "query/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/engine_test_blocks.h"

namespace agentperf::query {
namespace {

using namespace engine_test;  // NOLINT(google-build-using-namespace): test helpers
using ::testing::HasSubstr;

class MixedTest : public ::testing::Test {
 protected:
  MixedTest() : data_(&dicts_) { FillMixed(&data_); }
  std::vector<ColumnBlock> Blocks() const { return {data_.Block()}; }
  double Count(const std::string& json) { return Single(json, Blocks()); }
  Dicts dicts_;
  BlockData data_;
};

TEST_F(MixedTest, BasicAggregates) {
  QueryResult r = RunOk(R"J({"aggregates":["count","count(duration_ms)","sum(duration_ms)","avg(duration_ms)",
                                           "min(duration_ms)","max(duration_ms)"]})J",
                        Blocks());
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_TRUE(r.series[0].labels.empty());
  ASSERT_EQ(r.series[0].points.size(), 1u);
  // Durations 100..1000 ms: sum 5500, avg 550.
  EXPECT_THAT(r.series[0].points[0].values, ::testing::ElementsAre(10, 10, 5500, 550, 100, 1000));
  EXPECT_EQ(r.aggregate_names, (std::vector<std::string>{"count", "count(duration_ms)", "sum(duration_ms)",
                                                         "avg(duration_ms)", "min(duration_ms)", "max(duration_ms)"}));
  EXPECT_EQ(r.step_us, 0);
  EXPECT_EQ(r.stats.rows_scanned, 10u);
  EXPECT_EQ(r.stats.rows_matched, 10u);
  EXPECT_EQ(r.stats.blocks_scanned, 1u);
  EXPECT_EQ(r.stats.blocks_skipped, 0u);
}

TEST_F(MixedTest, NullHandling) {
  // tokens.input present on rows 0, 6, 9 (10, 20, 0); cost on 0, 6, 9 (0.5, 1.5, 0).
  QueryResult r = RunOk(R"J({"aggregates":["count","count(tokens.input)","sum(tokens.input)","avg(tokens.input)",
                                           "min(tokens.input)","max(tokens.input)","avg(cost)","sum(cost)"]})J",
                        Blocks());
  ASSERT_EQ(r.series.size(), 1u);
  // A present 0 counts (it is not absent).
  EXPECT_THAT(r.series[0].points[0].values, ::testing::ElementsAre(10, 3, 30, 10, 0, 20, 2.0 / 3, 2));
  // Where the field is absent on every row: count 0, sum 0, avg/min/max/quantiles null (NaN).
  QueryResult n = RunOk(R"J({"filters":[{"label":"kind","value":"tool_call"}],
                            "aggregates":["count","count(tokens.input)","sum(tokens.input)","avg(tokens.input)",
                                          "min(cost)","max(cost)","p50(cost)","quantile(0.9, tokens.input)"]})J",
                        Blocks());
  ASSERT_EQ(n.series.size(), 1u);
  const auto& v = n.series[0].points[0].values;
  ASSERT_EQ(v.size(), 8u);
  EXPECT_EQ(v[0], 4);
  EXPECT_EQ(v[1], 0);
  EXPECT_EQ(v[2], 0);
  for (size_t i = 3; i < 8; ++i) EXPECT_TRUE(std::isnan(v[i])) << n.aggregate_names[i] << " = " << v[i];
}

TEST_F(MixedTest, FilterOnKind) {
  EXPECT_EQ(Count(F("kind", "=", "llm_call")), 4);  // rows 0 1 6 9
  EXPECT_EQ(Count(F("kind", "!=", "llm_call")), 6);
  EXPECT_EQ(Count(F("kind", "=~", "tool_call|turn")), 5);  // 2 3 4 5 7
  EXPECT_EQ(Count(F("kind", "=~", "t.*")), 5);
  EXPECT_EQ(Count(F("kind", "!~", ".*_.*")), 1);  // turn
  EXPECT_EQ(Count(Fs("kind", "in", R"(["permission_wait","turn"])")), 2);
  EXPECT_EQ(Count(Fs("kind", "not_in", R"(["llm_call","tool_call"])")), 2);
  EXPECT_TRUE(std::isnan(Count(F("kind", "=", "session"))));  // no rows: no series
  EXPECT_TRUE(std::isnan(Count(F("kind", "=", "nonsense"))));
  EXPECT_TRUE(std::isnan(Count(F("kind", "=", ""))));  // kind is never absent
}

TEST_F(MixedTest, FilterOnStatus) {
  EXPECT_EQ(Count(F("status", "=", "ok")), 7);
  EXPECT_EQ(Count(F("status", "==", "error")), 2);
  EXPECT_EQ(Count(F("status", "eq", "cancelled")), 1);
  EXPECT_EQ(Count(F("status", "ne", "ok")), 3);
  EXPECT_EQ(Count(F("status", "re", "e.*")), 2);
  EXPECT_EQ(Count(F("status", "nre", "ok|error")), 1);
  EXPECT_EQ(Count(Fs("status", "in", R"(["error","cancelled"])")), 3);
  EXPECT_EQ(Count(Fs("status", "nin", R"(["ok"])")), 3);
}

TEST_F(MixedTest, FilterOnStringLabelsWithAbsentValues) {
  // agent: coder 0 1 2 5 7; reviewer 3 4 6; absent 8 9.
  EXPECT_EQ(Count(F("agent", "=", "coder")), 5);
  EXPECT_EQ(Count(F("agent", "!=", "coder")), 5);  // includes the two absent
  EXPECT_EQ(Count(F("agent", "=", "")), 2);
  EXPECT_EQ(Count(F("agent", "!=", "")), 8);
  // tool: bash 2 4 8; read 3; edit 5; absent 0 1 6 7 9.
  EXPECT_EQ(Count(F("tool", "=", "bash")), 3);
  EXPECT_EQ(Count(F("tool", "=", "")), 5);
  EXPECT_EQ(Count(F("tool", "!=", "bash")), 7);
  EXPECT_EQ(Count(F("tool", "=~", ".*")), 10);  // matches the absent "" too
  EXPECT_EQ(Count(F("tool", "=~", ".+")), 5);
  EXPECT_EQ(Count(F("tool", "=~", "b.*|r.*")), 4);
  EXPECT_EQ(Count(F("tool", "!~", "b.*|r.*")), 6);
  EXPECT_EQ(Count(Fs("tool", "in", R"(["read","edit"])")), 2);
  EXPECT_EQ(Count(Fs("tool", "in", R"(["","edit"])")), 6);
  EXPECT_EQ(Count(Fs("tool", "not_in", R"(["bash"])")), 7);
  EXPECT_EQ(Count(Fs("tool", "not_in", R"(["bash",""])")), 2);
  EXPECT_TRUE(std::isnan(Count(Fs("tool", "in", "[]"))));
  EXPECT_EQ(Count(Fs("tool", "not_in", "[]")), 10);
  // model: gpt-4o 0 1 9; claude 6.
  EXPECT_EQ(Count(F("model", "=~", "gpt-.*")), 3);
  EXPECT_EQ(Count(F("model", "!~", "gpt-.*")), 7);
  // A value that is in no dictionary.
  EXPECT_TRUE(std::isnan(Count(F("model", "=", "gemini"))));
  EXPECT_EQ(Count(F("model", "!=", "gemini")), 10);
  // A label with no values at all in the block (provider): every row is "".
  EXPECT_EQ(Count(F("provider", "=", "")), 10);
  EXPECT_TRUE(std::isnan(Count(F("provider", "=", "openai"))));
}

TEST_F(MixedTest, RegexThatMatchesNothingGivesNoSeries) {
  QueryResult r = RunOk(F("tool", "=~", "as"), Blocks());  // anchored: "bash" does not match
  EXPECT_TRUE(r.series.empty());
  EXPECT_EQ(r.stats.rows_scanned, 10u);
  EXPECT_EQ(r.stats.rows_matched, 0u);
}

TEST_F(MixedTest, FiltersAreAnded) {
  auto q = [&](const std::string& filters) { return Single(R"({"filters":[)" + filters + "]}", Blocks()); };
  // coder and ok: 0 2 7.
  EXPECT_EQ(q(R"({"label":"agent","value":"coder"},{"label":"status","value":"ok"})"), 3);
  // Two filters on the same label: tool != "" and tool != "bash": read, edit.
  EXPECT_EQ(q(R"({"label":"tool","op":"!=","value":""},{"label":"tool","op":"!=","value":"bash"})"), 2);
  // Two on kind: tool_call and not error: 2 3 5.
  EXPECT_EQ(q(R"({"label":"kind","value":"tool_call"},{"label":"status","op":"!=","value":"error"})"), 3);
  // Contradictory filters on one label.
  EXPECT_TRUE(std::isnan(q(R"({"label":"kind","value":"turn"},{"label":"kind","value":"llm_call"})")));
  EXPECT_TRUE(std::isnan(q(R"({"label":"agent","value":"coder"},{"label":"agent","value":"reviewer"})")));
  // Label filters on three string fields and kind at once: llm_call, model gpt-4o, tool absent, agent coder: 0 1.
  EXPECT_EQ(q(R"({"label":"kind","value":"llm_call"},{"label":"model","value":"gpt-4o"},)"
              R"({"label":"tool","value":""},{"label":"agent","value":"coder"})"),
            2);
}

TEST_F(MixedTest, GroupByOneLabelWithAbsentValues) {
  QueryResult r = RunOk(R"J({"group_by":["tool"],"aggregates":["count","sum(duration_ms)"]})J", Blocks());
  ASSERT_EQ(r.series.size(), 4u);
  // Sorted by value; absent ("") first.
  EXPECT_EQ(LabelsOf(r.series[0]), "tool=");
  EXPECT_EQ(LabelsOf(r.series[1]), "tool=bash");
  EXPECT_EQ(LabelsOf(r.series[2]), "tool=edit");
  EXPECT_EQ(LabelsOf(r.series[3]), "tool=read");
  // absent: 0 1 6 7 9 -> 100+200+700+800+1000; bash: 2 4 8 -> 300+500+900.
  EXPECT_THAT(r.series[0].points[0].values, ::testing::ElementsAre(5, 2800));
  EXPECT_THAT(r.series[1].points[0].values, ::testing::ElementsAre(3, 1700));
  EXPECT_THAT(r.series[2].points[0].values, ::testing::ElementsAre(1, 600));
  EXPECT_THAT(r.series[3].points[0].values, ::testing::ElementsAre(1, 400));
}

TEST_F(MixedTest, GroupByTwoLabelsInGivenOrder) {
  QueryResult r = RunOk(R"({"group_by":["status","agent"]})", Blocks());
  EXPECT_EQ(CountsBySeries(r), (std::map<std::string, double>{{"status=cancelled,agent=coder", 1},
                                                              {"status=error,agent=coder", 1},
                                                              {"status=error,agent=reviewer", 1},
                                                              {"status=ok,agent=", 2},
                                                              {"status=ok,agent=coder", 3},
                                                              {"status=ok,agent=reviewer", 2}}));
  // Series come sorted by the first label, then the second.
  std::vector<std::string> order;
  for (const auto& s : r.series) order.push_back(LabelsOf(s));
  EXPECT_EQ(order, (std::vector<std::string>{"status=cancelled,agent=coder", "status=error,agent=coder",
                                             "status=error,agent=reviewer", "status=ok,agent=",
                                             "status=ok,agent=coder", "status=ok,agent=reviewer"}));
  // Reversed order of the labels.
  QueryResult r2 = RunOk(R"({"group_by":["agent","status"]})", Blocks());
  ASSERT_EQ(r2.series.size(), 6u);
  EXPECT_EQ(LabelsOf(r2.series[0]), "agent=,status=ok");
  EXPECT_EQ(LabelsOf(r2.series[1]), "agent=coder,status=cancelled");
  EXPECT_EQ(LabelsOf(r2.series[5]), "agent=reviewer,status=ok");
}

TEST_F(MixedTest, GroupByKindAndFourLabels) {
  QueryResult r = RunOk(R"({"group_by":["kind"]})", Blocks());
  EXPECT_EQ(CountsBySeries(r), (std::map<std::string, double>{{"kind=llm_call", 4},
                                                              {"kind=permission_wait", 1},
                                                              {"kind=tool_call", 4},
                                                              {"kind=turn", 1}}));
  QueryResult r4 = RunOk(R"({"group_by":["kind","status","agent","tool"],"filters":[{"label":"kind","value":"tool_call"}]})",
                         Blocks());
  EXPECT_EQ(CountsBySeries(r4), (std::map<std::string, double>{{"kind=tool_call,status=cancelled,agent=coder,tool=edit", 1},
                                                               {"kind=tool_call,status=error,agent=reviewer,tool=bash", 1},
                                                               {"kind=tool_call,status=ok,agent=coder,tool=bash", 1},
                                                               {"kind=tool_call,status=ok,agent=reviewer,tool=read", 1}}));
}

TEST_F(MixedTest, GroupByWithFilterOnTheSameLabel) {
  QueryResult r = RunOk(R"({"group_by":["agent"],"filters":[{"label":"agent","op":"!=","value":"coder"}]})", Blocks());
  EXPECT_EQ(CountsBySeries(r), (std::map<std::string, double>{{"agent=", 2}, {"agent=reviewer", 3}}));
  QueryResult k = RunOk(R"({"group_by":["kind"],"filters":[{"label":"kind","op":"in","values":["turn","llm_call"]}]})",
                        Blocks());
  EXPECT_EQ(CountsBySeries(k), (std::map<std::string, double>{{"kind=llm_call", 4}, {"kind=turn", 1}}));
}

TEST_F(MixedTest, PointTimeWithoutStep) {
  // Without a step each series has one point; its time is the query's "from"
  // (result.h) or, with an open "from", the earliest matching start.
  QueryResult r = RunOk(R"({"group_by":["agent"],"from":1767225600000,"to":1767225700000})", Blocks());
  ASSERT_EQ(r.series.size(), 3u);
  for (const auto& s : r.series) EXPECT_EQ(s.points.at(0).t_us, kT0) << LabelsOf(s);
  QueryResult open = RunOk(R"({"group_by":["agent"]})", Blocks());
  ASSERT_EQ(open.series.size(), 3u);
  EXPECT_EQ(open.series[0].points[0].t_us, kT0 + 8 * 1000 * kMs);  // "": rows 8, 9
  EXPECT_EQ(open.series[1].points[0].t_us, kT0);                   // coder: row 0
  EXPECT_EQ(open.series[2].points[0].t_us, kT0 + 3 * 1000 * kMs);  // reviewer: row 3
  QueryResult late = RunOk(R"({"from":1767225605000})", Blocks());
  ASSERT_EQ(late.series.size(), 1u);
  EXPECT_EQ(late.series[0].points[0].t_us, kT0 + 5 * 1000 * kMs);
  EXPECT_EQ(late.series[0].points[0].values[0], 5);
}

TEST_F(MixedTest, TimeRange) {
  // from inclusive, to exclusive; rows start at kT0 + i s.
  EXPECT_EQ(Count(R"({"from":1767225602000,"to":1767225605000})"), 3);  // rows 2 3 4
  EXPECT_EQ(Count(R"({"from":1767225602001,"to":1767225605001})"), 3);  // rows 3 4 5
  EXPECT_EQ(Count(R"({"from":1767225609000})"), 1);
  EXPECT_EQ(Count(R"({"to":1767225600001})"), 1);
  EXPECT_EQ(Count(R"({"from":"2026-01-01T00:00:01Z","to":"2026-01-01T00:00:03.5Z"})"), 3);  // rows 1 2 3
  QueryResult r = RunOk(R"({"from":1767225602000,"to":1767225605000})", Blocks());
  EXPECT_EQ(r.stats.rows_scanned, 10u);
  EXPECT_EQ(r.stats.rows_matched, 3u);
  EXPECT_EQ(r.stats.blocks_scanned, 1u);
}

TEST_F(MixedTest, Quantiles) {
  // Durations 100, 200, ..., 1000 ms. The sketch returns the representative
  // of the bucket holding the element at floor(q * 9).
  QueryResult r = RunOk(R"J({"aggregates":["p0(duration_ms)","p50(duration_ms)","p90(duration_ms)",
                                           "p99(duration_ms)","p100(duration_ms)","quantile(0.25, duration_ms)"]})J",
                        Blocks());
  const auto& v = r.series.at(0).points.at(0).values;
  const double exact[] = {100, 500, 900, 900, 1000, 300};  // ranks 0, 4, 8, 8, 9, 2
  sketch::DDSketch ref;
  for (int i = 1; i <= 10; ++i) ref.Add(i * 100.0);
  const double qs[] = {0, 0.5, 0.9, 0.99, 1, 0.25};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(v[i], exact[i], exact[i] * 0.005) << r.aggregate_names[i];
    EXPECT_EQ(v[i], ref.Quantile(qs[i])) << r.aggregate_names[i];
  }
  EXPECT_EQ(v[0], 100);   // q = 0 is the exact minimum
  EXPECT_EQ(v[4], 1000);  // q = 1 is the exact maximum
}

TEST_F(MixedTest, MedianAbsoluteDeviation) {
  // Durations 100, 200, ..., 1000 ms: median (rank 4) 500; deviations 400 300
  // 200 100 0 100 200 300 400 500 → sorted rank 4 = 200.
  QueryResult r = RunOk(R"J({"aggregates":["mad(duration_ms)"]})J", Blocks());
  EXPECT_NEAR(r.series.at(0).points.at(0).values.at(0), 200, 0.005 * (2 * 500 + 200));
}

TEST_F(MixedTest, SeveralAggregatesOnSeveralFields) {
  QueryResult r = RunOk(R"J({"group_by":["model"],"aggregates":["max(duration_ms)","sum(tokens.input)","count",
                                         "p50(duration_ms)","sum(cost)","min(duration_ms)","count(cost)"]})J",
                        Blocks());
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(LabelsOf(r.series[0]), "model=");
  EXPECT_EQ(LabelsOf(r.series[1]), "model=claude");
  EXPECT_EQ(LabelsOf(r.series[2]), "model=gpt-4o");
  // "": rows 2 3 4 5 7 8 -> durations 300..600, 800, 900; no tokens, no cost.
  auto v0 = r.series[0].points[0].values;
  EXPECT_EQ(v0[0], 900);
  EXPECT_EQ(v0[1], 0);
  EXPECT_EQ(v0[2], 6);
  EXPECT_NEAR(v0[3], 500, 500 * 0.005);  // rank floor(0.5 * 5) = 2 of 300 400 500 600 800 900
  EXPECT_EQ(v0[4], 0);
  EXPECT_EQ(v0[5], 300);
  EXPECT_EQ(v0[6], 0);
  // gpt-4o: rows 0 1 9 -> durations 100 200 1000, tokens 10 + 0, cost 0.5 + 0.
  EXPECT_THAT(r.series[2].points[0].values,
              ::testing::ElementsAre(1000, 10, 3, ::testing::DoubleNear(200, 1), 0.5, 100, 2));
  EXPECT_THAT(r.series[1].points[0].values, ::testing::ElementsAre(700, 20, 1, 700, 1.5, 700, 1));
}

TEST(EngineTest, EmptyInput) {
  QueryResult r = RunOk(R"J({"group_by":["agent"],"step":"1m","aggregates":["count","p99(duration_ms)"]})J", {});
  EXPECT_TRUE(r.series.empty());
  EXPECT_EQ(r.aggregate_names, (std::vector<std::string>{"count", "p99(duration_ms)"}));
  EXPECT_EQ(r.step_us, 60 * 1000 * kMs);
  EXPECT_EQ(r.stats.blocks_scanned, 0u);
  Dicts d;
  BlockData empty(&d);
  ColumnBlock b = empty.Block();  // rows = 0, min > max
  QueryResult r2 = RunOk("{}", {b});
  EXPECT_TRUE(r2.series.empty());
}

TEST(EngineTest, TimeBucketsAndEdges) {
  Dicts d;
  BlockData data(&d);
  const int64_t step = 60 * 1000 * kMs;  // 1m
  // kT0 is a multiple of 1m (midnight). Rows on and next to bucket edges:
  //   kT0 - 1us          -> bucket kT0 - 1m
  //   kT0, kT0 + 59.999s -> bucket kT0
  //   kT0 + 1m           -> bucket kT0 + 1m
  //   kT0 + 3m - 1us     -> bucket kT0 + 2m
  //   kT0 + 3m           -> bucket kT0 + 3m (twice, different agents)
  for (int64_t t : {kT0 - 1, kT0, kT0 + step - 1000, kT0 + step, kT0 + 3 * step - 1, kT0 + 3 * step}) {
    Row r;
    r.start_us = t;
    data.Add(r);
  }
  Row other;
  other.start_us = kT0 + 3 * step;
  other.agent = "reviewer";
  data.Add(other);
  QueryResult r = RunOk(R"({"step":"1m"})", {data.Block()});
  EXPECT_EQ(r.step_us, step);
  ASSERT_EQ(r.series.size(), 1u);
  std::vector<std::pair<int64_t, double>> pts;
  for (const auto& p : r.series[0].points) pts.emplace_back(p.t_us, p.values[0]);
  EXPECT_EQ(pts, (std::vector<std::pair<int64_t, double>>{
                     {kT0 - step, 1}, {kT0, 2}, {kT0 + step, 1}, {kT0 + 2 * step, 1}, {kT0 + 3 * step, 2}}));
  // With group_by: each series has its own points, ascending; empty buckets are left out.
  QueryResult g = RunOk(R"({"step":60000,"group_by":["agent"]})", {data.Block()});
  ASSERT_EQ(g.series.size(), 2u);
  EXPECT_EQ(g.series[0].points.size(), 5u);
  ASSERT_EQ(g.series[1].points.size(), 1u);
  EXPECT_EQ(g.series[1].points[0].t_us, kT0 + 3 * step);
  // A step that does not divide an hour: buckets are aligned to the epoch.
  QueryResult odd = RunOk(R"({"step":"7s"})", {data.Block()});
  int64_t total = 0;
  int64_t prev = INT64_MIN;
  for (const auto& p : odd.series.at(0).points) {
    EXPECT_EQ(p.t_us % (7 * 1000 * kMs), 0) << p.t_us;
    EXPECT_GT(p.t_us, prev);
    prev = p.t_us;
    total += static_cast<int64_t>(p.values[0]);
  }
  EXPECT_EQ(total, 7);
  // The bucket of a point is the one that holds its rows, even when "from"
  // cuts into it: the first bucket starts before "from".
  QueryResult cut = RunOk(R"({"step":"1m","from":1767225630000,"to":1767225800000})", {data.Block()});
  ASSERT_EQ(cut.series.size(), 1u);
  ASSERT_GE(cut.series[0].points.size(), 1u);
  EXPECT_EQ(cut.series[0].points[0].t_us, kT0);  // holds the row at kT0 + 59.999s only
  EXPECT_EQ(cut.series[0].points[0].values[0], 1);
}

TEST(EngineTest, PreEpochBucketsUseFloorDivision) {
  Dicts d;
  BlockData data(&d);
  const int64_t step = 10 * kMs;  // 10 ms
  // start -> bucket start: -1 -> -10ms; -10ms -> -10ms; -10ms-1 -> -20ms; 0 -> 0; 9.999ms -> 0; -25ms -> -30ms.
  for (int64_t t : {int64_t{-1}, -step, -step - 1, int64_t{0}, step - 1, -25 * kMs}) {
    Row r;
    r.start_us = t;
    data.Add(r);
  }
  QueryResult r = RunOk(R"({"step":"10ms"})", {data.Block()});
  std::vector<std::pair<int64_t, double>> pts;
  for (const auto& p : r.series.at(0).points) pts.emplace_back(p.t_us, p.values[0]);
  EXPECT_EQ(pts, (std::vector<std::pair<int64_t, double>>{{-3 * step, 1}, {-2 * step, 1}, {-step, 2}, {0, 2}}));
}

}  // namespace
}  // namespace agentperf::query
