#include "drive/opencode_world.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <stdlib.h>

#include <filesystem>

#include "testing/temp_dir.h"

namespace agentperf::drive {
namespace {

// A stand-in install: AGENTPERF_OPENCODE_DIR with a plugin pre-fill and a
// fake binary (the real one is exercised in tests/e2e_opencode).
class FakeInstall {
 public:
  FakeInstall() {
    const std::string d = dir_.Sub("install");
    EXPECT_TRUE(WriteFile(d + "/plugin/node_modules/@opencode-ai/plugin/package.json", "{\"version\":\"1.18.33\"}").ok());
    EXPECT_TRUE(WriteFile(d + "/plugin/package-lock.json", "{\"lockfileVersion\":3}").ok());
    EXPECT_TRUE(WriteFile(d + "/node_modules/.bin/opencode", "#!/bin/sh\necho 1.18.33\n").ok());
    std::filesystem::permissions(d + "/node_modules/.bin/opencode", std::filesystem::perms::owner_all);
    setenv("AGENTPERF_OPENCODE_DIR", d.c_str(), 1);
    unsetenv("AGENTPERF_OPENCODE");
  }
  ~FakeInstall() { unsetenv("AGENTPERF_OPENCODE_DIR"); }
  std::string Sub(const std::string& s) const { return dir_.Sub(s); }

 private:
  testing::TempDir dir_;
};

TEST(OpencodeWorld, InstallPathsAndTheirCheck) {
  FakeInstall install;
  EXPECT_EQ(OpencodeInstallDir(), install.Sub("install"));
  EXPECT_EQ(OpencodeBinary(), install.Sub("install/node_modules/.bin/opencode"));
  EXPECT_TRUE(CheckOpencodeInstall().ok());
  Status missing = CheckOpencodeInstall(install.Sub("nope"));
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find(kOpencodeInstallCommand), std::string::npos) << missing.message();
  std::filesystem::remove_all(PluginNodeModules());
  EXPECT_NE(CheckOpencodeInstall().message().find("@opencode-ai/plugin"), std::string::npos);
}

TEST(OpencodeWorld, WritesAnIsolatedProjectWithGitAndThePreFill) {
  FakeInstall install;
  OpencodeWorld w(install.Sub("world"));
  ASSERT_TRUE(w.WriteProjectConfig("http://127.0.0.1:1234/v1", "\"experimental\": {\"x\": 1}").ok());
  ASSERT_TRUE(w.WriteAgent({"coder", "subagent", "Fixes bugs", "You are the CODER agent.", "temperature: 0.3\n"}).ok());
  ASSERT_TRUE(w.Prepare().ok());

  simdjson::dom::parser parser;
  simdjson::dom::element cfg;
  ASSERT_EQ(parser.load(w.project() + "/opencode.json").get(cfg), simdjson::SUCCESS);
  std::string_view base;
  ASSERT_EQ(cfg.at_pointer("/provider/sim/options/baseURL").get_string().get(base), simdjson::SUCCESS);
  EXPECT_EQ(base, "http://127.0.0.1:1234/v1");
  int64_t x = 0;
  EXPECT_EQ(cfg.at_pointer("/experimental/x").get_int64().get(x), simdjson::SUCCESS);
  EXPECT_EQ(x, 1);
  const std::string agent = ReadFile(w.project() + "/.opencode/agent/coder.md");
  EXPECT_EQ(agent.rfind("---\ndescription: Fixes bugs\nmode: subagent\n", 0), 0u) << agent;
  EXPECT_NE(agent.find("temperature: 0.3\n---\nYou are the CODER agent.\n"), std::string::npos) << agent;

  EXPECT_TRUE(std::filesystem::exists(w.project() + "/.git"));
  for (const std::string& d : {w.project() + "/.opencode", w.home() + "/.config/opencode"}) {
    EXPECT_TRUE(std::filesystem::exists(d + "/node_modules/@opencode-ai/plugin/package.json")) << d;
    EXPECT_NE(ReadFile(d + "/package.json").find("\"@opencode-ai/plugin\": \"1.18.33\""), std::string::npos);
    EXPECT_EQ(ReadFile(d + "/package-lock.json"), "{\"lockfileVersion\":3}");
  }
  // One commit: the project id opencode derives from the root commit exists.
  CommandResult log = RunCommand({"/usr/bin/git", "log", "--oneline"}, {"PATH=/usr/bin:/bin", "HOME=" + w.home()},
                                 w.project(), w.root() + "/out/log", std::chrono::seconds(30));
  EXPECT_EQ(log.exit_code, 0) << log.err;
  EXPECT_NE(log.out.find("init"), std::string::npos);
}

TEST(OpencodeWorld, EnvironmentIsolatesHomeAndTheNetwork) {
  FakeInstall install;
  OpencodeWorld w(install.Sub("world"));
  const auto env = w.Env({"EXTRA=1"});
  auto has = [&](const std::string& e) { return std::find(env.begin(), env.end(), e) != env.end(); };
  EXPECT_TRUE(has("HOME=" + w.home()));
  EXPECT_TRUE(has("XDG_STATE_HOME=" + w.state_dir()));
  EXPECT_TRUE(has("HTTPS_PROXY=http://127.0.0.1:9"));
  EXPECT_TRUE(has("NO_PROXY=127.0.0.1,localhost"));
  EXPECT_TRUE(has("OPENCODE_DISABLE_AUTOUPDATE=1"));
  EXPECT_TRUE(has("EXTRA=1"));
  for (const auto& e : env) EXPECT_NE(e.rfind("USER=", 0), 0u) << "inherited " << e;
  // Run uses the binary in the project directory with that environment.
  CommandResult v = w.Run({"--version"}, "version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, "1.18.33\n");
  EXPECT_EQ(w.db_path(), w.home() + "/.local/share/opencode/opencode.db");
}

}  // namespace
}  // namespace agentperf::drive
