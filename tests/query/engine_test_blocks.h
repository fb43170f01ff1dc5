// Hand-made column blocks for the engine tests (shared by engine_*_test.cc):
// TestDict, BlockData and friends, plus RunQuery helpers.
#pragma once

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
#include "query/engine.h"

namespace agentperf::query::engine_test {

using event::SpanKind;
using event::SpanStatus;
using event::StrField;

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

inline QuerySpec Spec(const std::string& json) {
  auto r = ParseQuerySpec(json, kT0);
  EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
  return r.ok() ? *r : QuerySpec{};
}

inline Result<QueryResult> RunQuery(const std::string& json, const std::vector<ColumnBlock>& blocks) {
  Engine e(Spec(json));
  for (const auto& b : blocks) e.Consume(b);
  return e.Finish();
}

inline QueryResult RunOk(const std::string& json, const std::vector<ColumnBlock>& blocks) {
  auto r = RunQuery(json, blocks);
  EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
  return r.ok() ? *r : QueryResult{};
}

// The single value of a query without group_by and step.
inline double Single(const std::string& json, const std::vector<ColumnBlock>& blocks, size_t agg = 0) {
  QueryResult r = RunOk(json, blocks);
  if (r.series.empty()) return kNaN;  // no rows matched
  EXPECT_EQ(r.series.size(), 1u) << json;
  EXPECT_EQ(r.series[0].points.size(), 1u) << json;
  return r.series[0].points.at(0).values.at(agg);
}

// "label=value,label=value" of a series, for compact expectations.
inline std::string LabelsOf(const Series& s) {
  std::string out;
  for (const auto& [k, v] : s.labels) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

// series labels -> count (first aggregate) for queries without step.
inline std::map<std::string, double> CountsBySeries(const QueryResult& r) {
  std::map<std::string, double> m;
  for (const auto& s : r.series) {
    EXPECT_EQ(s.points.size(), 1u);
    m[LabelsOf(s)] = s.points.at(0).values.at(0);
  }
  return m;
}

inline std::string F(const std::string& label, const std::string& op, const std::string& value) {
  return R"({"filters":[{"label":")" + label + R"(","op":")" + op + R"(","value":")" + value + R"("}]})";
}
inline std::string Fs(const std::string& label, const std::string& op, const std::string& values_json) {
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
inline void FillMixed(BlockData* b) {
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

}  // namespace agentperf::query::engine_test
