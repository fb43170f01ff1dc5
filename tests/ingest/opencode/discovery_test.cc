#include "ingest/opencode/discovery.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "testing/temp_dir.h"

namespace agentperf::ingest::opencode {
namespace {

// Sets environment variables for one test and restores them after.
class EnvGuard {
 public:
  void Set(const char* name, const std::string& value) {
    Save(name);
    ::setenv(name, value.c_str(), 1);
  }
  void Unset(const char* name) {
    Save(name);
    ::unsetenv(name);
  }
  ~EnvGuard() {
    for (auto& [n, v] : saved_) {
      if (v.first)
        ::setenv(n.c_str(), v.second.c_str(), 1);
      else
        ::unsetenv(n.c_str());
    }
  }

 private:
  void Save(const char* name) {
    if (saved_.count(name)) return;
    const char* v = std::getenv(name);
    saved_[name] = {v != nullptr, v ? v : ""};
  }
  std::map<std::string, std::pair<bool, std::string>> saved_;
};

TEST(Discovery, FollowsTheDocumentedOrder) {
  agentperf::testing::TempDir dir;
  EnvGuard env;
  env.Unset("OPENCODE_DB");
  env.Set("XDG_DATA_HOME", dir.path());
  const std::string oc = dir.Sub("opencode");
  std::filesystem::create_directories(oc + "/storage/session");
  // Only the legacy tree.
  auto s = DiscoverSource();
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->is_db);
  EXPECT_EQ(s->path, oc + "/storage");
  // A channel database wins over the tree.
  std::ofstream(oc + "/opencode-beta.db") << "";
  s = DiscoverSource();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->path, oc + "/opencode-beta.db");
  // opencode.db wins over a channel database.
  std::ofstream(oc + "/opencode.db") << "";
  s = DiscoverSource();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->is_db);
  EXPECT_EQ(s->path, oc + "/opencode.db");
  // $OPENCODE_DB wins over everything, and must exist.
  std::ofstream(dir.Sub("other.db")) << "";
  env.Set("OPENCODE_DB", dir.Sub("other.db"));
  s = DiscoverSource();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->path, dir.Sub("other.db"));
  env.Set("OPENCODE_DB", dir.Sub("missing.db"));
  EXPECT_EQ(DiscoverSource().status().code(), StatusCode::kNotFound);
}

TEST(Discovery, NothingThereIsNotFound) {
  agentperf::testing::TempDir dir;
  EnvGuard env;
  env.Unset("OPENCODE_DB");
  env.Set("XDG_DATA_HOME", dir.path());
  auto s = DiscoverSource();
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_NE(s.status().message().find("opencode.db"), std::string::npos);
}

}  // namespace
}  // namespace agentperf::ingest::opencode
