// Test helpers for the OpenCode importer tests: builds an opencode.db from
// the real 1.18.33 schema and objects in ../shared/opencode/samples (read at
// test time, never copied into the project: the rows come from
// tests/fixtures/opencode/make_rows.py), runs SQL on it, and collects
// imported events in memory.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "event/json_encoder.h"
#include "ingest/opencode/importer.h"
#include "testing/paths.h"

namespace agentperf::ingest::opencode::testing {

// tests/fixtures/opencode in the source tree.
inline std::filesystem::path FixtureDir() { return agentperf::testing::SourceDir() / "tests" / "fixtures" / "opencode"; }

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs SQL on a read-write connection (fails the test on error).
inline void ExecSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "") << "\n" << sql.substr(0, 300);
  sqlite3_free(err);
  sqlite3_close(db);
}

inline std::filesystem::path SamplesDir() { return agentperf::testing::OpencodeSamplesDir(); }

// Output of a shell command (fails the test if it exits non-zero).
inline std::string CommandOutput(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr) << cmd;
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << cmd;
  return out;
}

// A WAL-mode opencode.db at `path` holding the fixture sessions.
inline void MakeFixtureDb(const std::string& path) {
  const std::filesystem::path samples = SamplesDir();
  ASSERT_TRUE(std::filesystem::exists(samples / "db-schema.sql"))
      << samples << " not found; set AGENTPERF_SHARED_DIR to the shared folder";
  ASSERT_TRUE(std::filesystem::exists(FixtureDir() / "make_rows.py")) << "fixture not found; set AGENTPERF_SOURCE_DIR";
  const std::string rows =
      CommandOutput("python3 '" + (FixtureDir() / "make_rows.py").string() + "' '" + samples.string() + "'");
  ASSERT_FALSE(rows.empty());
  ExecSql(path, "PRAGMA journal_mode=WAL;");
  ExecSql(path, ReadText(samples / "db-schema.sql"));
  ExecSql(path, rows);
}

// Rows of a query as strings (NULL -> "").
inline std::vector<std::vector<std::string>> QuerySql(const std::string& db_path, const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> r;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      r.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    rows.push_back(std::move(r));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

// Keeps every event it is sent, as its JSON (the ingest schema) keyed by id.
class CaptureSink : public EventSink {
 public:
  Result<store::AppendResult> Send(event::EventBatch batch) override {
    store::AppendResult r;
    for (const auto& e : batch.events) {
      std::string json;
      event::EncodeEventJson(e, batch.AttrsOf(e), &json);
      if (events.emplace(e.id.ToHex(), json).second)
        ++r.accepted;
      else
        ++r.duplicates;
      by_span[std::string(event::KindName(e.kind)) + " " + std::string(e.Str(event::StrField::kSpanId))] = json;
    }
    ++batches;
    return r;
  }
  std::map<std::string, std::string> events;   // id hex -> JSON
  std::map<std::string, std::string> by_span;  // "<kind> <span_id>" -> JSON
  size_t Count(const std::string& kind) const {
    size_t n = 0;
    for (const auto& [k, v] : by_span) n += k.rfind(kind + " ", 0) == 0;
    return n;
  }
  int batches = 0;
};

// "Now" for imports of the fixture: a day after its sessions.
constexpr int64_t kFixtureNowMs = 1795487571300 + 86400000;

inline ImportOptions FixtureOptions(const std::string& db_path, const std::string& cursor_path = "") {
  ImportOptions o;
  o.db_path = db_path;
  o.cursor_path = cursor_path;
  o.now_ms = kFixtureNowMs;
  return o;
}

}  // namespace agentperf::ingest::opencode::testing
