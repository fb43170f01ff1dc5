// Tests of query/spec.h: every accepted form of the query JSON and every
// rejection, with its message.
#include "query/spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "event/fields.h"
#include "testing/events.h"

namespace agentperf::query {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int64_t kNow = testing::kBaseMs * 1000;

QuerySpec Ok(const std::string& json) {
  auto r = ParseQuerySpec(json, kNow);
  EXPECT_TRUE(r.ok()) << json << ": " << r.status().ToString();
  return r.ok() ? *r : QuerySpec{};
}

// The error message of a spec that must be rejected as InvalidArgument.
std::string Err(const std::string& json) {
  auto r = ParseQuerySpec(json, kNow);
  EXPECT_FALSE(r.ok()) << json << " was accepted";
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << json;
  return r.status().message();
}

std::string Filter(const std::string& f) { return R"({"filters":[)" + f + "]}"; }

TEST(SpecTest, Defaults) {
  QuerySpec s = Ok("{}");
  EXPECT_EQ(s.from_us, INT64_MIN);
  EXPECT_EQ(s.to_us, INT64_MAX);
  EXPECT_TRUE(s.matchers.empty());
  EXPECT_TRUE(s.group_by.empty());
  EXPECT_EQ(s.step_us, 0);
  ASSERT_EQ(s.aggregates.size(), 1u);
  EXPECT_EQ(s.aggregates[0].op, Aggregate::kCount);
  EXPECT_FALSE(s.aggregates[0].has_field);
  EXPECT_EQ(s.aggregates[0].name, "count");
  EXPECT_EQ(s.limit, 10000u);
  // An empty aggregate list also means count.
  QuerySpec e = Ok(R"({"aggregates":[]})");
  ASSERT_EQ(e.aggregates.size(), 1u);
  EXPECT_EQ(e.aggregates[0].name, "count");
}

TEST(SpecTest, TheDocumentedExample) {
  QuerySpec s = Ok(R"J({"from": "-1h", "to": "now",
    "filters": [{"label": "agent", "op": "=", "value": "coder"},
                {"label": "tool", "op": "in", "values": ["bash", "read"]},
                {"label": "model", "op": "=~", "value": "gpt-.*"}],
    "group_by": ["agent", "tool"],
    "step": "1m",
    "aggregates": ["count", "avg(duration_ms)", "p95(duration_ms)",
                   "quantile(0.999, duration_ms)", "sum(tokens.input)"],
    "limit": 1000})J");
  EXPECT_EQ(s.from_us, kNow - kMicrosPerHour);
  EXPECT_EQ(s.to_us, kNow);
  ASSERT_EQ(s.matchers.size(), 3u);
  EXPECT_EQ(s.matchers[0].op, Matcher::kEq);
  EXPECT_EQ(s.matchers[0].label.Name(), "agent");
  EXPECT_EQ(s.matchers[1].op, Matcher::kIn);
  EXPECT_EQ(s.matchers[1].values, (std::vector<std::string>{"bash", "read"}));
  EXPECT_EQ(s.matchers[2].op, Matcher::kRegex);
  EXPECT_EQ(s.matchers[2].pattern, "gpt-.*");
  ASSERT_EQ(s.group_by.size(), 2u);
  EXPECT_EQ(s.group_by[0].Name(), "agent");
  EXPECT_EQ(s.group_by[1].Name(), "tool");
  EXPECT_EQ(s.step_us, kMicrosPerMinute);
  std::vector<std::string> names;
  for (const auto& a : s.aggregates) names.push_back(a.name);
  EXPECT_EQ(names, (std::vector<std::string>{"count", "avg(duration_ms)", "p95(duration_ms)", "p99.9(duration_ms)",
                                             "sum(tokens.input)"}));
  EXPECT_EQ(s.limit, 1000u);
}

TEST(SpecTest, FromAndToForms) {
  const int64_t base = testing::kBaseMs * 1000;
  EXPECT_EQ(Ok(R"({"from": 1767225600000})").from_us, base);
  EXPECT_EQ(Ok(R"({"from": 1767225600000.5})").from_us, base + 500);
  EXPECT_EQ(Ok(R"({"to": 0})").to_us, 0);
  EXPECT_EQ(Ok(R"({"to": -1000})").to_us, -1000000);  // a number is absolute, even before the epoch
  EXPECT_EQ(Ok(R"({"from": "2026-01-01T00:00:00Z"})").from_us, base);
  EXPECT_EQ(Ok(R"({"from": "2025-12-31T19:00:00.250-05:00"})").from_us, base + 250000);
  EXPECT_EQ(Ok(R"({"from": "1767225600000"})").from_us, base);  // ms as a string
  EXPECT_EQ(Ok(R"({"from": "now"})").from_us, kNow);
  EXPECT_EQ(Ok(R"({"from": "now-1h"})").from_us, kNow - kMicrosPerHour);
  EXPECT_EQ(Ok(R"({"from": "-15m"})").from_us, kNow - 15 * kMicrosPerMinute);
  EXPECT_EQ(Ok(R"({"to": "now+1d"})").to_us, kNow + kMicrosPerDay);
  QuerySpec both = Ok(R"({"from": "-2h", "to": "-1h"})");
  EXPECT_EQ(both.from_us, kNow - 2 * kMicrosPerHour);
  EXPECT_EQ(both.to_us, kNow - kMicrosPerHour);
}

TEST(SpecTest, RejectsBadTimes) {
  EXPECT_THAT(Err(R"({"from": "yesterday"})"), HasSubstr("cannot parse time 'yesterday'"));
  EXPECT_THAT(Err(R"({"to": true})"), HasSubstr("to: must be a time string or milliseconds"));
  EXPECT_THAT(Err(R"({"from": null})"), HasSubstr("from: must be a time string or milliseconds"));
  EXPECT_THAT(Err(R"({"from": 1e300})"), HasSubstr("from: out of range"));
  EXPECT_THAT(Err(R"({"from": "now-99999999999999w"})"), HasSubstr("99999999999999w"));
  EXPECT_THAT(Err(R"({"from": 2000, "to": 1000})"), HasSubstr("'from' must be before 'to'"));
  EXPECT_THAT(Err(R"({"from": 1000, "to": 1000})"), HasSubstr("'from' must be before 'to'"));
}

TEST(SpecTest, FromNowAloneIsFine) {
  // "from" now with an open "to" is valid (events in the future).
  QuerySpec s = Ok(R"({"from": "now"})");
  EXPECT_EQ(s.from_us, kNow);
  EXPECT_EQ(s.to_us, INT64_MAX);
}

TEST(SpecTest, FilterOpsAndAliases) {
  struct Case {
    const char* op;
    Matcher::Op want;
    bool multi;
  };
  for (const Case& c : {Case{"=", Matcher::kEq, false}, Case{"==", Matcher::kEq, false}, Case{"eq", Matcher::kEq, false},
                        Case{"!=", Matcher::kNe, false}, Case{"ne", Matcher::kNe, false},
                        Case{"=~", Matcher::kRegex, false}, Case{"re", Matcher::kRegex, false},
                        Case{"!~", Matcher::kNotRegex, false}, Case{"nre", Matcher::kNotRegex, false},
                        Case{"in", Matcher::kIn, true}, Case{"not_in", Matcher::kNotIn, true},
                        Case{"nin", Matcher::kNotIn, true}}) {
    std::string f = std::string(R"({"label":"tool","op":")") + c.op + "\"," +
                    (c.multi ? R"("values":["bash","read"]})" : R"("value":"bash"})");
    QuerySpec s = Ok(Filter(f));
    ASSERT_EQ(s.matchers.size(), 1u) << c.op;
    EXPECT_EQ(s.matchers[0].op, c.want) << c.op;
    EXPECT_EQ(s.matchers[0].label.type, Label::kStr);
    EXPECT_EQ(s.matchers[0].label.str, event::StrField::kTool);
    if (c.multi) {
      EXPECT_EQ(s.matchers[0].values, (std::vector<std::string>{"bash", "read"}));
    } else {
      EXPECT_EQ(s.matchers[0].values, (std::vector<std::string>{"bash"}));
    }
    if (c.want == Matcher::kRegex || c.want == Matcher::kNotRegex) {
      ASSERT_NE(s.matchers[0].re, nullptr);
      EXPECT_EQ(s.matchers[0].pattern, "bash");
    }
  }
  // The op defaults to "=".
  QuerySpec d = Ok(Filter(R"({"label":"agent","value":"coder"})"));
  ASSERT_EQ(d.matchers.size(), 1u);
  EXPECT_EQ(d.matchers[0].op, Matcher::kEq);
  // Keys in any order; several filters are kept in order.
  QuerySpec m = Ok(Filter(R"({"value":"x","op":"!=","label":"model"},{"label":"kind","value":"llm_call"})"));
  ASSERT_EQ(m.matchers.size(), 2u);
  EXPECT_EQ(m.matchers[0].label.Name(), "model");
  EXPECT_EQ(m.matchers[0].op, Matcher::kNe);
  EXPECT_EQ(m.matchers[1].label.type, Label::kKind);
  // An empty "values" list is valid: "in" matches nothing, "not_in" everything.
  QuerySpec e = Ok(Filter(R"({"label":"tool","op":"in","values":[]})"));
  EXPECT_TRUE(e.matchers[0].values.empty());
}

TEST(SpecTest, FilterOnEveryLabel) {
  for (auto name : AllLabelNames()) {
    QuerySpec s = Ok(Filter(R"({"label":")" + std::string(name) + R"(","op":"!=","value":"zzz"})"));
    ASSERT_EQ(s.matchers.size(), 1u) << name;
    EXPECT_EQ(s.matchers[0].label.Name(), name);
  }
}

TEST(SpecTest, MatcherSemantics) {
  auto m = [](const std::string& f) { return Ok(Filter(f)).matchers.at(0); };
  Matcher eq = m(R"({"label":"tool","op":"=","value":"bash"})");
  EXPECT_TRUE(eq.Matches("bash"));
  EXPECT_FALSE(eq.Matches("bash2"));
  EXPECT_FALSE(eq.Matches(""));
  Matcher ne = m(R"({"label":"tool","op":"!=","value":"bash"})");
  EXPECT_FALSE(ne.Matches("bash"));
  EXPECT_TRUE(ne.Matches(""));  // absent values are "" and differ from "bash"
  Matcher absent = m(R"({"label":"tool","op":"=","value":""})");
  EXPECT_TRUE(absent.Matches(""));
  EXPECT_FALSE(absent.Matches("bash"));
  // Regexes are anchored at both ends.
  Matcher re = m(R"({"label":"model","op":"=~","value":"gpt-.*"})");
  EXPECT_TRUE(re.Matches("gpt-4o"));
  EXPECT_TRUE(re.Matches("gpt-"));
  EXPECT_FALSE(re.Matches("my-gpt-4o"));
  EXPECT_FALSE(re.Matches(""));
  Matcher part = m(R"({"label":"model","op":"=~","value":"gpt"})");
  EXPECT_FALSE(part.Matches("gpt-4o"));
  EXPECT_TRUE(part.Matches("gpt"));
  Matcher alt = m(R"({"label":"model","op":"=~","value":"a|b"})");
  EXPECT_TRUE(alt.Matches("a"));
  EXPECT_TRUE(alt.Matches("b"));
  EXPECT_FALSE(alt.Matches("ab"));
  Matcher nre = m(R"({"label":"model","op":"!~","value":"gpt-.*"})");
  EXPECT_FALSE(nre.Matches("gpt-4o"));
  EXPECT_TRUE(nre.Matches("claude"));
  EXPECT_TRUE(nre.Matches(""));
  Matcher opt = m(R"({"label":"model","op":"=~","value":".*"})");
  EXPECT_TRUE(opt.Matches(""));
  Matcher in = m(R"({"label":"tool","op":"in","values":["bash","","read"]})");
  EXPECT_TRUE(in.Matches("bash"));
  EXPECT_TRUE(in.Matches("read"));
  EXPECT_TRUE(in.Matches(""));
  EXPECT_FALSE(in.Matches("write"));
  Matcher nin = m(R"({"label":"tool","op":"not_in","values":["bash","read"]})");
  EXPECT_FALSE(nin.Matches("bash"));
  EXPECT_TRUE(nin.Matches("write"));
  EXPECT_TRUE(nin.Matches(""));
  Matcher in0 = m(R"({"label":"tool","op":"in","values":[]})");
  EXPECT_FALSE(in0.Matches(""));
  EXPECT_FALSE(in0.Matches("bash"));
  Matcher nin0 = m(R"({"label":"tool","op":"nin","values":[]})");
  EXPECT_TRUE(nin0.Matches(""));
  EXPECT_TRUE(nin0.Matches("bash"));
}

TEST(SpecTest, RejectsBadFilters) {
  EXPECT_THAT(Err(R"({"filters": {"label":"agent","value":"x"}})"), HasSubstr("filters must be an array"));
  EXPECT_THAT(Err(Filter(R"("agent")")), HasSubstr("each filter must be an object"));
  EXPECT_THAT(Err(Filter(R"(["agent","=","x"])")), HasSubstr("each filter must be an object"));
  EXPECT_THAT(Err(Filter(R"({"label":"agnet","value":"x"})")),
              AllOf(HasSubstr("unknown label 'agnet'"), HasSubstr("kind, status, session_id"), HasSubstr("tool")));
  EXPECT_THAT(Err(Filter(R"({"value":"x"})")), HasSubstr("needs a \"label\""));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"~=","value":"x"})")),
              AllOf(HasSubstr("unknown op '~='"), HasSubstr("not_in")));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"IN","values":["x"]})")), HasSubstr("unknown op 'IN'"));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","lable":"x"})")),
              AllOf(HasSubstr("unknown key 'lable'"), HasSubstr("label, op, value, values")));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"=~","value":"("})")), HasSubstr("bad regex '('"));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"!~","value":"a[b"})")), HasSubstr("bad regex 'a[b'"));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"=~","value":"*x"})")), HasSubstr("bad regex"));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"=~","value":")" + std::string(1025, 'a') + "\"}")),
              HasSubstr("regex longer than 1024 bytes"));
  Ok(Filter(R"({"label":"agent","op":"=~","value":")" + std::string(1024, 'a') + "\"}"));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"in"})")), HasSubstr("op 'in' needs \"values\""));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"in","value":"x"})")), HasSubstr("op 'in' needs \"values\""));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"not_in","value":"x"})")), HasSubstr("needs \"values\""));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"in","value":"x","values":["y"]})")), HasSubstr("needs \"values\""));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"="})")), HasSubstr("op '=' needs exactly one \"value\""));
  EXPECT_THAT(Err(Filter(R"({"label":"agent"})")), HasSubstr("needs exactly one \"value\""));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"=","values":["x"]})")), HasSubstr("needs exactly one \"value\""));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"=~","value":"x","values":["y"]})")),
              HasSubstr("needs exactly one \"value\""));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","value":5})")), HasSubstr("value must be a string"));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","value":null})")), HasSubstr("value must be a string"));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"in","values":"x"})")), HasSubstr("values must be an array"));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":"in","values":["x",1]})")), HasSubstr("values must be an array of strings"));
  EXPECT_THAT(Err(Filter(R"({"label":5,"value":"x"})")), HasSubstr("label must be a string"));
  EXPECT_THAT(Err(Filter(R"({"label":"agent","op":1,"value":"x"})")), HasSubstr("op must be a string"));
}

TEST(SpecTest, GroupBy) {
  QuerySpec s = Ok(R"({"group_by": ["tool", "kind", "status", "agent"]})");
  ASSERT_EQ(s.group_by.size(), 4u);
  EXPECT_EQ(s.group_by[0].Name(), "tool");
  EXPECT_EQ(s.group_by[1].type, Label::kKind);
  EXPECT_EQ(s.group_by[2].type, Label::kStatus);
  EXPECT_EQ(s.group_by[3].Name(), "agent");
  EXPECT_TRUE(Ok(R"({"group_by": []})").group_by.empty());
  EXPECT_EQ(Ok(R"({"group_by": ["session_id"]})").group_by.at(0).Name(), "session_id");
}

TEST(SpecTest, RejectsBadGroupBy) {
  EXPECT_THAT(Err(R"({"group_by": ["agent","tool","model","kind","status"]})"), HasSubstr("group_by: at most 4 labels"));
  EXPECT_THAT(Err(R"({"group_by": ["agent","tool","agent"]})"), HasSubstr("group_by: 'agent' given twice"));
  EXPECT_THAT(Err(R"({"group_by": ["kind","kind"]})"), HasSubstr("'kind' given twice"));
  EXPECT_THAT(Err(R"({"group_by": ["agent","nope"]})"), HasSubstr("unknown label 'nope'"));
  EXPECT_THAT(Err(R"({"group_by": "agent"})"), HasSubstr("group_by must be an array of label names"));
  EXPECT_THAT(Err(R"({"group_by": ["agent", 3]})"), HasSubstr("group_by must be an array of label names"));
}

TEST(SpecTest, Step) {
  EXPECT_EQ(Ok(R"({"step": "1m"})").step_us, kMicrosPerMinute);
  EXPECT_EQ(Ok(R"({"step": "1h30m"})").step_us, 90 * kMicrosPerMinute);
  EXPECT_EQ(Ok(R"({"step": "1ms"})").step_us, 1000);
  EXPECT_EQ(Ok(R"({"step": "250"})").step_us, 250000);  // a bare number string is ms
  EXPECT_EQ(Ok(R"({"step": 60000})").step_us, kMicrosPerMinute);
  EXPECT_EQ(Ok(R"({"step": 1})").step_us, 1000);
  EXPECT_EQ(Ok(R"({"step": 1.5})").step_us, 1500);
  EXPECT_EQ(Ok(R"({"step": null})").step_us, 0);
}

TEST(SpecTest, RejectsBadStep) {
  // Zero is refused rather than silently meaning "no step" (leave step out, or null, for that).
  EXPECT_THAT(Err(R"({"step": 0})"), HasSubstr("step must be at least 1ms"));
  EXPECT_THAT(Err(R"({"step": "0s"})"), HasSubstr("step must be at least 1ms"));
  EXPECT_THAT(Err(R"({"step": 0.5})"), HasSubstr("step must be at least 1ms"));
  EXPECT_THAT(Err(R"({"step": "999us"})"), HasSubstr("step must be at least 1ms"));
  EXPECT_THAT(Err(R"({"step": "1us"})"), HasSubstr("step must be at least 1ms"));
  EXPECT_THAT(Err(R"({"step": -1})"), HasSubstr("step: out of range"));
  EXPECT_THAT(Err(R"({"step": 1e13})"), HasSubstr("step: out of range"));
  EXPECT_THAT(Err(R"({"step": "abc"})"), HasSubstr("cannot parse duration 'abc'"));
  EXPECT_THAT(Err(R"({"step": "-1m"})"), HasSubstr("cannot parse duration"));
  EXPECT_THAT(Err(R"({"step": true})"), HasSubstr("step must be a duration"));
  EXPECT_THAT(Err(R"({"step": ["1m"]})"), HasSubstr("step must be a duration"));
}

TEST(SpecTest, RejectsDuplicateAggregates) {
  EXPECT_THAT(Err(R"({"aggregates": ["count", "count"]})"), HasSubstr("'count' given twice"));
  // Two spellings of the same quantile would give two identical keys in a point.
  EXPECT_THAT(Err(R"j({"aggregates": ["p95(duration_ms)", "quantile(0.95, duration_ms)"]})j"),
              HasSubstr("'p95(duration_ms)' given twice"));
  Ok(R"j({"aggregates": ["count", "count(duration_ms)"]})j");
}

TEST(SpecTest, TooManyBuckets) {
  // 1767225600000 ms at 1 ms per bucket.
  EXPECT_THAT(Err(R"({"from": 0, "to": 1767225600000, "step": "1ms"})"),
              AllOf(HasSubstr("time buckets"), HasSubstr("limit 2000000")));
  EXPECT_THAT(Err(R"({"from": "-1d", "to": "now", "step": "10ms"})"), HasSubstr("8640001 time buckets"));
  // (to - from) / step + 1 = 2000000 is the largest accepted count.
  Ok(R"({"from": 0, "to": 1999999, "step": 1})");
  EXPECT_THAT(Err(R"({"from": 0, "to": 2000000, "step": 1})"), HasSubstr("2000001 time buckets"));
  // The widest range (its length does not fit in int64 microseconds) is
  // counted without overflow.
  EXPECT_THAT(Err(R"({"from": -9e15, "to": 9e15, "step": "1w"})"), HasSubstr("time buckets"));
  EXPECT_THAT(Err(R"({"from": -9e15, "to": 9e15, "step": "1ms"})"), HasSubstr("time buckets"));
  // An open range is not limited here (the engine limits cells instead).
  EXPECT_EQ(Ok(R"({"step": "1ms"})").step_us, 1000);
  EXPECT_EQ(Ok(R"({"from": 0, "step": "1ms"})").step_us, 1000);
  // A long range with a step to match is fine.
  Ok(R"({"from": -9e15, "to": 9e15, "step": "10000w"})");
}

TEST(SpecTest, Aggregates) {
  struct Case {
    const char* text;
    Aggregate::Op op;
    bool has_field;
    Field::Kind type;
    int index;
    double q;
    const char* name;
  };
  const Case cases[] = {
      {"count", Aggregate::kCount, false, Field::kDurationMs, 0, 0, "count"},
      {"count(duration_ms)", Aggregate::kCount, true, Field::kDurationMs, 0, 0, "count(duration_ms)"},
      {"count(tokens.output)", Aggregate::kCount, true, Field::kInt, 1, 0, "count(tokens.output)"},
      {"sum(tokens.input)", Aggregate::kSum, true, Field::kInt, 0, 0, "sum(tokens.input)"},
      {"avg(cost)", Aggregate::kAvg, true, Field::kFloat, 0, 0, "avg(cost)"},
      {"min(ttfc_ms)", Aggregate::kMin, true, Field::kFloat, 1, 0, "min(ttfc_ms)"},
      {"max(rss_bytes)", Aggregate::kMax, true, Field::kInt, 5, 0, "max(rss_bytes)"},
      {"p50(duration_ms)", Aggregate::kQuantile, true, Field::kDurationMs, 0, 0.5, "p50(duration_ms)"},
      {"p90(duration_ms)", Aggregate::kQuantile, true, Field::kDurationMs, 0, 0.9, "p90(duration_ms)"},
      {"p95(duration_ms)", Aggregate::kQuantile, true, Field::kDurationMs, 0, 0.95, "p95(duration_ms)"},
      {"p99(tokens.output)", Aggregate::kQuantile, true, Field::kInt, 1, 0.99, "p99(tokens.output)"},
      {"p99.9(duration_ms)", Aggregate::kQuantile, true, Field::kDurationMs, 0, 0.999, "p99.9(duration_ms)"},
      {"p0(duration_ms)", Aggregate::kQuantile, true, Field::kDurationMs, 0, 0, "p0(duration_ms)"},
      {"p100(duration_ms)", Aggregate::kQuantile, true, Field::kDurationMs, 0, 1, "p100(duration_ms)"},
      {"quantile(0.999, duration_ms)", Aggregate::kQuantile, true, Field::kDurationMs, 0, 0.999, "p99.9(duration_ms)"},
      {"quantile(0.25,cpu_s)", Aggregate::kQuantile, true, Field::kFloat, 2, 0.25, "p25(cpu_s)"},
      {"quantile(1, cost)", Aggregate::kQuantile, true, Field::kFloat, 0, 1, "p100(cost)"},
      {"quantile(0.9999, duration_ms)", Aggregate::kQuantile, true, Field::kDurationMs, 0, 0.9999,
       "p99.99(duration_ms)"},
      {"  avg( duration_ms )  ", Aggregate::kAvg, true, Field::kDurationMs, 0, 0, "avg(duration_ms)"},
      {"sum(io_write_bytes)", Aggregate::kSum, true, Field::kInt, 7, 0, "sum(io_write_bytes)"},
      {"mad(duration_ms)", Aggregate::kMad, true, Field::kDurationMs, 0, 0, "mad(duration_ms)"},
  };
  for (const Case& c : cases) {
    auto r = ParseAggregate(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
    EXPECT_EQ(r->op, c.op) << c.text;
    EXPECT_EQ(r->has_field, c.has_field) << c.text;
    if (c.has_field) {
      EXPECT_EQ(r->field.type, c.type) << c.text;
      EXPECT_EQ(r->field.index, c.index) << c.text;
    }
    EXPECT_DOUBLE_EQ(r->q, c.q) << c.text;
    EXPECT_EQ(r->name, c.name) << c.text;
  }
  // Through the query JSON, in order.
  QuerySpec s = Ok(R"J({"aggregates": ["p99(duration_ms)", "count", "avg(cost)"]})J");
  ASSERT_EQ(s.aggregates.size(), 3u);
  EXPECT_EQ(s.aggregates[0].name, "p99(duration_ms)");
  EXPECT_EQ(s.aggregates[1].name, "count");
  EXPECT_EQ(s.aggregates[2].name, "avg(cost)");
}

TEST(SpecTest, RejectsBadAggregates) {
  auto err = [](const char* text) {
    auto r = ParseAggregate(text);
    EXPECT_FALSE(r.ok()) << text;
    if (r.ok()) return std::string();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("forms: count")) << "the message lists the accepted forms";
    return r.status().message();
  };
  EXPECT_THAT(err("median(duration_ms)"), HasSubstr("unknown function"));
  EXPECT_THAT(err("COUNT"), HasSubstr("expected name(field)"));
  EXPECT_THAT(err("avg"), HasSubstr("expected name(field)"));
  EXPECT_THAT(err("avg(duration_ms"), HasSubstr("expected name(field)"));
  EXPECT_THAT(err(""), HasSubstr("expected name(field)"));
  EXPECT_THAT(err("avg(foo)"), AllOf(HasSubstr("unknown field 'foo'"), HasSubstr("tokens.input")));
  EXPECT_THAT(err("avg(agent)"), HasSubstr("unknown field 'agent'"));
  EXPECT_THAT(err("count()"), HasSubstr("unknown field ''"));
  EXPECT_THAT(err("quantile(1.5, duration_ms)"), HasSubstr("q must be a number between 0 and 1"));
  EXPECT_THAT(err("quantile(-0.5, duration_ms)"), HasSubstr("q must be a number between 0 and 1"));
  EXPECT_THAT(err("quantile(x, duration_ms)"), HasSubstr("q must be a number between 0 and 1"));
  EXPECT_THAT(err("quantile(0.5x, duration_ms)"), HasSubstr("q must be a number between 0 and 1"));
  EXPECT_THAT(err("quantile(duration_ms)"), HasSubstr("quantile needs (q, field)"));
  EXPECT_THAT(err("quantile(0.5, nope)"), HasSubstr("unknown field 'nope'"));
  EXPECT_THAT(err("p101(duration_ms)"), HasSubstr("percentile must be p0..p100"));
  EXPECT_THAT(err("p9x(duration_ms)"), HasSubstr("percentile must be p0..p100"));
  EXPECT_THAT(err("p99.9.9(duration_ms)"), HasSubstr("percentile must be p0..p100"));
  EXPECT_THAT(err("px(duration_ms)"), HasSubstr("unknown function"));
  EXPECT_THAT(err("p(duration_ms)"), HasSubstr("unknown function"));

  EXPECT_THAT(Err(R"({"aggregates": "count"})"), HasSubstr("aggregates must be an array of strings"));
  EXPECT_THAT(Err(R"({"aggregates": ["count", 1]})"), HasSubstr("aggregates must be an array of strings"));
  EXPECT_THAT(Err(R"J({"aggregates": ["count", "avg(x)"]})J"), HasSubstr("aggregate 'avg(x)'"));
}

TEST(SpecTest, ErrorAggregates) {
  auto e = ParseAggregate("errors");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->op, Aggregate::kErrors);
  EXPECT_FALSE(e->has_field);
  EXPECT_EQ(e->name, "errors");
  auto r = ParseAggregate(" error_rate ");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->op, Aggregate::kErrorRate);
  EXPECT_FALSE(r->has_field);
  EXPECT_EQ(r->name, "error_rate");
  QuerySpec s = Ok(R"({"aggregates": ["count", "errors", "error_rate"]})");
  ASSERT_EQ(s.aggregates.size(), 3u);
  EXPECT_EQ(s.aggregates[2].name, "error_rate");
  // They take no field, and appear in the list of forms.
  EXPECT_THAT(ParseAggregate("errors(duration_ms)").status().message(), HasSubstr("unknown function"));
  EXPECT_THAT(ParseAggregate("error_rate(cost)").status().message(), HasSubstr("unknown function"));
  EXPECT_THAT(ParseAggregate("ERRORS").status().message(), HasSubstr("errors, error_rate"));
  EXPECT_THAT(Err(R"({"aggregates": ["errors", "errors"]})"), HasSubstr("'errors' given twice"));
}

TEST(SpecTest, OrderBy) {
  QuerySpec none = Ok("{}");
  EXPECT_FALSE(none.order_by.enabled);
  QuerySpec s = Ok(R"J({"group_by": ["session_id"], "aggregates": ["count", "max(duration_ms)"],
                        "order_by": "max(duration_ms) desc", "limit": 10})J");
  EXPECT_TRUE(s.order_by.enabled);
  EXPECT_EQ(s.order_by.aggregate, 1u);
  EXPECT_TRUE(s.order_by.descending);
  EXPECT_EQ(s.limit, 10u);
  // Direction optional (desc), asc, upper case, extra spaces; the aggregate under another spelling.
  EXPECT_TRUE(Ok(R"({"aggregates": ["count"], "order_by": "count"})").order_by.descending);
  EXPECT_FALSE(Ok(R"({"aggregates": ["count"], "order_by": "count asc"})").order_by.descending);
  EXPECT_FALSE(Ok(R"({"aggregates": ["count"], "order_by": "  count   ASC "})").order_by.descending);
  EXPECT_TRUE(Ok(R"({"aggregates": ["count"], "order_by": "count DESC"})").order_by.descending);
  QuerySpec q = Ok(R"J({"aggregates": ["count", "quantile(0.95, duration_ms)"], "order_by": "p95(duration_ms) asc"})J");
  EXPECT_EQ(q.order_by.aggregate, 1u);
  EXPECT_FALSE(q.order_by.descending);
  QuerySpec q2 = Ok(R"J({"aggregates": ["p99.9(duration_ms)"], "order_by": "quantile(0.999, duration_ms)"})J");
  EXPECT_EQ(q2.order_by.aggregate, 0u);
  // order_by before aggregates in the document; the default aggregate count.
  EXPECT_EQ(Ok(R"J({"order_by": "error_rate", "aggregates": ["errors", "error_rate"]})J").order_by.aggregate, 1u);
  EXPECT_TRUE(Ok(R"({"order_by": "count asc"})").order_by.enabled);
  // null means none.
  EXPECT_FALSE(Ok(R"({"order_by": null})").order_by.enabled);
  // Step absent or null is fine.
  EXPECT_TRUE(Ok(R"({"order_by": "count", "step": null})").order_by.enabled);
}

TEST(SpecTest, RejectsBadOrderBy) {
  EXPECT_THAT(Err(R"J({"aggregates": ["count"], "order_by": "max(duration_ms) desc"})J"),
              AllOf(HasSubstr("order_by: 'max(duration_ms)' is not one of the query's aggregates (count)"),
                    HasSubstr("add it to \"aggregates\"")));
  EXPECT_THAT(Err(R"({"order_by": "errors"})"), HasSubstr("not one of the query's aggregates"));
  EXPECT_THAT(Err(R"J({"aggregates": ["count"], "order_by": "count", "step": "1m"})J"),
              AllOf(HasSubstr("order_by"), HasSubstr("leave out \"step\"")));
  EXPECT_THAT(Err(R"J({"step": 60000, "order_by": "count"})J"), HasSubstr("leave out \"step\""));
  EXPECT_THAT(Err(R"({"order_by": 3})"), HasSubstr("order_by must be a string"));
  EXPECT_THAT(Err(R"({"order_by": ["count"]})"), HasSubstr("order_by must be a string"));
  EXPECT_THAT(Err(R"({"order_by": ""})"), HasSubstr("expected an aggregate, then asc or desc"));
  EXPECT_THAT(Err(R"({"order_by": "desc"})"), HasSubstr("order_by: aggregate 'desc'"));
  EXPECT_THAT(Err(R"({"order_by": "count sideways"})"), HasSubstr("order_by: aggregate 'count sideways'"));
  EXPECT_THAT(Err(R"J({"order_by": "avg(nope) desc"})J"), HasSubstr("unknown field 'nope'"));
  EXPECT_THAT(Err(R"({"orderby": "count"})"), HasSubstr("order_by, limit"));
}

TEST(SpecTest, Limit) {
  EXPECT_EQ(Ok(R"({"limit": 5})").limit, 5u);
  EXPECT_EQ(Ok(R"({"limit": 1})").limit, 1u);
  EXPECT_EQ(Ok(R"({"limit": 1000000})").limit, 1000000u);
  EXPECT_THAT(Err(R"({"limit": 0})"), HasSubstr("limit must be between 1 and 1000000"));
  EXPECT_THAT(Err(R"({"limit": -3})"), HasSubstr("limit must be between 1 and 1000000"));
  EXPECT_THAT(Err(R"({"limit": 1000001})"), HasSubstr("limit must be between 1 and 1000000"));
  EXPECT_THAT(Err(R"({"limit": "5"})"), HasSubstr("limit must be a number"));
}

TEST(SpecTest, RejectsBadDocuments) {
  EXPECT_THAT(Err(R"({"form": "-1h"})"),
              AllOf(HasSubstr("unknown query key 'form'"), HasSubstr("from, to, filters, group_by")));
  EXPECT_THAT(Err("[]"), HasSubstr("query must be a JSON object"));
  EXPECT_THAT(Err("\"count\""), HasSubstr("query must be a JSON object"));
  EXPECT_THAT(Err("{"), HasSubstr("query is not valid JSON"));
  EXPECT_THAT(Err(""), HasSubstr("query is not valid JSON"));
  EXPECT_THAT(Err(R"({"from": "-1h",})"), HasSubstr("query is not valid JSON"));
}

TEST(SpecTest, LabelsAndFields) {
  std::vector<std::string_view> names = AllLabelNames();
  ASSERT_EQ(names.size(), 2u + event::kNumStrFields);
  EXPECT_EQ(names[0], "kind");
  EXPECT_EQ(names[1], "status");
  for (auto n : names) {
    auto l = ParseLabel(n);
    ASSERT_TRUE(l.ok()) << n;
    EXPECT_EQ(l->Name(), n);
  }
  EXPECT_FALSE(ParseLabel("Agent").ok());
  EXPECT_FALSE(ParseLabel("").ok());
  EXPECT_FALSE(ParseLabel("duration_ms").ok());
  // Every numeric field round-trips through its name.
  std::vector<std::string_view> fields = {"duration_ms"};
  for (const auto& f : event::kIntFields) fields.push_back(f.name);
  for (const auto& f : event::kFloatFields) fields.push_back(f.name);
  for (auto n : fields) {
    auto f = ParseField(n);
    ASSERT_TRUE(f.ok()) << n;
    EXPECT_EQ(f->Name(), n);
  }
  EXPECT_EQ(ParseField("tokens.cache_write")->type, Field::kInt);
  EXPECT_EQ(ParseField("tokens.cache_write")->index, 4);
  EXPECT_EQ(ParseField("cpu_s")->type, Field::kFloat);
  EXPECT_EQ(ParseField("cpu_s")->index, 2);
  EXPECT_FALSE(ParseField("tokens").ok());
  EXPECT_FALSE(ParseField("agent").ok());
  // Label equality ignores `str` unless the label is a string label.
  Label a = *ParseLabel("agent"), t = *ParseLabel("tool"), k = *ParseLabel("kind");
  EXPECT_FALSE(a == t);
  EXPECT_TRUE(a == *ParseLabel("agent"));
  Label k2 = k;
  k2.str = event::StrField::kModel;
  EXPECT_TRUE(k == k2);
}

}  // namespace
}  // namespace agentperf::query
