// `agentperf demo` end to end: the real opencode 1.18.33, the simulated
// model, five agents; the report printed must describe what happened.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "opencode_env.h"
#include "testing/json_doc.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using agentperf::testing::JsonDoc;

// The row of `agent` in the report, as a JSON pointer prefix ("" if absent).
std::string Row(const JsonDoc& doc, const std::string& agent) {
  for (size_t i = 0; i < doc.Len("/agents") && doc.Len("/agents") != SIZE_MAX; ++i) {
    if (doc.Str(fmt::format("/agents/{}/agent", i)) == agent) return fmt::format("/agents/{}", i);
  }
  return "";
}

TEST(Demo, DrivesFiveAgentsAndReportsWhatHappened) {
  if (!RequireOpencode()) return;
  agentperf::testing::TempDir tmp;
  std::vector<std::string> env = BaseEnv();
  env.push_back("AGENTPERF_OPENCODE_DIR=" + drive::OpencodeInstallDir());
  CommandResult r = RunCommand({agentperf::testing::AgentperfBin(), "demo", "--data", tmp.Sub("data"), "--work-dir",
                                tmp.Sub("work"), "--json", "--permission-delay-ms", "1200"},
                               env, "", tmp.Sub("demo"), std::chrono::seconds(300));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonDoc doc(r.out);
  ASSERT_TRUE(doc.ok()) << r.out;
  for (const char* agent : {"planner", "tester", "coder", "architect", "researcher"}) {
    const std::string row = Row(doc, agent);
    ASSERT_FALSE(row.empty()) << agent << " missing:\n" << r.out;
    EXPECT_EQ(doc.Num(row + "/sessions"), 1) << agent;
    EXPECT_GE(doc.Num(row + "/steps").value_or(0), 2) << agent;
    EXPECT_GT(doc.Num(row + "/tokens_input").value_or(0), 0) << agent;
    EXPECT_GT(doc.Num(row + "/cost").value_or(0), 0) << agent;
    EXPECT_GE(doc.Num(row + "/tool_calls").value_or(0), 1) << agent;
    EXPECT_GT(doc.Num(row + "/p95_step_ms").value_or(0), 0) << agent;
  }
  // The scripted events: the coder's 429, the researcher's failed read, the
  // serve session's permission (default agent `build`) granted after 1.2 s.
  EXPECT_EQ(doc.Num(Row(doc, "coder") + "/retries"), 1);
  EXPECT_EQ(doc.Num(Row(doc, "researcher") + "/tool_errors"), 1);
  EXPECT_EQ(doc.Num(Row(doc, "planner") + "/tool_calls"), 2);  // two `task`s
  const std::string build = Row(doc, "build");
  ASSERT_FALSE(build.empty()) << r.out;
  EXPECT_EQ(doc.Num(build + "/permission_waits"), 1);
  EXPECT_GE(doc.Num(build + "/permission_wait_ms").value_or(0), 1200);
  EXPECT_LT(doc.Num(build + "/permission_wait_ms").value_or(1e9), 5000);
  // The progress went to stderr; the scratch folder is gone (no --keep); the data stays.
  EXPECT_NE(r.err.find("opencode run --agent planner"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(tmp.Sub("work"))) << "scratch folder left behind";
  CommandResult ex = RunCommand({agentperf::testing::AgentperfBin(), "export", "--data", tmp.Sub("data")}, BaseEnv(),
                                "", tmp.Sub("export"), std::chrono::seconds(60));
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  EXPECT_GE(std::count(ex.out.begin(), ex.out.end(), '\n'), 30) << "too few events stored";
  std::printf("agentperf demo took %.1f s\n", r.seconds);
}

}  // namespace
}  // namespace agentperf::e2e
