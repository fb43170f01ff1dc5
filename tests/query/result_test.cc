// Tests of query/result.h: the JSON form of a QueryResult.
#include "query/result.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <limits>
#include <string>

namespace agentperf::query {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ResultJsonTest, EmptyResult) {
  QueryResult r;
  r.aggregate_names = {"count"};
  EXPECT_EQ(QueryResultToJson(r, false), R"({"aggregates":["count"],"step_ms":null,"series":[]})");
  EXPECT_EQ(QueryResultToJson(r, true),
            R"({"aggregates":["count"],"step_ms":null,"series":[],)"
            R"("stats":{"rows_scanned":0,"rows_matched":0,"blocks_scanned":0,"blocks_skipped":0,"rollup_cells":0,"elapsed_ms":0}})");
  // include_stats defaults to true.
  EXPECT_EQ(QueryResultToJson(r), QueryResultToJson(r, true));
}

TEST(ResultJsonTest, OneSeriesWithoutLabels) {
  QueryResult r;
  r.aggregate_names = {"count", "avg(duration_ms)", "p95(duration_ms)"};
  Series s;
  s.points.push_back(Point{1767225600000000, {3, 2.0 / 3, kNaN}});
  r.series.push_back(s);
  EXPECT_EQ(QueryResultToJson(r, false),
            R"J({"aggregates":["count","avg(duration_ms)","p95(duration_ms)"],"step_ms":null,"series":[)J"
            R"J({"labels":{},"points":[{"t":1767225600000,"count":3,"avg(duration_ms)":0.6666666666666666,)J"
            R"J("p95(duration_ms)":null}]}]})J");
}

TEST(ResultJsonTest, LabelsInGroupByOrderAndPointsInGivenOrder) {
  QueryResult r;
  r.aggregate_names = {"count"};
  r.step_us = 60000000;
  Series a;
  a.labels = {{"tool", "bash"}, {"agent", ""}};  // not alphabetical: group_by order is kept
  a.points.push_back(Point{1767225600000000, {1}});
  a.points.push_back(Point{1767225660000000, {2}});
  Series b;
  b.labels = {{"tool", "read"}, {"agent", "coder"}};
  b.points.push_back(Point{1767225720000000, {5}});
  r.series = {a, b};
  EXPECT_EQ(QueryResultToJson(r, false),
            R"({"aggregates":["count"],"step_ms":60000,"series":[)"
            R"({"labels":{"tool":"bash","agent":""},"points":[{"t":1767225600000,"count":1},{"t":1767225660000,"count":2}]},)"
            R"({"labels":{"tool":"read","agent":"coder"},"points":[{"t":1767225720000,"count":5}]}]})");
}

TEST(ResultJsonTest, NumbersAndNulls) {
  QueryResult r;
  r.aggregate_names = {"a", "b", "c", "d", "e", "f", "g"};
  r.step_us = 1500;  // 1.5 ms
  Series s;
  s.points.push_back(Point{-1500, {kNaN, kInf, -kInf, 0.1, 1e20, 0, 123456789012}});
  s.points.push_back(Point{1, {-0.0, 5e-324, 2.5, 1e15, 999999999999999, -3, 1.0 / 3}});
  r.series.push_back(s);
  EXPECT_EQ(QueryResultToJson(r, false),
            R"({"aggregates":["a","b","c","d","e","f","g"],"step_ms":1.5,"series":[{"labels":{},"points":[)"
            R"({"t":-1.5,"a":null,"b":null,"c":null,"d":0.1,"e":1e+20,"f":0,"g":123456789012},)"
            R"({"t":0.001,"a":0,"b":5e-324,"c":2.5,"d":1000000000000000,"e":999999999999999,"f":-3,"g":0.3333333333333333}]}]})");
}

TEST(ResultJsonTest, EscapesStrings) {
  QueryResult r;
  r.aggregate_names = {"count"};
  Series s;
  s.labels = {{"agent", "a \"quoted\" \\ name\n\t\x01 é"}};
  s.points.push_back(Point{0, {1}});
  r.series.push_back(s);
  std::string json = QueryResultToJson(r, false);
  simdjson::dom::parser p;
  simdjson::dom::element root;
  ASSERT_EQ(p.parse(json).get(root), simdjson::SUCCESS) << json;
  std::string_view agent;
  ASSERT_EQ(root["series"].at(0)["labels"]["agent"].get(agent), simdjson::SUCCESS);
  EXPECT_EQ(agent, "a \"quoted\" \\ name\n\t\x01 é");
}

TEST(ResultJsonTest, StatsAndWellFormedness) {
  QueryResult r;
  r.aggregate_names = {"count", "sum(tokens.input)"};
  r.step_us = 3600000000;
  r.stats.rows_scanned = 100;
  r.stats.rows_matched = 42;
  r.stats.blocks_scanned = 2;
  r.stats.blocks_skipped = 3;
  r.stats.elapsed_ms = 1.25;
  for (int i = 0; i < 3; ++i) {
    Series s;
    s.labels = {{"model", "m" + std::to_string(i)}, {"kind", "llm_call"}};
    for (int j = 0; j < 4; ++j) s.points.push_back(Point{int64_t{j} * 3600000000, {double(i + j), kNaN}});
    r.series.push_back(s);
  }
  std::string json = QueryResultToJson(r, true);
  simdjson::dom::parser p;
  simdjson::dom::element root;
  ASSERT_EQ(p.parse(json).get(root), simdjson::SUCCESS) << json;
  EXPECT_EQ(double(root["step_ms"]), 3600000.0);
  EXPECT_EQ(uint64_t(root["stats"]["rows_scanned"]), 100u);
  EXPECT_EQ(uint64_t(root["stats"]["rows_matched"]), 42u);
  EXPECT_EQ(uint64_t(root["stats"]["blocks_scanned"]), 2u);
  EXPECT_EQ(uint64_t(root["stats"]["blocks_skipped"]), 3u);
  EXPECT_EQ(double(root["stats"]["elapsed_ms"]), 1.25);
  simdjson::dom::array series = root["series"];
  ASSERT_EQ(series.size(), 3u);
  int i = 0;
  for (simdjson::dom::element s : series) {
    // Labels keep their order.
    std::vector<std::string> keys;
    for (auto [k, v] : simdjson::dom::object(s["labels"])) keys.emplace_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"model", "kind"}));
    int j = 0;
    for (simdjson::dom::element pt : simdjson::dom::array(s["points"])) {
      EXPECT_EQ(double(pt["t"]), j * 3600000.0);
      EXPECT_EQ(double(pt["count"]), i + j);
      EXPECT_TRUE(pt["sum(tokens.input)"].is_null());
      ++j;
    }
    EXPECT_EQ(j, 4);
    ++i;
  }
  // Without stats, no "stats" key at all.
  std::string no_stats = QueryResultToJson(r, false);
  ASSERT_EQ(p.parse(no_stats).get(root), simdjson::SUCCESS);
  EXPECT_EQ(root["stats"].error(), simdjson::NO_SUCH_FIELD);
}

}  // namespace
}  // namespace agentperf::query
