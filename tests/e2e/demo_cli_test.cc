// `agentperf demo`'s refusals, without the real opencode (the real run is
// tests/e2e_opencode/demo_test.cc): a missing install names the install
// command; another version is refused unless --any-version.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using testing::AgentperfBin;
using testing::RunProcess;

void Write(const std::string& path, const std::string& text, bool executable = false) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
  if (executable) ::chmod(path.c_str(), 0755);
}

TEST(DemoCli, MissingOpencodeNamesTheInstallCommand) {
  testing::TempDir dir;
  auto r = RunProcess({AgentperfBin(), "demo", "--data", dir.Sub("data"), "--opencode", dir.Sub("nope/opencode")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("scripts/install-opencode.sh"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("data"))) << "nothing is started before the check";
}

TEST(DemoCli, AnotherVersionIsRefused) {
  testing::TempDir dir;
  const std::string install = dir.Sub("install");
  Write(install + "/plugin/node_modules/@opencode-ai/plugin/package.json", "{}");
  Write(install + "/node_modules/.bin/opencode", "#!/bin/sh\necho 0.9.0\n", true);
  auto r = RunProcess({AgentperfBin(), "demo", "--data", dir.Sub("data"), "--work-dir", dir.Sub("work")}, "",
                      {"AGENTPERF_OPENCODE_DIR=" + install});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is opencode 0.9.0, the demo is made for 1.18.33"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--any-version"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir.Sub("work"))) << "scratch folder left behind";
}

TEST(DemoCli, Help) {
  auto r = RunProcess({AgentperfBin(), "demo", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--data", "--server", "--opencode", "--any-version", "--keep", "--json"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
  }
}

}  // namespace
}  // namespace agentperf::e2e
