#include "ingest/opencode/db_reader.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "fixture.h"
#include "testing/temp_dir.h"

namespace agentperf::ingest::opencode {
namespace {

using agentperf::testing::TempDir;

const char* kNewSession =
    "INSERT INTO session (id, project_id, slug, directory, title, version, agent, time_created, time_updated) "
    "VALUES ('ses_w', 'global', 's', '/d', 't', '1.18.33', 'coder', 1795490000000, 1795490000000)";

std::vector<std::string> Ids(DbReader* r, int64_t after = -1, std::vector<std::string> also = {}) {
  std::vector<SessionInfo> s;
  RowStats stats;
  EXPECT_TRUE(r->ReadSessions(after, also, &s, &stats).ok());
  std::vector<std::string> ids;
  for (const auto& x : s) ids.push_back(x.id);
  return ids;
}

TEST(DbReader, OpensReadOnlyWhileAWriterHoldsATransaction) {
  TempDir dir;
  const std::string path = dir.Sub("opencode.db");
  testing::MakeFixtureDb(path);
  // OpenCode's connection: WAL mode, a write transaction open (uncommitted).
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "PRAGMA journal_mode=WAL; BEGIN IMMEDIATE;", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, kNewSession, nullptr, nullptr, nullptr), SQLITE_OK);

  auto r = DbReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*(*r)->CountSessions(), 3u);  // the uncommitted row is not visible

  // The writer commits while the import reads: the reader keeps its snapshot...
  ASSERT_EQ(sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(Ids(r->get()).size(), 3u);
  // ...and the writer is never blocked by it.
  ASSERT_EQ(sqlite3_exec(writer, "UPDATE session SET title = 'x' WHERE id = 'ses_w'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  r->reset();
  auto r2 = DbReader::Open(path);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(*(*r2)->CountSessions(), 4u);  // a new reader sees the commit
  sqlite3_close(writer);
}

TEST(DbReader, SelectsSessionsByUpdateTimeAndList) {
  TempDir dir;
  const std::string path = dir.Sub("opencode.db");
  testing::MakeFixtureDb(path);
  auto r = DbReader::Open(path);
  ASSERT_TRUE(r.ok());
  // Oldest update first.
  EXPECT_EQ(Ids(r->get()), (std::vector<std::string>{"ses_df49dec43ffen3TNFZ3yz1ytnw", "ses_df49e020effecLILN3pdUuiMZ1",
                                                     "ses_df49d0f47ffevaa69B0RPJ64eR"}));
  EXPECT_EQ(Ids(r->get(), 1795487308998), (std::vector<std::string>{"ses_df49d0f47ffevaa69B0RPJ64eR"}));
  EXPECT_EQ(Ids(r->get(), 1795487368210), std::vector<std::string>{});
  EXPECT_EQ(Ids(r->get(), 1795487368210, {"ses_df49dec43ffen3TNFZ3yz1ytnw", "ses_unknown"}),
            std::vector<std::string>{"ses_df49dec43ffen3TNFZ3yz1ytnw"});
}

TEST(DbReader, FullScanAndPerSessionLookupsGiveTheSameUnits) {
  TempDir dir;
  const std::string path = dir.Sub("opencode.db");
  testing::MakeFixtureDb(path);
  auto r = DbReader::Open(path);
  ASSERT_TRUE(r.ok());
  auto collect = [&](bool full) {
    std::vector<SessionInfo> s;
    RowStats stats;
    EXPECT_TRUE((*r)->ReadSessions(-1, {}, &s, &stats).ok());
    std::vector<std::string> out;
    EXPECT_TRUE((*r)->ForEachUnit(
                        std::move(s), full,
                        [&](SessionUnit* u) {
                          std::string line = u->session.id;
                          std::sort(u->messages.begin(), u->messages.end(),
                                    [](auto& a, auto& b) { return a.id < b.id; });
                          std::sort(u->parts.begin(), u->parts.end(), [](auto& a, auto& b) { return a.id < b.id; });
                          for (auto& m : u->messages) line += " " + m.id + ":" + m.agent;
                          for (auto& p : u->parts) line += " " + p.id + ":" + p.message_id;
                          out.push_back(line);
                          return Status::OK();
                        },
                        &stats)
                    .ok());
    EXPECT_EQ(stats.messages, 9u);
    EXPECT_EQ(stats.parts, 21u);
    return out;
  };
  auto full = collect(true);
  EXPECT_EQ(full.size(), 3u);
  EXPECT_EQ(full, collect(false));
}

TEST(DbReader, FullScanGivesTheSameUnitsWhateverTheParseThreadsAndChunks) {
  TempDir dir;
  const std::string path = dir.Sub("opencode.db");
  testing::MakeFixtureDb(path);
  auto collect = [&](int threads, size_t chunk_bytes) {
    auto r = DbReader::Open(path);
    EXPECT_TRUE(r.ok());
    (*r)->SetParseThreads(threads);
    (*r)->SetChunkBytes(chunk_bytes);
    std::vector<SessionInfo> s;
    RowStats stats;
    EXPECT_TRUE((*r)->ReadSessions(-1, {}, &s, &stats).ok());
    std::vector<std::string> out;
    EXPECT_TRUE((*r)->ForEachUnit(
                        std::move(s), /*full_scan=*/true,
                        [&](SessionUnit* u) {
                          // Table order is kept: no sorting here.
                          std::string line = u->session.id;
                          for (auto& m : u->messages) line += " " + m.id + ":" + m.agent + ":" + std::to_string(m.created_ms);
                          for (auto& p : u->parts) line += " " + p.id + ":" + p.message_id + ":" + p.status;
                          out.push_back(line);
                          return Status::OK();
                        },
                        &stats)
                    .ok());
    EXPECT_EQ(stats.messages, 9u);
    EXPECT_EQ(stats.parts, 21u);
    EXPECT_EQ(stats.bad, 0u);
    return out;
  };
  const auto one = collect(1, size_t{1} << 20);
  EXPECT_EQ(one.size(), 3u);
  EXPECT_EQ(collect(3, 1), one);  // a chunk per row, three threads
  EXPECT_EQ(collect(2, 2000), one);
}

TEST(DbReader, RefusesWhatIsNotAnOpenCodeDatabase) {
  TempDir dir;
  auto missing = DbReader::Open(dir.Sub("nope.db"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  testing::ExecSql(dir.Sub("other.db"), "CREATE TABLE t (x)");
  auto other = DbReader::Open(dir.Sub("other.db"));
  EXPECT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("not an OpenCode database"), std::string::npos);
}

}  // namespace
}  // namespace agentperf::ingest::opencode
