// The legacy storage/ tree (<= 1.1): a tree made from the fixture database
// (inverting json-migration.ts: every object in its own file, with its ids)
// imports to the same events as the database itself.
#include "ingest/opencode/legacy_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fixture.h"
#include "testing/json_doc.h"
#include "testing/temp_dir.h"

namespace agentperf::ingest::opencode {
namespace {

using agentperf::testing::JsonDoc;
namespace fsys = std::filesystem;

void Write(const fsys::path& p, const std::string& text) {
  fsys::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// storage/ from the db; sessions carry no totals, agent or model (as <= 1.1).
void MakeTree(const std::string& db, const fsys::path& root) {
  for (const auto& r : testing::QuerySql(
           db,
           "SELECT project_id, id, json_object('id', id, 'projectID', project_id, 'parentID', parent_id, 'title', "
           "title, 'version', version, 'time', json_object('created', time_created, 'updated', time_updated)) "
           "FROM session")) {
    Write(root / "session" / r[0] / (r[1] + ".json"), r[2]);
  }
  for (const auto& r : testing::QuerySql(
           db, "SELECT session_id, id, json_set(data, '$.id', id, '$.sessionID', session_id) FROM message")) {
    Write(root / "message" / r[0] / (r[1] + ".json"), r[2]);
  }
  for (const auto& r : testing::QuerySql(db,
                                         "SELECT message_id, id, json_set(data, '$.id', id, '$.sessionID', session_id, "
                                         "'$.messageID', message_id) FROM part")) {
    Write(root / "part" / r[0] / (r[1] + ".json"), r[2]);
  }
}

TEST(LegacyReader, TreeGivesTheSameEventsAsTheDatabase) {
  agentperf::testing::TempDir dir;
  const std::string db = dir.Sub("opencode.db");
  testing::MakeFixtureDb(db);
  const fsys::path root = dir.Sub("storage");
  MakeTree(db, root);

  testing::CaptureSink from_db, from_tree;
  ASSERT_TRUE(RunImport(testing::FixtureOptions(db), &from_db, nullptr).ok());
  ImportOptions o = testing::FixtureOptions("");
  o.storage_dir = root.string();
  auto r = RunImport(o, &from_tree, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->source, "storage");
  EXPECT_EQ(r->sessions_total, 3u);
  EXPECT_EQ(r->rows.messages, 9u);
  EXPECT_EQ(r->rows.parts, 21u);
  EXPECT_EQ(r->rows.bad, 0u);
  ASSERT_EQ(from_tree.by_span.size(), from_db.by_span.size());
  for (const auto& [key, json] : from_db.by_span) {
    auto it = from_tree.by_span.find(key);
    ASSERT_NE(it, from_tree.by_span.end()) << key;
    if (key.rfind("session ", 0) != 0) {
      EXPECT_EQ(it->second, json) << key;
      continue;
    }
    // Session totals are summed over the messages: equal, up to float summation.
    JsonDoc a(json), b(it->second);
    for (const char* f : {"/id", "/start_ms", "/end_ms", "/agent", "/model", "/provider", "/parent_session_id",
                          "/attrs/project_id", "/attrs/version"}) {
      EXPECT_EQ(a.Str(f), b.Str(f)) << key << f;
      EXPECT_EQ(a.Num(f), b.Num(f)) << key << f;
    }
    for (const char* f :
         {"/tokens/input", "/tokens/output", "/tokens/reasoning", "/tokens/cache_read", "/tokens/cache_write"}) {
      EXPECT_EQ(a.Num(f), b.Num(f)) << key << f;
    }
    EXPECT_NEAR(a.Num("/cost").value_or(-1), b.Num("/cost").value_or(-2), 1e-12) << key;
  }
}

TEST(LegacyReader, BadFilesAreCountedNotFatal) {
  agentperf::testing::TempDir dir;
  const std::string db = dir.Sub("opencode.db");
  testing::MakeFixtureDb(db);
  const fsys::path root = dir.Sub("storage");
  MakeTree(db, root);
  Write(root / "part" / "msg_20b62f959001xulO2GusSgbtiU" / "prt_broken.json", "{\"type\":");
  testing::CaptureSink sink;
  ImportOptions o = testing::FixtureOptions("");
  o.storage_dir = root.string();
  auto r = RunImport(o, &sink, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows.bad, 1u);
  EXPECT_NE(r->rows.first_bad.find("prt_broken"), std::string::npos);
  EXPECT_EQ(sink.Count("llm_call"), 6u);
}

TEST(LegacyReader, RefusesADirectoryWithoutSessions) {
  agentperf::testing::TempDir dir;
  RowStats stats;
  uint64_t total = 0;
  Status st = ForEachLegacyUnit(
      dir.path(), [](SessionUnit*) { return Status::OK(); }, &stats, &total);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace agentperf::ingest::opencode
