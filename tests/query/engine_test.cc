// Tests of query/engine.h on column blocks built by hand (and, at the end,
// blocks handed out by a store::Head): filters on every label type, group-by
// with absent values, time buckets (also before the epoch), block skipping,
// dictionaries that grow between and during blocks, and the result limits.
//
// Expected values are worked out by hand in the comments next to them.
#include "query/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "analysis/sketch/ddsketch.h"
#include "core/clock.h"
#include "query/block.h"
#include "query/spec.h"
#include "store/head/head.h"
#include "testing/events.h"

namespace agentperf::query {
namespace {

using event::SpanKind;
using event::SpanStatus;
using event::StrField;
using ::testing::HasSubstr;

constexpr int64_t kT0 = testing::kBaseMs * 1000;  // us
constexpr int64_t kMs = 1000;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A dictionary for hand-made blocks. Strings live in a deque, so views stay
// valid while it grows.
class TestDict : public Dictionary {
 public:
  uint32_t Code(const std::string& s) {
    if (s.empty()) return 0;
    for (uint32_t i = 1; i < values_.size(); ++i) {
      if (values_[i] == s) return i;
    }
    values_.push_back(s);
    return static_cast<uint32_t>(values_.size() - 1);
  }
  std::string_view Lookup(uint32_t code) const override { return values_.at(code); }
  uint32_t Size() const override { return static_cast<uint32_t>(values_.size()); }

 private:
  std::deque<std::string> values_{""};
};

struct Dicts {
  TestDict d[event::kNumStrFields];
};

struct Row {
  int64_t start_us = kT0;
  int64_t dur_us = 1000 * kMs;
  SpanKind kind = SpanKind::kLlmCall;
  SpanStatus status = SpanStatus::kOk;
  std::string agent = "coder";
  std::string tool;
  std::string model;
  int64_t tokens_in = event::kAbsentInt;
  double cost = kNaN;
};

// Owns the columns of one block.
class BlockData {
 public:
  explicit BlockData(Dicts* dicts) : dicts_(dicts) {
    for (auto& c : str_) c.clear();
  }
  BlockData& Add(const Row& r) {
    start_.push_back(r.start_us);
    dur_.push_back(r.dur_us);
    kind_.push_back(static_cast<uint8_t>(r.kind));
    status_.push_back(static_cast<uint8_t>(r.status));
    for (int f = 0; f < event::kNumStrFields; ++f) {
      std::string v;
      if (f == static_cast<int>(StrField::kAgent)) v = r.agent;
      if (f == static_cast<int>(StrField::kTool)) v = r.tool;
      if (f == static_cast<int>(StrField::kModel)) v = r.model;
      str_[f].push_back(dicts_->d[f].Code(v));
    }
    for (int f = 0; f < event::kNumIntFields; ++f) {
      ints_[f].push_back(f == static_cast<int>(event::IntField::kTokensInput) ? r.tokens_in : event::kAbsentInt);
    }
    for (int f = 0; f < event::kNumFloatFields; ++f) {
      floats_[f].push_back(f == static_cast<int>(event::FloatField::kCost) ? r.cost : kNaN);
    }
    return *this;
  }
  // Uses the given dictionaries in the block (default: the ones codes came from).
  ColumnBlock Block(const Dicts* dicts = nullptr) const {
    if (dicts == nullptr) dicts = dicts_;
    ColumnBlock b;
    b.rows = start_.size();
    b.min_start_us = INT64_MAX;
    b.max_start_us = INT64_MIN;
    for (int64_t s : start_) {
      b.min_start_us = std::min(b.min_start_us, s);
      b.max_start_us = std::max(b.max_start_us, s);
    }
    b.start_us = start_.data();
    b.dur_us = dur_.data();
    b.kind = kind_.data();
    b.status = status_.data();
    for (int f = 0; f < event::kNumStrFields; ++f) {
      b.str[f] = str_[f].data();
      b.dicts[f] = &dicts->d[f];
    }
    for (int f = 0; f < event::kNumIntFields; ++f) b.ints[f] = ints_[f].data();
    for (int f = 0; f < event::kNumFloatFields; ++f) b.floats[f] = floats_[f].data();
    return b;
  }

 private:
  Dicts* dicts_;
  std::vector<int64_t> start_, dur_;
  std::vector<uint8_t> kind_, status_;
  std::vector<uint32_t> str_[event::kNumStrFields];
  std::vector<int64_t> ints_[event::kNumIntFields];
  std::vector<double> floats_[event::kNumFloatFields];
};

QuerySpec Spec(const std::string& json) {
  auto r = ParseQuerySpec(json, kT0);
  EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
  return r.ok() ? *r : QuerySpec{};
}

Result<QueryResult> RunQuery(const std::string& json, const std::vector<ColumnBlock>& blocks) {
  Engine e(Spec(json));
  for (const auto& b : blocks) e.Consume(b);
  return e.Finish();
}

QueryResult RunOk(const std::string& json, const std::vector<ColumnBlock>& blocks) {
  auto r = RunQuery(json, blocks);
  EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
  return r.ok() ? *r : QueryResult{};
}

// The single value of a query without group_by and step.
double Single(const std::string& json, const std::vector<ColumnBlock>& blocks, size_t agg = 0) {
  QueryResult r = RunOk(json, blocks);
  if (r.series.empty()) return kNaN;  // no rows matched
  EXPECT_EQ(r.series.size(), 1u) << json;
  EXPECT_EQ(r.series[0].points.size(), 1u) << json;
  return r.series[0].points.at(0).values.at(agg);
}

// "label=value,label=value" of a series, for compact expectations.
std::string LabelsOf(const Series& s) {
  std::string out;
  for (const auto& [k, v] : s.labels) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

// series labels -> count (first aggregate) for queries without step.
std::map<std::string, double> CountsBySeries(const QueryResult& r) {
  std::map<std::string, double> m;
  for (const auto& s : r.series) {
    EXPECT_EQ(s.points.size(), 1u);
    m[LabelsOf(s)] = s.points.at(0).values.at(0);
  }
  return m;
}

std::string F(const std::string& label, const std::string& op, const std::string& value) {
  return R"({"filters":[{"label":")" + label + R"(","op":")" + op + R"(","value":")" + value + R"("}]})";
}
std::string Fs(const std::string& label, const std::string& op, const std::string& values_json) {
  return R"({"filters":[{"label":")" + label + R"(","op":")" + op + R"(","values":)" + values_json + "}]}";
}

// A small mixed data set (10 rows) used by several tests:
//  #  kind             status     agent     tool   model   dur(ms) tokens_in cost
//  0  llm_call         ok         coder     -      gpt-4o  100     10        0.5
//  1  llm_call         error      coder     -      gpt-4o  200     -         -
//  2  tool_call        ok         coder     bash   -       300     -         -
//  3  tool_call        ok         reviewer  read   -       400     -         -
//  4  tool_call        error      reviewer  bash   -       500     -         -
//  5  tool_call        cancelled  coder     edit   -       600     -         -
//  6  llm_call         ok         reviewer  -      claude  700     20        1.5
//  7  turn             ok         coder     -      -       800     -         -
//  8  permission_wait  ok         -         bash   -       900     -         -
//  9  llm_call         ok         -         -      gpt-4o  1000    0         0
// Start times: kT0 + i seconds.
void FillMixed(BlockData* b) {
  auto row = [](int i, SpanKind k, SpanStatus st, std::string agent, std::string tool, std::string model,
                int64_t tokens = event::kAbsentInt, double cost = kNaN) {
    Row r;
    r.start_us = kT0 + i * 1000 * kMs;
    r.dur_us = (i + 1) * 100 * kMs;
    r.kind = k;
    r.status = st;
    r.agent = std::move(agent);
    r.tool = std::move(tool);
    r.model = std::move(model);
    r.tokens_in = tokens;
    r.cost = cost;
    return r;
  };
  b->Add(row(0, SpanKind::kLlmCall, SpanStatus::kOk, "coder", "", "gpt-4o", 10, 0.5));
  b->Add(row(1, SpanKind::kLlmCall, SpanStatus::kError, "coder", "", "gpt-4o"));
  b->Add(row(2, SpanKind::kToolCall, SpanStatus::kOk, "coder", "bash", ""));
  b->Add(row(3, SpanKind::kToolCall, SpanStatus::kOk, "reviewer", "read", ""));
  b->Add(row(4, SpanKind::kToolCall, SpanStatus::kError, "reviewer", "bash", ""));
  b->Add(row(5, SpanKind::kToolCall, SpanStatus::kCancelled, "coder", "edit", ""));
  b->Add(row(6, SpanKind::kLlmCall, SpanStatus::kOk, "reviewer", "", "claude", 20, 1.5));
  b->Add(row(7, SpanKind::kTurn, SpanStatus::kOk, "coder", "", ""));
  b->Add(row(8, SpanKind::kPermissionWait, SpanStatus::kOk, "", "bash", ""));
  b->Add(row(9, SpanKind::kLlmCall, SpanStatus::kOk, "", "", "gpt-4o", 0, 0.0));
}

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

TEST(EngineTest, BlocksOutsideTheRangeAreSkipped) {
  Dicts d;
  BlockData early(&d), middle(&d), late(&d);
  for (int i = 0; i < 3; ++i) {
    Row r;
    r.start_us = kT0 + i * kMs;  // kT0 .. kT0+2ms
    early.Add(r);
    r.start_us = kT0 + 1000 * kMs + i * kMs;  // kT0+1s .. +1.002s
    middle.Add(r);
    r.start_us = kT0 + 2000 * kMs + i * kMs;  // kT0+2s ..
    late.Add(r);
  }
  // [kT0+1.001s, kT0+2s): early and late are skipped whole; middle partly matches.
  QueryResult r = RunOk(R"({"from":1767225601001,"to":1767225602000})", {early.Block(), middle.Block(), late.Block()});
  EXPECT_EQ(r.stats.blocks_skipped, 2u);
  EXPECT_EQ(r.stats.blocks_scanned, 1u);
  EXPECT_EQ(r.stats.rows_scanned, 3u);
  EXPECT_EQ(r.stats.rows_matched, 2u);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].points[0].values[0], 2);
  // "to" equal to a block's first start skips it (exclusive); "from" equal to a
  // block's last start keeps it (inclusive).
  QueryResult e = RunOk(R"({"from":1767225600002,"to":1767225602000})", {early.Block(), middle.Block(), late.Block()});
  EXPECT_EQ(e.stats.blocks_skipped, 1u);
  EXPECT_EQ(e.stats.blocks_scanned, 2u);
  EXPECT_EQ(e.series.at(0).points.at(0).values[0], 4);
}

TEST(EngineTest, DictionaryGrowsBetweenBlocks) {
  // The engine consumes block 1 while the dictionaries hold only coder/reviewer
  // and bash; then new codes appear (late, read), used by block 2.
  auto run = [](const std::string& json) {
    Dicts d;
    BlockData b1(&d), b2(&d);
    Row r;
    r.agent = "coder";
    r.tool = "bash";
    b1.Add(r).Add(r);
    r.agent = "reviewer";
    b1.Add(r);
    Engine e(Spec(json));
    e.Consume(b1.Block());
    r.agent = "late";
    r.tool = "read";
    b2.Add(r).Add(r).Add(r);
    r.agent = "coder";
    r.tool = "";
    b2.Add(r);
    e.Consume(b2.Block());
    auto res = e.Finish();
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : QueryResult{};
  };
  auto count = [&](const std::string& json) {
    QueryResult r = run(json);
    EXPECT_EQ(r.series.size(), 1u) << json;
    return r.series.empty() ? -1.0 : r.series[0].points.at(0).values.at(0);
  };
  EXPECT_EQ(count(R"({"filters":[{"label":"agent","value":"late"}]})"), 3);
  EXPECT_EQ(count(R"({"filters":[{"label":"agent","op":"!=","value":"coder"}]})"), 4);  // reviewer + 3 late
  EXPECT_EQ(count(R"({"filters":[{"label":"agent","op":"=~","value":"l.*|r.*"}]})"), 4);
  EXPECT_EQ(count(R"({"filters":[{"label":"agent","op":"not_in","values":["late"]}]})"), 4);  // 3 in b1 + coder in b2
  EXPECT_EQ(count(R"({"filters":[{"label":"tool","op":"in","values":["read"]}]})"), 3);
  EXPECT_EQ(count(R"({"filters":[{"label":"tool","op":"!~","value":"b.*"}]})"), 4);  // 3 read + 1 absent
  // Group-by across the two blocks merges equal strings.
  EXPECT_EQ(CountsBySeries(run(R"({"group_by":["agent","tool"]})")),
            (std::map<std::string, double>{{"agent=coder,tool=", 1},
                                           {"agent=coder,tool=bash", 2},
                                           {"agent=late,tool=read", 3},
                                           {"agent=reviewer,tool=bash", 1}}));
  // Both at once: filter on one grown label, group by another.
  EXPECT_EQ(CountsBySeries(run(R"({"group_by":["tool"],"filters":[{"label":"agent","op":"!=","value":"reviewer"}]})")),
            (std::map<std::string, double>{{"tool=", 1}, {"tool=bash", 2}, {"tool=read", 3}}));
}

TEST(EngineTest, BlocksWithDifferentDictionaries) {
  // Two sources (e.g. head and a segment) code the same strings differently.
  Dicts d1, d2;
  d2.d[static_cast<int>(StrField::kAgent)].Code("reviewer");  // reviewer = 1, coder = 2 in d2
  BlockData b1(&d1), b2(&d2);
  Row r;
  r.agent = "coder";
  b1.Add(r);
  b2.Add(r).Add(r);
  r.agent = "reviewer";
  b1.Add(r);
  b2.Add(r);
  ASSERT_NE(d1.d[static_cast<int>(StrField::kAgent)].Code("coder"), d2.d[static_cast<int>(StrField::kAgent)].Code("coder"));
  QueryResult g = RunOk(R"({"group_by":["agent"]})", {b1.Block(), b2.Block()});
  EXPECT_EQ(CountsBySeries(g), (std::map<std::string, double>{{"agent=coder", 3}, {"agent=reviewer", 2}}));
  EXPECT_EQ(Single(R"({"filters":[{"label":"agent","value":"coder"}]})", {b1.Block(), b2.Block()}), 3);
  EXPECT_EQ(Single(R"({"filters":[{"label":"agent","value":"reviewer"}],"group_by":["agent"]})", {b2.Block(), b1.Block()}),
            2);
}

// A dictionary whose size grows every time it is asked, as a head's does when
// events arrive while a query scans it. Codes >= 1 map to "v<code>".
class GrowingDict : public Dictionary {
 public:
  std::string_view Lookup(uint32_t code) const override {
    while (names_.size() <= code) names_.push_back(names_.empty() ? "" : "v" + std::to_string(names_.size()));
    return names_[code];
  }
  uint32_t Size() const override {
    size_ += 1000;
    return size_;
  }

 private:
  mutable uint32_t size_ = 0;
  mutable std::deque<std::string> names_;
};

TEST(EngineTest, DictionaryGrowingDuringAScan) {
  Dicts d;
  BlockData data(&d);
  for (int i = 0; i < 20; ++i) data.Add(Row{});
  ColumnBlock b = data.Block();
  // Agent codes 1..20 of a dictionary that grows under the engine's feet.
  std::vector<uint32_t> codes;
  for (uint32_t i = 0; i < 20; ++i) codes.push_back(1 + i);
  GrowingDict grow;
  b.str[static_cast<int>(StrField::kAgent)] = codes.data();
  b.dicts[static_cast<int>(StrField::kAgent)] = &grow;
  // Filter and group on the same label: v1 and v10..v19 pass.
  Engine e(Spec(R"({"filters":[{"label":"agent","op":"=~","value":"v1.*"}],"group_by":["agent"]})"));
  e.Consume(b);
  e.Consume(b);  // the dictionary has grown again since
  auto r = e.Finish();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 11u);
  EXPECT_EQ(LabelsOf(r->series[0]), "agent=v1");
  EXPECT_EQ(LabelsOf(r->series[1]), "agent=v10");
  for (const auto& s : r->series) EXPECT_EQ(s.points.at(0).values.at(0), 2) << LabelsOf(s);
}

TEST(EngineTest, SeriesLimit) {
  Dicts d;
  BlockData data(&d);
  for (const char* a : {"a", "b", "c", "c"}) {
    Row r;
    r.agent = a;
    data.Add(r);
  }
  auto over = RunQuery(R"({"group_by":["agent"],"limit":2})", {data.Block()});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("more than 2 series"));
  QueryResult ok = RunOk(R"({"group_by":["agent"],"limit":3})", {data.Block()});
  EXPECT_EQ(ok.series.size(), 3u);
  // The limit counts series, not points.
  QueryResult pts = RunOk(R"({"step":"1ms","limit":1})", {data.Block()});
  EXPECT_EQ(pts.series.size(), 1u);
  auto one = RunQuery(R"({"group_by":["agent"],"limit":1})", {data.Block()});
  EXPECT_EQ(one.status().code(), StatusCode::kResourceExhausted);
}

// Feeds `cells` rows with distinct 1 ms buckets (one row each) in blocks of
// 100000 rows that reuse the same columns.
void FeedDistinctBuckets(Engine* e, size_t cells) {
  const size_t kRows = 100000;
  Dicts d;
  BlockData data(&d);
  for (size_t i = 0; i < kRows; ++i) data.Add(Row{});
  ColumnBlock b = data.Block();
  std::vector<int64_t> start(kRows);
  b.start_us = start.data();
  for (size_t done = 0; done < cells; done += kRows) {
    size_t n = std::min(kRows, cells - done);
    for (size_t i = 0; i < n; ++i) start[i] = kT0 + static_cast<int64_t>(done + i) * kMs;
    b.rows = n;
    b.min_start_us = start[0];
    b.max_start_us = start[n - 1];
    e->Consume(b);
  }
}

TEST(EngineTest, CellLimitExceeded) {
  Engine e(Spec(R"({"step":"1ms"})"));
  FeedDistinctBuckets(&e, QuerySpec::kMaxCells + 1);
  auto r = e.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("more than 2000000 series x time buckets"));
}

TEST(EngineTest, CellLimitReachedExactly) {
  Engine e(Spec(R"({"step":"1ms","limit":1})"));
  FeedDistinctBuckets(&e, QuerySpec::kMaxCells);
  auto r = e.Finish();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points.size(), QuerySpec::kMaxCells);
  EXPECT_EQ(r->series[0].points.back().t_us, kT0 + static_cast<int64_t>(QuerySpec::kMaxCells - 1) * kMs);
}

// ---- Blocks from a store::Head ----

event::EventBatch MakeBatch(int64_t first_id, int n, const std::function<void(int, event::Event*, event::EventBatch*)>& fill) {
  event::EventBatch batch;
  for (int i = 0; i < n; ++i) {
    event::Event e;
    e.id = Hash128{static_cast<uint64_t>(first_id + i), 0x5eed};
    e.kind = SpanKind::kLlmCall;
    fill(i, &e, &batch);
    batch.events.push_back(e);
  }
  return batch;
}

TEST(EngineHeadTest, BlocksOfAHead) {
  store::Head head;
  const int n1 = static_cast<int>(store::kChunkRows) + 100;  // block 0 full, block 1 started
  // Batch 1: times increase with the row, agents a/b, tool bash on even rows.
  head.Apply(MakeBatch(1, n1, [](int i, event::Event* e, event::EventBatch* b) {
    e->start_us = kT0 + int64_t{i} * kMs;
    e->end_us = e->start_us + (i % 7 + 1) * kMs;
    e->str[static_cast<int>(StrField::kAgent)] = b->arena.Copy(i % 2 ? "b" : "a");
    if (i % 2 == 0) e->str[static_cast<int>(StrField::kTool)] = b->arena.Copy("bash");
  }));
  // Batch 2: new dictionary codes ("late", "read") that block 0 never saw.
  const int n2 = static_cast<int>(store::kChunkRows);
  head.Apply(MakeBatch(1000000, n2, [&](int i, event::Event* e, event::EventBatch* b) {
    e->start_us = kT0 + int64_t{n1 + i} * kMs;
    e->end_us = e->start_us + kMs;
    e->str[static_cast<int>(StrField::kAgent)] = b->arena.Copy(i % 4 == 0 ? "late" : "a");
    if (i % 3 == 0) e->str[static_cast<int>(StrField::kTool)] = b->arena.Copy("read");
    e->status = i % 5 == 0 ? SpanStatus::kError : SpanStatus::kOk;
  }));
  ASSERT_EQ(head.rows(), static_cast<uint64_t>(n1 + n2));
  auto run = [&](const std::string& json, bool engine_skips = false) {
    QuerySpec spec = Spec(json);
    Engine e(spec);
    // engine_skips: hand the engine every block so that it must skip by time itself.
    if (engine_skips) head.ScanBlocks(INT64_MIN, INT64_MAX, [&](const ColumnBlock& b) { e.Consume(b); });
    else head.ScanBlocks(spec.from_us, spec.to_us, [&](const ColumnBlock& b) { e.Consume(b); });
    auto r = e.Finish();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : QueryResult{};
  };
  // Rows n1.. with i % 4 == 0: ceil(16384 / 4) = 4096.
  QueryResult late = run(R"({"filters":[{"label":"agent","value":"late"}]})");
  EXPECT_EQ(late.series.at(0).points.at(0).values.at(0), 4096);
  EXPECT_EQ(late.stats.blocks_scanned, 3u);
  // tool read: i % 3 == 0 of 16384 -> 5462; absent tool: odd rows of batch 1 (8242) + 16384 - 5462.
  QueryResult tools = run(R"({"group_by":["tool"]})");
  EXPECT_EQ(CountsBySeries(tools), (std::map<std::string, double>{
                                       {"tool=", (n1 / 2) + (n2 - 5462)}, {"tool=bash", n1 / 2}, {"tool=read", 5462}}));
  // error status only in batch 2: i % 5 == 0 -> 3277; of those late (i % 20 == 0): 820.
  QueryResult err = run(R"({"filters":[{"label":"status","value":"error"}],"group_by":["agent"]})");
  EXPECT_EQ(CountsBySeries(err), (std::map<std::string, double>{{"agent=a", 3277 - 820}, {"agent=late", 820}}));
  // A range inside block 2 only (rows n1 + 16284 ..): the engine skips blocks 0 and 1.
  const int64_t from_ms = testing::kBaseMs + n1 + 16284;
  std::string range = R"({"from":)" + std::to_string(from_ms) + "}";
  QueryResult skipped = run(range, /*engine_skips=*/true);
  EXPECT_EQ(skipped.stats.blocks_skipped, 2u);
  EXPECT_EQ(skipped.stats.blocks_scanned, 1u);
  EXPECT_EQ(skipped.series.at(0).points.at(0).values.at(0), 100);
  QueryResult by_head = run(range);  // the head leaves them out itself
  EXPECT_EQ(by_head.stats.blocks_skipped + by_head.stats.blocks_scanned, 1u);
  EXPECT_EQ(by_head.series.at(0).points.at(0).values.at(0), 100);
  // Durations of batch 1: (i % 7 + 1) ms.
  QueryResult dur = run(R"({"filters":[{"label":"agent","op":"!=","value":"late"},{"label":"status","value":"ok"}],
                             "to":)" + std::to_string(testing::kBaseMs + 7) + R"J(,"aggregates":["sum(duration_ms)","max(duration_ms)"]})J");
  EXPECT_THAT(dur.series.at(0).points.at(0).values, ::testing::ElementsAre(28, 7));
}

}  // namespace
}  // namespace agentperf::query
