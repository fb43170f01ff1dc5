#include "analysis/correlate/correlate.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "testing/events.h"
#include "testing/json_doc.h"
#include "testing/store_pair.h"
#include "testing/temp_dir.h"

namespace agentperf::analysis {
namespace {

using testing::EventJson;
using testing::kBaseMs;

constexpr int64_t kDayMs = 86400000;
constexpr double kStepMsPer1kTokens = 50;   // coder steps: planted slope
constexpr double kTtfcMsPer1kTokens = 10;   // tester TTFC
constexpr double kToolMsPer1kChars = 3;     // coder `read`
constexpr double kTurnMsPerStep = 1000;     // coder turns

// The window's data (all fixed-seed noise):
// - coder steps on m-big (200): duration = 200 + 50 ms per 1k input tokens + [0, 100) ms;
//   cache_read always 0 (constant: not testable).
// - tester steps on m-small (200): duration independent of the input tokens;
//   TTFC = 100 + 10 ms per 1k input tokens + [0, 20) ms.
// - planner steps (10): too few to test.
// - coder `read` calls (100): duration = 10 + 3 ms per 1k output_chars + [0, 20) ms.
// - coder `bash` calls (40): duration = 100 + permission_wait_ms + [0, 30) ms; no output_chars.
// - coder turns (60): duration = 1000 ms per step + [0, 500) ms.
std::vector<std::string> Events() {
  std::mt19937_64 rng(42);
  auto noise = [&](int range) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(range)); };
  std::vector<std::string> lines;
  int64_t t = kBaseMs;
  auto next = [&]() { return t += 1000; };
  for (int i = 0; i < 200; ++i) {
    const int64_t input = 1000 + (i * 37 % 200) * 100;
    const int64_t dur = 200 + static_cast<int64_t>(kStepMsPer1kTokens * input / 1000.0) + noise(100);
    lines.push_back(EventJson()
                        .Set("span_id", fmt::format("c{}", i))
                        .Set("model", "m-big")
                        .Set("start_ms", next())
                        .Set("duration_ms", dur)
                        .Raw("tokens", fmt::format(R"({{"input":{},"cache_read":0}})", input))
                        .Str());
  }
  for (int i = 0; i < 200; ++i) {
    const int64_t input = 500 + (i * 53 % 200) * 100;
    const double ttfc = 100 + kTtfcMsPer1kTokens * input / 1000.0 + static_cast<double>(noise(20));
    lines.push_back(EventJson()
                        .Set("span_id", fmt::format("t{}", i))
                        .Set("agent", "tester")
                        .Set("model", "m-small")
                        .Set("start_ms", next())
                        .Set("duration_ms", 100 + noise(3000))
                        .Set("ttfc_ms", ttfc)
                        .Raw("tokens", fmt::format(R"({{"input":{}}})", input))
                        .Str());
  }
  for (int i = 0; i < 10; ++i) {
    lines.push_back(EventJson()
                        .Set("span_id", fmt::format("p{}", i))
                        .Set("agent", "planner")
                        .Set("model", "m-big")
                        .Set("start_ms", next())
                        .Set("duration_ms", 100 + 10 * i)
                        .Raw("tokens", fmt::format(R"({{"input":{}}})", 1000 * i))
                        .Str());
  }
  for (int i = 0; i < 100; ++i) {
    const int64_t chars = 500 + (i * 7919 % 100) * 1000;
    const int64_t dur = 10 + static_cast<int64_t>(kToolMsPer1kChars * chars / 1000.0) + noise(20);
    lines.push_back(testing::SpanEvent("tool_call", "s1", fmt::format("r{}", i), next() - kBaseMs, dur)
                        .Set("agent", "coder")
                        .Set("tool", "read")
                        .Raw("attrs", fmt::format(R"({{"output_chars":{}}})", chars))
                        .Str());
  }
  for (int i = 0; i < 40; ++i) {
    const int64_t wait = 10 * ((i * 13) % 40);
    lines.push_back(testing::SpanEvent("tool_call", "s1", fmt::format("b{}", i), next() - kBaseMs,
                                       100 + wait + noise(30))
                        .Set("agent", "coder")
                        .Set("tool", "bash")
                        .Raw("attrs", fmt::format(R"({{"permission_wait_ms":{}}})", wait))
                        .Str());
  }
  for (int i = 0; i < 60; ++i) {
    const int steps = 1 + (i * 7) % 20;
    lines.push_back(testing::SpanEvent("turn", "s1", fmt::format("u{}", i), next() - kBaseMs,
                                       static_cast<int64_t>(kTurnMsPerStep) * steps + noise(500))
                        .Set("agent", "coder")
                        .Raw("attrs", fmt::format(R"({{"steps":{}}})", steps))
                        .Str());
  }
  return lines;
}

const CorrelationFinding* Find(const CorrelationReport& r, std::string_view kind, std::string_view agent,
                               std::string_view x, std::string_view y, std::string_view tool = "") {
  for (const auto& f : r.significant) {
    if (f.kind == kind && f.agent == agent && f.x == x && f.y == y && f.tool == tool) return &f;
  }
  return nullptr;
}

std::string Json(const CorrelationReport& r) {
  JsonWriter w;
  WriteCorrelationsJson(r, &w);
  return w.Take();
}

class CorrelateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->Append(testing::Decode(testing::Ndjson(Events()))).ok());
  }
  static CorrelationSpec Window() {
    CorrelationSpec s;
    s.from_us = kBaseMs * 1000;
    s.to_us = (kBaseMs + kDayMs) * 1000;
    return s;
  }
  CorrelationReport Run(const CorrelationSpec& spec) {
    auto r = FindCorrelations(store_.get(), spec);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : CorrelationReport{};
  }

  testing::TempDir dir_;
  std::unique_ptr<store::EmbeddedStore> store_;
};

TEST_F(CorrelateTest, FindsPlantedCorrelationsAndOnlyThose) {
  for (bool flushed : {false, true}) {
    SCOPED_TRACE(flushed ? "segments" : "head");
    if (flushed) {
      ASSERT_TRUE(store_->Flush().ok());
    }
    const CorrelationReport r = Run(Window());
    EXPECT_EQ(r.block_stride, 1u);
    EXPECT_EQ(r.spans_read, 610u);

    // (1) coder's steps: duration grows with the input tokens.
    const CorrelationFinding* step = Find(r, "llm_call", "coder", "tokens.input", "duration_ms");
    ASSERT_NE(step, nullptr);
    EXPECT_EQ(step->model, "m-big");
    EXPECT_EQ(step->n, 200u);
    EXPECT_GT(step->rho, 0.8);
    EXPECT_LT(step->q_value, 0.01);
    EXPECT_GE(step->q_value, step->p_value);
    EXPECT_EQ(step->strength, "strong");
    EXPECT_EQ(step->slope_unit, "ms per 1k tokens");
    EXPECT_NEAR(step->slope, kStepMsPer1kTokens, 0.15 * kStepMsPer1kTokens);

    // (2) tester's step durations are independent of its input: not reported,
    // but tested; its TTFC does follow the input.
    EXPECT_EQ(Find(r, "llm_call", "tester", "tokens.input", "duration_ms"), nullptr);
    const CorrelationFinding* ttfc = Find(r, "llm_call", "tester", "tokens.input", "ttfc_ms");
    ASSERT_NE(ttfc, nullptr);
    EXPECT_EQ(ttfc->model, "m-small");
    EXPECT_NEAR(ttfc->slope, kTtfcMsPer1kTokens, 0.15 * kTtfcMsPer1kTokens);

    // (4) tools and turns.
    const CorrelationFinding* read = Find(r, "tool_call", "coder", "output_chars", "duration_ms", "read");
    ASSERT_NE(read, nullptr);
    EXPECT_EQ(read->n, 100u);
    EXPECT_GT(read->rho, 0.8);
    EXPECT_EQ(read->slope_unit, "ms per 1k chars");
    EXPECT_NEAR(read->slope, kToolMsPer1kChars, 0.15 * kToolMsPer1kChars);
    const CorrelationFinding* bash = Find(r, "tool_call", "coder", "permission_wait_ms", "duration_ms", "bash");
    ASSERT_NE(bash, nullptr);
    EXPECT_EQ(bash->n, 40u);
    EXPECT_EQ(bash->slope_unit, "ms per ms");
    EXPECT_NEAR(bash->slope, 1.0, 0.15);
    // bash calls carry no output_chars: no such pair at all.
    EXPECT_EQ(Find(r, "tool_call", "coder", "output_chars", "duration_ms", "bash"), nullptr);
    const CorrelationFinding* turn = Find(r, "turn", "coder", "steps", "duration_ms");
    ASSERT_NE(turn, nullptr);
    EXPECT_EQ(turn->n, 60u);
    EXPECT_GT(turn->rho, 0.8);
    EXPECT_EQ(turn->slope_unit, "ms per step");
    EXPECT_NEAR(turn->slope, kTurnMsPerStep, 0.15 * kTurnMsPerStep);
    EXPECT_TRUE(turn->model.empty());

    // Counts: tested = coder input, tester input, tester TTFC, read chars, bash
    // wait, turn steps; (3) planner's 10 steps are too few; coder's cache_read
    // is constant.
    EXPECT_EQ(r.significant.size(), 5u);
    EXPECT_EQ(r.tested, 6u);
    EXPECT_EQ(r.not_significant, 1u);
    EXPECT_EQ(r.too_few, 1u);
    EXPECT_EQ(r.constant, 1u);
    for (const auto& f : r.significant) EXPECT_NE(f.agent, "planner");

    // Sorted by |rho| descending.
    for (size_t i = 1; i < r.significant.size(); ++i) {
      EXPECT_GE(std::fabs(r.significant[i - 1].rho), std::fabs(r.significant[i].rho));
    }
  }
}

TEST_F(CorrelateTest, TooFewWithAHigherMinimum) {
  CorrelationSpec spec = Window();
  spec.min_n = 150;  // only the 200-step groups remain testable
  const CorrelationReport r = Run(spec);
  EXPECT_EQ(r.tested, 3u);     // coder input, tester input, tester TTFC
  EXPECT_EQ(r.too_few, 4u);    // planner, read, bash, turns
  EXPECT_EQ(r.constant, 1u);   // coder cache_read
  EXPECT_EQ(r.significant.size(), 2u);
}

TEST_F(CorrelateTest, JsonShapeAndDeterminism) {
  CorrelationSpec spec = Window();
  spec.per_group_cap = 50;  // reservoir sampling in the 60..200 point groups
  const std::string a = Json(Run(spec));
  const std::string b = Json(Run(spec));
  EXPECT_EQ(a, b);
  testing::JsonDoc d(a);
  ASSERT_TRUE(d.ok()) << a;
  EXPECT_EQ(d.Num("/alpha"), 0.01);
  EXPECT_EQ(d.Num("/min_effect"), 0.3);
  EXPECT_EQ(d.Str("/method"), "Spearman rank correlation, Benjamini-Hochberg q-values");
  ASSERT_GE(d.Len("/findings"), 1u);
  ASSERT_NE(d.Len("/findings"), SIZE_MAX);
  for (size_t i = 0; i < d.Len("/findings"); ++i) {
    const std::string p = fmt::format("/findings/{}", i);
    const auto kind = d.Str(p + "/kind");
    ASSERT_TRUE(kind.has_value());
    EXPECT_LE(d.Num(p + "/n").value_or(1e9), 50) << a;  // capped
    EXPECT_TRUE(d.Num(p + "/rho") && d.Num(p + "/p_value") && d.Num(p + "/q_value") && d.Num(p + "/slope"));
    EXPECT_TRUE(d.Str(p + "/strength") && d.Str(p + "/slope_unit") && d.Str(p + "/x") && d.Str(p + "/y"));
    EXPECT_EQ(d.Str(p + "/model").has_value(), *kind == "llm_call");
    EXPECT_EQ(d.Str(p + "/tool").has_value(), *kind == "tool_call");
  }
  EXPECT_TRUE(d.Num("/tested") && d.Num("/not_significant") && d.Num("/too_few"));
  EXPECT_EQ(d.Num("/source/block_stride"), 1);
  EXPECT_EQ(d.Num("/source/spans_read"), 610);
}

TEST_F(CorrelateTest, LabelFilterKeepsOnlyThatAgent) {
  CorrelationSpec spec = Window();
  query::Matcher m;
  m.op = query::Matcher::kEq;
  m.label.type = query::Label::kStr;
  m.label.str = event::StrField::kAgent;
  m.values = {"coder"};
  spec.filters.push_back(m);
  const CorrelationReport r = Run(spec);
  ASSERT_EQ(r.significant.size(), 4u);  // steps input, read chars, bash wait, turn steps
  for (const auto& f : r.significant) EXPECT_EQ(f.agent, "coder");
  EXPECT_EQ(r.tested, 4u);
  EXPECT_EQ(r.too_few, 0u);
  EXPECT_EQ(r.spans_read, 610u);  // read by the scan, before the filter
}

TEST_F(CorrelateTest, RejectsBadParameters) {
  CorrelationSpec spec = Window();
  spec.to_us = spec.from_us;
  EXPECT_EQ(FindCorrelations(store_.get(), spec).status().code(), StatusCode::kInvalidArgument);
  spec = Window();
  spec.alpha = 0;
  EXPECT_EQ(FindCorrelations(store_.get(), spec).status().code(), StatusCode::kInvalidArgument);
  spec = Window();
  spec.min_n = 2;
  EXPECT_EQ(FindCorrelations(store_.get(), spec).status().code(), StatusCode::kInvalidArgument);
  spec = Window();
  spec.per_group_cap = 10;
  EXPECT_EQ(FindCorrelations(store_.get(), spec).status().code(), StatusCode::kInvalidArgument);
}

TEST(Correlate, EmptyWindowHasNothingToTest) {
  testing::TempDir dir;
  auto store = testing::OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  CorrelationSpec spec;
  spec.from_us = kBaseMs * 1000;
  spec.to_us = (kBaseMs + kDayMs) * 1000;
  auto r = FindCorrelations(store.get(), spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->significant.empty());
  EXPECT_EQ(r->tested, 0u);
  EXPECT_EQ(r->spans_read, 0u);
}

// (6) Sampling: 2 flushed segments of 20,000 coder steps (more than one
// 16,384-row block each); with max_points 10,000 only every 4th block of a
// segment is read, and the planted correlation is still found.
TEST(Correlate, SamplesBlocksOfLargeWindows) {
  testing::TempDir dir;
  auto store = testing::OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  std::mt19937_64 rng(7);
  constexpr int kPerSegment = 20000;
  for (int seg = 0; seg < 2; ++seg) {
    std::vector<std::string> lines;
    lines.reserve(kPerSegment);
    for (int i = 0; i < kPerSegment; ++i) {
      const int k = seg * kPerSegment + i;
      const int64_t input = 1000 + static_cast<int64_t>(rng() % 20000);
      const int64_t dur = 200 + static_cast<int64_t>(kStepMsPer1kTokens * input / 1000.0) +
                          static_cast<int64_t>(rng() % 100);
      lines.push_back(EventJson()
                          .Set("span_id", fmt::format("x{}", k))
                          .Set("model", "m-big")
                          .Set("start_ms", kBaseMs + k * 100)
                          .Set("duration_ms", dur)
                          .Raw("tokens", fmt::format(R"({{"input":{}}})", input))
                          .Str());
    }
    ASSERT_TRUE(store->Append(testing::Decode(testing::Ndjson(lines))).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  CorrelationSpec spec;
  spec.from_us = kBaseMs * 1000;
  spec.to_us = (kBaseMs + kDayMs) * 1000;
  spec.max_points = 10000;
  auto r = FindCorrelations(store.get(), spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->block_stride, 4u);
  EXPECT_GT(r->spans_read, 0u);
  EXPECT_LT(r->spans_read, 2u * kPerSegment);
  const CorrelationFinding* step = Find(*r, "llm_call", "coder", "tokens.input", "duration_ms");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->n, spec.per_group_cap);
  EXPECT_GT(step->rho, 0.8);
  EXPECT_NEAR(step->slope, kStepMsPer1kTokens, 0.15 * kStepMsPer1kTokens);
  testing::JsonDoc d(Json(*r));
  EXPECT_EQ(d.Num("/source/block_stride"), 4);

  // Without the bound every span is read.
  spec.max_points = 1000000;
  auto all = FindCorrelations(store.get(), spec);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->block_stride, 1u);
  EXPECT_EQ(all->spans_read, 2u * kPerSegment);
}

}  // namespace
}  // namespace agentperf::analysis
