#include "core/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace agentperf::log {
namespace {

// Restores the process-wide level after each test.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = GetLevel(); }
  void TearDown() override { SetLevel(saved_); }
  Level saved_ = Level::kInfo;
};

TEST_F(LogTest, ParseLevelAcceptsDocumentedNames) {
  Level l = Level::kOff;
  ASSERT_TRUE(ParseLevel("debug", &l));
  EXPECT_EQ(l, Level::kDebug);
  ASSERT_TRUE(ParseLevel("info", &l));
  EXPECT_EQ(l, Level::kInfo);
  ASSERT_TRUE(ParseLevel("warn", &l));
  EXPECT_EQ(l, Level::kWarn);
  ASSERT_TRUE(ParseLevel("warning", &l));
  EXPECT_EQ(l, Level::kWarn);
  ASSERT_TRUE(ParseLevel("error", &l));
  EXPECT_EQ(l, Level::kError);
  ASSERT_TRUE(ParseLevel("off", &l));
  EXPECT_EQ(l, Level::kOff);
}

TEST_F(LogTest, ParseLevelRejectsUnknownAndLeavesOutput) {
  Level l = Level::kWarn;
  EXPECT_FALSE(ParseLevel("", &l));
  EXPECT_FALSE(ParseLevel("verbose", &l));
  EXPECT_FALSE(ParseLevel("DEBUG", &l));
  EXPECT_FALSE(ParseLevel("info ", &l));
  EXPECT_EQ(l, Level::kWarn);
}

TEST_F(LogTest, SetLevelIsObservable) {
  SetLevel(Level::kError);
  EXPECT_EQ(GetLevel(), Level::kError);
  SetLevel(Level::kDebug);
  EXPECT_EQ(GetLevel(), Level::kDebug);
}

TEST_F(LogTest, WriteProducesOneTimestampedLine) {
  ::testing::internal::CaptureStderr();
  Write(Level::kWarn, "wal", "disk is slow");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, ::testing::MatchesRegex(
                       "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z WARN wal: disk is slow\n"));
}

TEST_F(LogTest, LevelFiltersMessagesAndFormatsArguments) {
  SetLevel(Level::kWarn);
  ::testing::internal::CaptureStderr();
  Debug("m", "debug {}", 1);
  Info("m", "info {}", 2);
  Warn("m", "warn {} {}", 3, "x");
  Error("m", "error {}", 4);
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("debug"), std::string::npos);
  EXPECT_EQ(out.find("info"), std::string::npos);
  EXPECT_NE(out.find(" WARN m: warn 3 x\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" ERROR m: error 4\n"), std::string::npos) << out;

  SetLevel(Level::kOff);
  ::testing::internal::CaptureStderr();
  Error("m", "silenced");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace agentperf::log
