#include "sim/pacing.h"

#include <gtest/gtest.h>

namespace agentperf::sim {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x;
  return s;
}

TEST(PacingTest, SplitWordsKeepsEveryByte) {
  for (const char* t : {"", "one", "  lead and trail  ", "Plan complete: tests pass,\n bug fixed.", "a\tb"}) {
    auto w = SplitWords(t);
    EXPECT_EQ(Join(w), t);
    for (const auto& x : w) EXPECT_FALSE(x.empty());
  }
  EXPECT_EQ(SplitWords("Done. Now").size(), 2u);
  EXPECT_EQ(SplitWords("  x y").size(), 2u);
}

TEST(PacingTest, SplitBytesNeverCutsAUtf8Sequence) {
  const std::string s = "{\"p\":\"h\xC3\xA9llo \xE2\x82\xAC\xE2\x82\xAC w\xF0\x9F\x98\x80rld\"}";
  for (size_t n : {1, 2, 3, 4, 7}) {
    auto parts = SplitBytes(s, n);
    EXPECT_EQ(Join(parts), s);
    for (const auto& p : parts) {
      ASSERT_FALSE(p.empty());
      EXPECT_NE(static_cast<unsigned char>(p[0]) & 0xC0, 0x80) << "piece starts inside a sequence";
    }
  }
}

ResponsePlan Plan(std::string text, std::vector<PlannedToolCall> tools, int64_t tokens, double ttfc, double tps) {
  ResponsePlan p;
  p.text = std::move(text);
  p.tool_calls = std::move(tools);
  p.usage.completion_tokens = tokens;
  p.ttfc_ms = ttfc;
  p.tokens_per_s = tps;
  p.finish_reason = p.tool_calls.empty() ? "stop" : "tool_calls";
  return p;
}

TEST(PacingTest, FirstTheRoleAtTtfcThenUnitsOverTheGenerationTime) {
  ResponsePlan p = Plan("one two three four", {}, 4, 100, 40);  // 4 tokens at 40/s: 100 ms
  auto e = Pace(p, 5);
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].at_ms, 100);
  ASSERT_EQ(e[0].pieces.size(), 1u);
  EXPECT_EQ(e[0].pieces[0].kind, Piece::Kind::kRole);
  for (size_t i = 1; i < e.size(); ++i) EXPECT_DOUBLE_EQ(e[i].at_ms, 100 + 25.0 * static_cast<double>(i));
  EXPECT_TRUE(e.back().last);
  for (size_t i = 0; i + 1 < e.size(); ++i) EXPECT_FALSE(e[i].last);
}

TEST(PacingTest, FastOutputIsGroupedAtLeastTheGapApart) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "w ";
  ResponsePlan p = Plan(text, {}, 200, 50, 2000);  // 100 ms of output
  auto e = Pace(p, 5);
  ASSERT_GE(e.size(), 2u);
  for (size_t i = 1; i < e.size(); ++i) EXPECT_GE(e[i].at_ms - e[i - 1].at_ms, 5 - 1e-9);
  EXPECT_LE(e.size(), 1u + 21u);  // 100 ms / 5 ms, plus the first
  EXPECT_NEAR(e.back().at_ms, 150, 5);
  std::string got;
  for (const auto& em : e) {
    for (const auto& pc : em.pieces) {
      if (pc.kind == Piece::Kind::kText) got += pc.data;
    }
  }
  EXPECT_EQ(got, text);
}

TEST(PacingTest, ToolCallsStartBeforeTheirArgumentsInOrder) {
  ResponsePlan p = Plan("Looking.", {{"call_1", "bash", R"({"command":"ls"})"}, {"call_2", "read", "{}"}}, 8, 10, 100);
  auto e = Pace(p, 5);
  std::vector<Piece> all;
  for (const auto& em : e) all.insert(all.end(), em.pieces.begin(), em.pieces.end());
  ASSERT_GE(all.size(), 5u);
  EXPECT_EQ(all[0].kind, Piece::Kind::kRole);
  EXPECT_EQ(all[1].kind, Piece::Kind::kText);
  int started = -1;
  std::string args[2];
  for (const auto& pc : all) {
    if (pc.kind == Piece::Kind::kToolStart) {
      EXPECT_EQ(pc.tool, started + 1);
      started = pc.tool;
    } else if (pc.kind == Piece::Kind::kToolArgs) {
      EXPECT_EQ(pc.tool, started) << "arguments before their call started";
      args[pc.tool] += pc.data;
    }
  }
  EXPECT_EQ(started, 1);
  EXPECT_EQ(args[0], R"({"command":"ls"})");
  EXPECT_EQ(args[1], "{}");
}

TEST(PacingTest, AnEmptyAnswerStillHasAFirstAndLastEmission) {
  auto e = Pace(Plan("", {}, 0, 30, 100), 5);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].at_ms, 30);
  EXPECT_TRUE(e[0].last);
  // With tokens but no text, the end waits for the generation time.
  auto f = Pace(Plan("", {}, 10, 30, 100), 5);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_DOUBLE_EQ(f[1].at_ms, 130);
  EXPECT_TRUE(f[1].last);
}

}  // namespace
}  // namespace agentperf::sim
