#include "drive/five_agents.h"

#include <gtest/gtest.h>

#include <set>

#include "sim/config.h"
#include "testing/temp_dir.h"

namespace agentperf::drive {
namespace {

TEST(FiveAgents, TheAgentsAndAScriptForEach) {
  std::set<std::string> names, primaries;
  for (const AgentFile& a : FiveAgents()) {
    names.insert(a.name);
    if (a.mode == "primary") primaries.insert(a.name);
    // The simulator tells agents apart by the first words of their prompt.
    EXPECT_NE(FiveAgentsSimConfig().find(a.prompt.substr(0, a.prompt.find('.'))), std::string::npos) << a.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"architect", "planner", "tester", "researcher", "coder"}));
  EXPECT_EQ(primaries, (std::set<std::string>{"architect", "planner"}));
}

TEST(FiveAgents, SimConfigIsAcceptedBySimulateLlm) {
  auto cfg = sim::ParseConfig(FiveAgentsSimConfig(42, "agentperf demo"));
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_NE(FiveAgentsSimConfig(42).find("\"seed\": 42"), std::string::npos);
  // The permission prompt triggers the script's bash call.
  EXPECT_NE(std::string(kPermissionPrompt).find("SIM_PERM"), std::string::npos);
  EXPECT_NE(FiveAgentsSimConfig().find("\"user_contains\": \"SIM_PERM\""), std::string::npos);
}

TEST(FiveAgents, WritesTheWorld) {
  testing::TempDir dir;
  OpencodeWorld w(dir.Sub("w"), "/bin/true");
  ASSERT_TRUE(WriteFiveAgentWorld(w, "http://127.0.0.1:9/v1").ok());
  for (const char* a : {"architect", "planner", "tester", "researcher", "coder"}) {
    EXPECT_FALSE(ReadFile(w.project() + "/.opencode/agent/" + std::string(a) + ".md").empty()) << a;
  }
  EXPECT_NE(ReadFile(w.project() + "/opencode.json").find("http://127.0.0.1:9/v1"), std::string::npos);
}

}  // namespace
}  // namespace agentperf::drive
