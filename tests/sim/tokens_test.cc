#include "sim/tokens.h"

#include <gtest/gtest.h>

namespace agentperf::sim {
namespace {

TEST(TokensTest, PromptTokensRoundUp) {
  EXPECT_EQ(PromptTokens(0, 4), 0);
  EXPECT_EQ(PromptTokens(1, 4), 1);
  EXPECT_EQ(PromptTokens(8, 4), 2);
  EXPECT_EQ(PromptTokens(9, 4), 3);
  EXPECT_EQ(PromptTokens(10, 2.5), 4);
  EXPECT_EQ(PromptTokens(9820, 4), 2455);
}

TEST(TokensTest, WordsAreRunsOfNonSpace) {
  EXPECT_EQ(CountWords(""), 0);
  EXPECT_EQ(CountWords("   "), 0);
  EXPECT_EQ(CountWords("Done."), 1);
  EXPECT_EQ(CountWords("  Plan complete:\ttests\npass, bug fixed. "), 6);
}

TEST(TokensTest, CompletionTokensCountWordsAndArguments) {
  StepSpec s;
  s.text = "All tests pass.";
  EXPECT_EQ(CompletionTokens(s), 3);
  s.tools.push_back({"bash", R"({"command":"echo tests-pass"})"});  // 29 bytes -> 8
  EXPECT_EQ(CompletionTokens(s), 3 + 8);
  s.tools.push_back({"read", "{}"});  // 2 bytes -> 1
  EXPECT_EQ(CompletionTokens(s), 3 + 8 + 1);
  s.output_tokens = 40;
  EXPECT_EQ(CompletionTokens(s), 40);
  EXPECT_EQ(CompletionTokens(StepSpec{}), 1);  // never 0 unless configured
}

TEST(TokensTest, UsageTotal) {
  Usage u{100, 20, 60};
  EXPECT_EQ(u.total_tokens(), 120);
}

}  // namespace
}  // namespace agentperf::sim
