// End-to-end tests of `agentperf opencode install|uninstall|env` (the real
// binary, $AGENTPERF_BIN) in temporary projects with their own HOME and XDG
// directories: exact plugin bytes, comment-preserving config edits, and an
// uninstall that gives back the tree byte for byte.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
void Write(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << data;
}

// Every file (with its bytes) and directory under root.
std::map<std::string, std::string> Snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(e.path(), root).string();
    out[rel] = e.is_directory() ? std::string("<dir>") : Read(e.path());
  }
  return out;
}

// Equality of two large texts, reported by size and first difference.
::testing::AssertionResult SameBytes(const std::string& a, const std::string& b) {
  if (a == b) return ::testing::AssertionSuccess();
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return ::testing::AssertionFailure() << "sizes " << a.size() << " and " << b.size() << ", first difference at byte " << i
                                       << " (is the binary built from the current agentperf.js?)";
}

class OpencodeInstall : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = dir_.Sub("project");
    fs::create_directories(project_);
    Write(project_ / "README.md", "# demo\n");
    Write(project_ / ".opencode" / "agent" / "planner.md", "---\nmode: primary\n---\nPlan.\n");
  }
  testing::ProcessResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {testing::AgentperfBin(), "opencode"});
    return testing::RunProcess(args, "",
                               {"HOME=" + dir_.Sub("home"), "XDG_CONFIG_HOME=" + dir_.Sub("config"),
                                "XDG_STATE_HOME=" + dir_.Sub("state"), "AGENTPERF_LOG=warn", "AGENTPERF_URL="});
  }
  // The checkout's agentperf.js: $AGENTPERF_SOURCE_DIR, else the first parent
  // of the binary's directory that holds it (the build tree is inside the
  // checkout; gtest_discover_tests passes only the first ENVIRONMENT entry).
  static std::string PluginSource() {
    const fs::path rel = fs::path("integrations") / "opencode" / "agentperf.js";
    if (const char* src = std::getenv("AGENTPERF_SOURCE_DIR"); src != nullptr && *src != '\0') {
      return Read(fs::path(src) / rel);
    }
    for (fs::path p = fs::absolute(testing::AgentperfBin()).parent_path(); p != p.parent_path(); p = p.parent_path()) {
      if (fs::exists(p / rel)) return Read(p / rel);
    }
    ADD_FAILURE() << "set AGENTPERF_SOURCE_DIR to the checkout";
    return "";
  }
  fs::path plugin() const { return project_ / ".opencode" / "plugin" / "agentperf.js"; }

  testing::TempDir dir_;
  fs::path project_;
};

TEST_F(OpencodeInstall, WritesTheExactPluginIsIdempotentAndUninstallRestoresTheTree) {
  auto before = Snapshot(project_);
  auto r = Run({"install", "--project", project_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string source = PluginSource();
  ASSERT_FALSE(source.empty());
  EXPECT_TRUE(SameBytes(Read(plugin()), source)) << "the installed file is the tested source, byte for byte";
  EXPECT_EQ(fs::status(plugin()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  std::string manifest = Read(dir_.Sub("state") + "/agentperf/opencode-installs.json");
  EXPECT_NE(manifest.find(plugin().string()), std::string::npos) << manifest;

  auto again = Run({"install", "--project", project_.string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("already up to date"), std::string::npos) << again.out;
  EXPECT_EQ(Read(dir_.Sub("state") + "/agentperf/opencode-installs.json"), manifest) << "reinstall changes nothing";

  auto un = Run({"uninstall", "--project", project_.string()});
  ASSERT_EQ(un.exit_code, 0) << un.err;
  EXPECT_EQ(Snapshot(project_), before);
  auto twice = Run({"uninstall", "--project", project_.string()});
  EXPECT_EQ(twice.exit_code, 0);
  EXPECT_NE(twice.out.find("nothing installed"), std::string::npos) << twice.out;
}

TEST_F(OpencodeInstall, OtelEditsAJsoncWithCommentsInPlaceAndUninstallUndoesIt) {
  const std::string original =
      "{\n"
      "  // models come from the mock provider\n"
      "  \"$schema\": \"https://opencode.ai/config.json\",\n"
      "  \"model\": \"mock/mock-model\", /* keep me */\n"
      "  \"experimental\": {\n"
      "    \"other\": 1 // unrelated\n"
      "  }\n"
      "}\n";
  fs::path cfg = project_ / ".opencode" / "opencode.jsonc";
  Write(cfg, original);
  auto before = Snapshot(project_);
  auto r = Run({"install", "--project", project_.string(), "--otel", "--url", "http://127.0.0.1:7999"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Read(cfg),
            "{\n"
            "  // models come from the mock provider\n"
            "  \"$schema\": \"https://opencode.ai/config.json\",\n"
            "  \"model\": \"mock/mock-model\", /* keep me */\n"
            "  \"experimental\": {\n"
            "    \"other\": 1, // unrelated\n"
            "    \"openTelemetry\": true\n"
            "  }\n"
            "}\n");
  EXPECT_FALSE(fs::exists(project_ / "opencode.json")) << "the existing config file is edited, none is added";
  EXPECT_NE(r.out.find("agentperf opencode env"), std::string::npos) << r.out;
  std::string plugin_cfg = Read(dir_.Sub("config") + "/agentperf/opencode-plugin.json");
  EXPECT_NE(plugin_cfg.find("http://127.0.0.1:7999"), std::string::npos) << plugin_cfg;

  auto un = Run({"uninstall", "--project", project_.string()});
  ASSERT_EQ(un.exit_code, 0) << un.err;
  EXPECT_EQ(Snapshot(project_), before);
  EXPECT_FALSE(fs::exists(dir_.Sub("config") + "/agentperf/opencode-plugin.json"));

  // Edited by the user in between: only our value goes, their change stays.
  ASSERT_EQ(Run({"install", "--project", project_.string(), "--otel"}).exit_code, 0);
  std::string edited = Read(cfg);
  size_t at = edited.find("  \"model\"");
  ASSERT_NE(at, std::string::npos);
  edited.insert(at, "  \"share\": \"disabled\",\n");
  Write(cfg, edited);
  ASSERT_EQ(Run({"uninstall", "--project", project_.string()}).exit_code, 0);
  std::string after = Read(cfg);
  EXPECT_EQ(after.find("openTelemetry"), std::string::npos) << after;
  EXPECT_NE(after.find("\"share\": \"disabled\""), std::string::npos) << after;
  EXPECT_NE(after.find("// unrelated"), std::string::npos) << after;
}

TEST_F(OpencodeInstall, CreatesAConfigWhenThereIsNoneAndRemovesItAgain) {
  auto before = Snapshot(project_);
  ASSERT_EQ(Run({"install", "--project", project_.string(), "--otel"}).exit_code, 0);
  std::string created = Read(project_ / "opencode.json");
  EXPECT_NE(created.find("\"$schema\""), std::string::npos) << created;
  EXPECT_NE(created.find("\"openTelemetry\": true"), std::string::npos) << created;
  ASSERT_EQ(Run({"uninstall", "--project", project_.string()}).exit_code, 0);
  EXPECT_EQ(Snapshot(project_), before);
}

TEST_F(OpencodeInstall, RefusesToChangeADifferentOtelValueWithoutForce) {
  const std::string original = "{\"experimental\": {\"openTelemetry\": false}}\n";
  Write(project_ / "opencode.json", original);
  auto r = Run({"install", "--project", project_.string(), "--otel"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(Read(project_ / "opencode.json"), original);
  auto forced = Run({"install", "--project", project_.string(), "--otel", "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(Read(project_ / "opencode.json"), "{\"experimental\": {\"openTelemetry\": true}}\n");
  ASSERT_EQ(Run({"uninstall", "--project", project_.string()}).exit_code, 0);
  EXPECT_EQ(Read(project_ / "opencode.json"), original);
}

TEST_F(OpencodeInstall, KeepsAUserModifiedPluginWithAWarning) {
  ASSERT_EQ(Run({"install", "--project", project_.string()}).exit_code, 0);
  std::string mine = Read(plugin()) + "\n// my local tweak\n";
  Write(plugin(), mine);
  auto refused = Run({"install", "--project", project_.string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_EQ(Read(plugin()), mine);
  auto un = Run({"uninstall", "--project", project_.string()});
  EXPECT_EQ(un.exit_code, 0) << un.err;
  EXPECT_NE(un.err.find("warning"), std::string::npos) << un.err;
  EXPECT_NE(un.err.find(plugin().string()), std::string::npos) << un.err;
  EXPECT_EQ(Read(plugin()), mine) << "a changed plugin file is the user's now";

  // A foreign file at the target is not overwritten either, except with --force.
  auto foreign = Run({"install", "--project", project_.string()});
  EXPECT_EQ(foreign.exit_code, 1);
  auto forced = Run({"install", "--project", project_.string(), "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_TRUE(SameBytes(Read(plugin()), PluginSource()));
}

TEST_F(OpencodeInstall, GlobalInstallGoesToTheXdgConfigDir) {
  auto r = Run({"install", "--global"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::path p = dir_.Sub("config") + "/opencode/plugin/agentperf.js";
  EXPECT_TRUE(SameBytes(Read(p), PluginSource()));
  ASSERT_EQ(Run({"uninstall", "--global"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(p));
  EXPECT_FALSE(fs::exists(dir_.Sub("config") + "/opencode")) << "directories it created are removed when empty";
}

TEST_F(OpencodeInstall, EnvPrintsTheExportLines) {
  Write(dir_.Sub("token"), "s3cret\n");
  auto r = Run({"env", "--url", "http://127.0.0.1:7420", "--token-file", dir_.Sub("token")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("export OTEL_EXPORTER_OTLP_ENDPOINT='http://127.0.0.1:7420'\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("export AGENTPERF_URL='http://127.0.0.1:7420'\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("export OTEL_EXPORTER_OTLP_HEADERS='Authorization=Bearer s3cret'\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("OTEL_BSP_SCHEDULE_DELAY=500"), std::string::npos);
  EXPECT_NE(Run({"frob"}).exit_code, 0);
}

}  // namespace
}  // namespace agentperf::e2e
