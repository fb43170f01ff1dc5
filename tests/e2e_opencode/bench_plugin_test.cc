// A smoke run of `agentperf bench plugin` (the real opencode, 2 pairs of
// short runs): every run succeeds, the plugin was active exactly in the B
// runs, and the JSON lines carry the ratios and the hook costs. The figures
// themselves are benchmark output (docs/benchmarks.md), never asserted.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "opencode_env.h"
#include "testing/json_doc.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using agentperf::testing::JsonDoc;

TEST(BenchPlugin, SmokeRunReportsRatiosAndHookCosts) {
  if (!RequireOpencode()) return;
  agentperf::testing::TempDir tmp;
  std::filesystem::create_directories(tmp.Sub("work"));
  std::vector<std::string> env = BaseEnv();
  env.push_back("AGENTPERF_OPENCODE_DIR=" + drive::OpencodeInstallDir());
  CommandResult r = RunCommand({agentperf::testing::AgentperfBin(), "bench", "plugin", "--pairs", "2", "--warmup", "0",
                                "--steps", "3", "--json", "--work-dir", tmp.Sub("work")},
                               env, "", tmp.Sub("bench"), std::chrono::seconds(400));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  for (int i = 0; i < 2; ++i) {
    JsonDoc pair(lines[static_cast<size_t>(i)]);
    EXPECT_EQ(pair.Num("/pair"), i);
    EXPECT_EQ(pair.Str("/order"), i == 0 ? "AB" : "BA");
    EXPECT_GT(pair.Num("/a_ms").value_or(0), 0);
    EXPECT_GT(pair.Num("/b_ms").value_or(0), 0);
    EXPECT_GT(pair.Num("/ratio").value_or(0), 0);
  }
  JsonDoc sum(lines[2]);
  EXPECT_EQ(sum.Bool("/summary"), true);
  EXPECT_EQ(sum.Num("/pairs"), 2);
  EXPECT_GT(sum.Num("/median_ratio").value_or(0), 0);
  EXPECT_EQ(sum.Num("/plugin/runs"), 2);  // the plugin ran in the two B runs only
  EXPECT_GT(sum.Num("/hooks/event/calls").value_or(0), 20);
  EXPECT_GT(sum.Num("/span_events/calls").value_or(0), 10);
  EXPECT_GT(sum.Num("/plugin/sent").value_or(0), 0);
  EXPECT_EQ(sum.Num("/plugin/errors"), 0);
  EXPECT_EQ(sum.Num("/plugin/dropped"), 0);
  EXPECT_TRUE(sum.Bool("/pass/ratio").has_value());
  EXPECT_TRUE(sum.Bool("/pass/hook").has_value());
  EXPECT_TRUE(std::filesystem::is_empty(tmp.Sub("work"))) << "scratch folder left behind";
  std::printf("%s\n", lines[2].c_str());
}

}  // namespace
}  // namespace agentperf::e2e
