#include "analysis/cost/price_table.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace agentperf::analysis {
namespace {

TEST(PriceTable, MatchesDatedAndRoutedModelIds) {
  PriceTable t = PriceTable::Bundled();
  const ModelPrice* p = t.Find("anthropic", "claude-sonnet-4-20250514");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->model, "claude-sonnet-4");
  // The longest entry wins: claude-sonnet-4-5 is not claude-sonnet-4.
  EXPECT_EQ(t.Find("anthropic", "claude-sonnet-4-5-20250929")->model, "claude-sonnet-4-5");
  // A router's vendor prefix and provider id.
  ASSERT_NE(t.Find("openrouter", "anthropic/claude-opus-4"), nullptr);
  EXPECT_EQ(t.Find("openrouter", "anthropic/claude-opus-4")->input, 15.0);
  EXPECT_EQ(t.Find("openai", "gpt-4o-mini")->model, "gpt-4o-mini");
  EXPECT_EQ(t.Find("openai", "gpt-4o")->model, "gpt-4o");
  EXPECT_EQ(t.Find("sim", "sim-large"), nullptr);
  EXPECT_EQ(t.Find("anthropic", "claude-sonnet-40"), nullptr);  // not a '-' boundary
}

TEST(PriceTable, EstimateBillsReasoningAsOutput) {
  PriceTable t;
  ASSERT_TRUE(t.AddJson(R"({"models":[{"model":"m","input":1,"output":10,"cache_read":0.1,"cache_write":2}]})").ok());
  TokenCounts c{1e6, 1e6, 1e6, 1e6, 1e6};
  EXPECT_DOUBLE_EQ(*t.Estimate("any", "m", c), 1 + 10 + 10 + 0.1 + 2);
  EXPECT_FALSE(t.Estimate("any", "other", c).has_value());
}

TEST(PriceTable, UserFileOverridesBundledEntries) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/prices.json";
  std::ofstream(path) << R"({"models":[{"provider":"anthropic","model":"claude-sonnet-4","input":1,"output":2}]})";
  auto t = PriceTable::WithUserFile(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->Find("anthropic", "claude-sonnet-4-20250514")->input, 1.0);
  EXPECT_EQ(t->Find("openai", "gpt-4.1")->input, 2.0);  // bundled still there
  // A missing file is the bundled table; a bad one is an error naming the file.
  EXPECT_TRUE(PriceTable::WithUserFile(dir.path() + "/none.json").ok());
  std::ofstream(path) << R"({"models":[{"input":1}]})";
  auto bad = PriceTable::WithUserFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("prices.json"), std::string::npos);
  EXPECT_FALSE(PriceTable().AddJson(R"({"models":[{"model":"x","input":-1}]})").ok());
  EXPECT_FALSE(PriceTable().AddJson("[1]").ok());
}

}  // namespace
}  // namespace agentperf::analysis
