// Helpers of the end-to-end tests that drive the REAL opencode binary
// (header-only: tests/e2e_opencode/ globs only *_test.cc), thin gtest
// wrappers over src/drive (the same code `agentperf demo` and
// `agentperf bench plugin` use):
//
//  * RequireOpencode(): FAILS the test (never skips) with the install command
//    when the pinned opencode 1.18.33 or its plugin pre-fill is missing.
//  * Child / RunCommand / CommandResult: drive/child_process.h.
//  * SimProcess: `agentperf simulate llm` ($AGENTPERF_BIN) on a free port.
//  * OpencodeEnv: drive::OpencodeWorld whose set-up failures fail the test.
//  * OpencodeDb: opencode.db opened read-only (sqlite3 C API).
//
// Thread-safety: test helpers, use from the test's thread.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "drive/agentperf_child.h"
#include "drive/child_process.h"
#include "drive/five_agents.h"
#include "drive/opencode_serve.h"
#include "drive/opencode_world.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {

using drive::AgentFile;
using drive::BaseEnv;
using drive::Child;
using drive::CommandResult;
using drive::EnvOr;
using drive::kOpencodeVersion;
using drive::OpencodeBinary;
using drive::ReadFile;
using drive::RunCommand;

inline void WriteFile(const std::string& path, const std::string& text) {
  Status st = drive::WriteFile(path, text);
  if (!st.ok()) throw std::runtime_error(st.ToString());
}

inline bool RequireOpencode() {
  Status st = drive::CheckOpencodeInstall();
  if (!st.ok()) ADD_FAILURE() << st.message();
  return st.ok();
}

// `agentperf simulate llm` ($AGENTPERF_BIN) with a config, on a free port.
class SimProcess {
 public:
  SimProcess(const std::string& dir, const std::string& config_json) {
    Status st = sim_.Start(agentperf::testing::AgentperfBin(), dir, config_json);
    if (!st.ok()) ADD_FAILURE() << st.ToString();
  }
  uint16_t port() const { return sim_.port(); }
  bool ok() const { return sim_.port() != 0; }
  std::string base_url() const { return sim_.base_url(); }
  std::string log_path() const { return sim_.log_path(); }
  std::vector<std::string> LogLines() const { return sim_.LogLines(); }
  int Stop() { return sim_.Stop(); }
  std::string stderr_text() const { return sim_.stderr_text(); }

 private:
  drive::SimChild sim_;
};

// An isolated world for the real opencode; a failed write fails the test.
class OpencodeEnv : public drive::OpencodeWorld {
 public:
  explicit OpencodeEnv(std::string root) : OpencodeWorld(std::move(root)) {}
  void WriteProjectConfig(const std::string& base_url, const std::string& extra_fields = "") const {
    Status st = OpencodeWorld::WriteProjectConfig(base_url, extra_fields);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  void WriteAgent(const AgentFile& a) const {
    Status st = OpencodeWorld::WriteAgent(a);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  ::testing::AssertionResult Prepare() const {
    Status st = OpencodeWorld::Prepare();
    if (st.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << st.ToString();
  }
};

// opencode.db, read-only. Values come back as text; NULL as std::nullopt.
class OpencodeDb {
 public:
  using Row = std::vector<std::optional<std::string>>;
  explicit OpencodeDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      error_ = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    }
  }
  ~OpencodeDb() { sqlite3_close(db_); }
  OpencodeDb(const OpencodeDb&) = delete;
  OpencodeDb& operator=(const OpencodeDb&) = delete;
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // ADD_FAILUREs on an SQL error.
  std::vector<Row> Query(const std::string& sql) {
    std::vector<Row> rows;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "SQL error: " << sqlite3_errmsg(db_) << " in " << sql;
      return rows;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Row row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        if (t == nullptr) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(reinterpret_cast<const char*>(t)));
        }
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) ADD_FAILURE() << "SQL error: " << sqlite3_errmsg(db_) << " in " << sql;
    sqlite3_finalize(st);
    return rows;
  }

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

}  // namespace agentperf::e2e
