// `agentperf simulate llm` as a process: the port file, a chat request, the
// log, a clean exit on SIGTERM, and clear errors for bad configs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "net/http_client.h"
#include "sim_testing.h"
#include "testing/json_doc.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::sim {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SimulateCmdTest, ServesUntilSigtermAndLogs) {
  agentperf::testing::TempDir dir;
  {
    std::ofstream(dir.Sub("sim.json")) << R"({"models": {"m": {"ttfc_ms": 1, "tokens_per_s": 1000}},
      "agents": {"a": {"match": "AGENT-A", "steps": [{"text": "from a"}]}}})";
  }
  const std::string bin = agentperf::testing::AgentperfBin();
  const std::string cfg = dir.Sub("sim.json"), port_file = dir.Sub("port"), log = dir.Sub("sim.ndjson");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl(bin.c_str(), bin.c_str(), "simulate", "llm", "--config", cfg.c_str(), "--port-file", port_file.c_str(),
          "--log", log.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int port = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (port == 0 && std::chrono::steady_clock::now() < deadline) {
    const std::string p = Slurp(port_file);
    if (!p.empty() && p.back() == '\n') port = std::stoi(p);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GT(port, 0);
  net::HttpClient c(*net::ParseUrl("http://127.0.0.1:" + std::to_string(port)));
  auto r = c.Post("/v1/chat/completions",
                  testing::ChatBody({{"system", "I am AGENT-A."}, {"user", "hi"}}, {"bash"}, true, "m"),
                  "application/json", {{"x-session-affinity", "ses_cmd"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(testing::Reassemble(r->body).text, "from a");
  kill(pid, SIGTERM);
  int st = 0;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0);
  agentperf::testing::JsonDoc line(Slurp(log));
  EXPECT_EQ(line.Str("/session"), "ses_cmd");
  EXPECT_EQ(line.Str("/agent"), "a");
}

TEST(SimulateCmdTest, BadConfigsFailWithTheReason) {
  agentperf::testing::TempDir dir;
  {
    std::ofstream(dir.Sub("bad.json")) << R"({"agents": {"a": {"steps": [{"text": "x"}]}}})";
    std::ofstream(dir.Sub("ok.json")) << "{}";
  }
  const std::string bin = agentperf::testing::AgentperfBin();
  auto r = agentperf::testing::RunProcess({bin, "simulate", "llm", "--config", dir.Sub("bad.json")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("agents.a: needs a non-empty \"match\""), std::string::npos) << r.err;
  auto missing = agentperf::testing::RunProcess({bin, "simulate", "llm", "--config", dir.Sub("nope.json")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.json"), std::string::npos) << missing.err;
  auto no_config = agentperf::testing::RunProcess({bin, "simulate", "llm"});
  EXPECT_EQ(no_config.exit_code, 2);
  auto remote =
      agentperf::testing::RunProcess({bin, "simulate", "llm", "--config", dir.Sub("ok.json"), "--listen", "0.0.0.0:0"});
  EXPECT_EQ(remote.exit_code, 1);
  EXPECT_NE(remote.err.find("loopback"), std::string::npos) << remote.err;
}

}  // namespace
}  // namespace agentperf::sim
