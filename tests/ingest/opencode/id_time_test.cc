#include "ingest/opencode/id_time.h"

#include <gtest/gtest.h>

#include "fixture.h"
#include "testing/temp_dir.h"

namespace agentperf::ingest::opencode {
namespace {

// Ids and the times OpenCode stored with them (../shared/opencode/samples).
struct Sample {
  const char* id;
  int64_t ms;
};
constexpr Sample kSamples[] = {
    {"ses_df49e020effecLILN3pdUuiMZ1", 1795487301105},  // session.time_created (db-samples.txt)
    {"ses_df49d0f47ffevaa69B0RPJ64eR", 1795487363256},  // session.time_created
    {"ses_df49dec43ffen3TNFZ3yz1ytnw", 1795487306684},  // child session
    {"msg_20b620446001n1k6RqcT0klnbx", 1795487302726},  // assistant time.created
    {"msg_20b61ff13001anWGnUQbOpYAne", 1795487301395},  // user time.created
    {"evt_20b639560001", 1795487405408},                // part event "time" (sse-perm2.txt)
    {"per_20b6373a90017wDac7ROaGgJfO", 1795487396777},  // inside the tool's running window (sse-perm.txt)
};

TEST(IdTime, DecodesSampleIdsExactly) {
  for (const auto& s : kSamples) {
    int64_t ms = 0;
    // Any reference within a year gives the same answer.
    for (int64_t ref : {s.ms, s.ms - int64_t{300} * 86400000, s.ms + int64_t{300} * 86400000}) {
      ASSERT_TRUE(DecodeIdTime(s.id, ref, &ms)) << s.id;
      EXPECT_EQ(ms, s.ms) << s.id << " ref " << ref;
    }
  }
}

TEST(IdTime, PicksThePeriodNearestTheReference) {
  // The encoding keeps ms mod 2^36 (~795 days): a reference one period later
  // gives the value one period later.
  constexpr int64_t kPeriod = int64_t{1} << 36;
  int64_t ms = 0;
  ASSERT_TRUE(DecodeIdTime("msg_20b620446001n1k6RqcT0klnbx", 1795487302726 + kPeriod, &ms));
  EXPECT_EQ(ms, 1795487302726 + kPeriod);
  ASSERT_TRUE(DecodeIdTime("msg_20b620446001n1k6RqcT0klnbx", 0, &ms));
  EXPECT_EQ(ms % kPeriod, 1795487302726 % kPeriod);
  EXPECT_LT(ms, kPeriod);
}

TEST(IdTime, RefusesMalformedIds) {
  int64_t ms = 0;
  EXPECT_FALSE(DecodeIdTime("", 0, &ms));
  EXPECT_FALSE(DecodeIdTime("msg20b620446001", 0, &ms));       // no '_'
  EXPECT_FALSE(DecodeIdTime("msg_20b62044", 0, &ms));          // too short
  EXPECT_FALSE(DecodeIdTime("msg_20b62044600z1abc", 0, &ms));  // not hex
  EXPECT_TRUE(IsDescendingId("ses_df49e020effecLILN3pdUuiMZ1"));
  EXPECT_FALSE(IsDescendingId("msg_20b620446001n1k6RqcT0klnbx"));
}

TEST(IdTime, EveryFixtureMessageIdMatchesItsCreationTime) {
  // The real messages of the fixture (export-sample.json, session-messages.json).
  agentperf::testing::TempDir dir;
  const std::string db = dir.Sub("opencode.db");
  testing::MakeFixtureDb(db);
  auto rows = testing::QuerySql(db, "SELECT id, json_extract(data,'$.time.created') FROM message");
  ASSERT_GE(rows.size(), 9u);
  for (const auto& r : rows) {
    int64_t created = std::stoll(r[1]), ms = 0;
    ASSERT_TRUE(DecodeIdTime(r[0], created, &ms)) << r[0];
    EXPECT_LE(std::abs(ms - created), 1) << r[0];
  }
}

}  // namespace
}  // namespace agentperf::ingest::opencode
