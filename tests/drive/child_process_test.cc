#include "drive/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "testing/temp_dir.h"

namespace agentperf::drive {
namespace {

using namespace std::chrono_literals;

TEST(ChildProcess, RunsWithExactlyTheGivenEnvironmentAndDirectory) {
  testing::TempDir dir;
  CommandResult r = RunCommand({"/bin/sh", "-c", "echo \"[$FOO][$HOME]\"; pwd; echo oops >&2; exit 3"},
                               {"FOO=bar", "PATH=/usr/bin:/bin"}, dir.path(), dir.Sub("sh"), 30s);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "[bar][]\n" + dir.path() + "\n");  // HOME not inherited
  EXPECT_EQ(r.err, "oops\n");
  EXPECT_EQ(ReadFile(dir.Sub("sh.out")), r.out);
  EXPECT_GE(r.seconds, 0);
}

TEST(ChildProcess, TimeoutKillsTheWholeProcessGroup) {
  testing::TempDir dir;
  // The child starts a grandchild that would outlive it; both must go.
  CommandResult r = RunCommand({"/bin/sh", "-c", "sleep 30 & echo $! > " + dir.Sub("pid") + "; wait"}, BaseEnv(), "",
                               dir.Sub("sleep"), 1s);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_LT(r.seconds, 15);
  const pid_t grandchild = std::stoi(ReadFile(dir.Sub("pid")));
  // Gone, or a zombie waiting for its new parent to reap it.
  std::string state;
  for (int i = 0; i < 100; ++i) {
    std::string stat = ReadFile("/proc/" + std::to_string(grandchild) + "/stat");
    state = stat.empty() ? "gone" : stat.substr(stat.rfind(')') + 2, 1);
    if (state == "gone" || state == "Z") break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(state == "gone" || state == "Z") << "the grandchild survived, state " << state;
}

TEST(ChildProcess, MissingProgramExits127AndBadOutputPathIsReported) {
  testing::TempDir dir;
  CommandResult r = RunCommand({"/nonexistent/program"}, BaseEnv(), "", dir.Sub("x"), 10s);
  EXPECT_EQ(r.exit_code, 127);
  Child c({"/bin/true"}, BaseEnv(), "", "/nonexistent/dir/out", "/nonexistent/dir/err");
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.error().find("/nonexistent/dir/out"), std::string::npos);
  EXPECT_EQ(c.Kill(), -1);
}

TEST(ChildProcess, KillStopsARunningChildWithSigterm) {
  testing::TempDir dir;
  Child c({"/bin/sleep", "30"}, BaseEnv(), "", dir.Sub("o"), dir.Sub("e"));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c.running());
  EXPECT_FALSE(c.Wait(50ms).has_value());
  EXPECT_EQ(c.Kill(), 128 + SIGTERM);
  EXPECT_FALSE(c.running());
}

TEST(ChildProcess, FilesAndPorts) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteFile(dir.Sub("a/b/c.txt"), "hello").ok());
  EXPECT_EQ(ReadFile(dir.Sub("a/b/c.txt")), "hello");
  EXPECT_EQ(ReadFile(dir.Sub("missing")), "");
  EXPECT_FALSE(WriteFile("/proc/nope/x", "y").ok());
  EXPECT_NE(FreeLoopbackPort(), 0);
  EXPECT_EQ(EnvOr("AGENTPERF_SURELY_UNSET_VARIABLE", "dflt"), "dflt");
}

}  // namespace
}  // namespace agentperf::drive
