#include "ingest/opencode/import_cursor.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace agentperf::ingest::opencode {
namespace {

TEST(ImportCursor, RoundTripsThroughItsFile) {
  agentperf::testing::TempDir dir;
  ImportCursor c;
  c.source = "db";
  c.path = "/home/u/.local/share/opencode/opencode.db";
  c.inode = 1234567;
  c.max_time_updated = 1795487571300;
  c.unsettled = {"ses_a", "ses_\"quoted\""};
  const std::string path = CursorPathForData(dir.path(), c.path);
  EXPECT_EQ(path.rfind(dir.path() + "/import/opencode-", 0), 0u);
  ASSERT_TRUE(SaveCursor(path, c).ok());  // creates import/
  auto back = LoadCursor(path);
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((*back)->source, c.source);
  EXPECT_EQ((*back)->path, c.path);
  EXPECT_EQ((*back)->inode, c.inode);
  EXPECT_EQ((*back)->max_time_updated, c.max_time_updated);
  EXPECT_EQ((*back)->unsettled, c.unsettled);
}

TEST(ImportCursor, MissingIsEmptyAndGarbageIsCorruption) {
  agentperf::testing::TempDir dir;
  auto none = LoadCursor(dir.Sub("nothing.json"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  std::ofstream(dir.Sub("bad.json")) << "{\"version\":";
  EXPECT_EQ(LoadCursor(dir.Sub("bad.json")).status().code(), StatusCode::kCorruption);
  std::ofstream(dir.Sub("v9.json")) << "{\"version\":9}";
  EXPECT_EQ(LoadCursor(dir.Sub("v9.json")).status().code(), StatusCode::kCorruption);
}

TEST(ImportCursor, KeysSeparateDatabasesAndServers) {
  EXPECT_NE(CursorPathForData("/d", "/a.db"), CursorPathForData("/d", "/b.db"));
  EXPECT_EQ(CursorPathForData("/d", "/a.db"), CursorPathForData("/d", "/a.db"));
  EXPECT_NE(CursorPathForServer("/s", "http://h:1", "/a.db"), CursorPathForServer("/s", "http://h:2", "/a.db"));
  EXPECT_NE(CursorPathForServer("/s", "http://h:1", "/a.db"), CursorPathForServer("/s", "http://h:1", "/b.db"));
}

}  // namespace
}  // namespace agentperf::ingest::opencode
