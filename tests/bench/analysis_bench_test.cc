// Smoke test of `agentperf bench analysis` (the real binary): a small run
// prints one parseable JSON line per question (in process and as a
// process), each with its events and timings and no error, then a summary.
// Speed is never asserted.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <sstream>

#include "testing/subprocess.h"

namespace agentperf::bench {
namespace {

TEST(AnalysisBenchSmoke, EveryQuestionAnswers) {
  testing::ProcessResult r = testing::RunProcess(
      {testing::AgentperfBin(), "bench", "analysis", "--events", "20000", "--runs", "1", "--json"}, "",
      {"AGENTPERF_LOG=warn"});
  ASSERT_EQ(r.exit_code, 0) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  std::set<std::string> questions;
  bool summary = false;
  std::istringstream lines(r.out);
  simdjson::dom::parser parser;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;
    std::string_view bench, question;
    ASSERT_EQ(root["bench"].get_string().get(bench), simdjson::SUCCESS) << line;
    EXPECT_EQ(bench, "analysis");
    uint64_t events = 0;
    EXPECT_EQ(root["events"].get_uint64().get(events), simdjson::SUCCESS) << line;
    EXPECT_EQ(events, 20000u) << line;
    simdjson::dom::element err;
    EXPECT_NE(root["error"].get(err), simdjson::SUCCESS) << line;
    if (root["summary"].get(err) == simdjson::SUCCESS) {
      summary = true;
      continue;
    }
    ASSERT_EQ(root["question"].get_string().get(question), simdjson::SUCCESS) << line;
    questions.emplace(question);
    double ms = -1;
    if (question.size() > 4 && question.substr(question.size() - 4) == "_cli") {
      EXPECT_EQ(root["wall_ms"].get_double().get(ms), simdjson::SUCCESS) << line;
      uint64_t rss = 0;
      EXPECT_EQ(root["peak_rss_bytes"].get_uint64().get(rss), simdjson::SUCCESS) << line;
      EXPECT_GT(rss, 0u) << "the child reports its own peak RSS: " << line;
    } else {
      EXPECT_EQ(root["warm_ms"].get_double().get(ms), simdjson::SUCCESS) << line;
      uint64_t bytes = 0;
      EXPECT_EQ(root["answer_bytes"].get_uint64().get(bytes), simdjson::SUCCESS) << line;
      EXPECT_GT(bytes, 100u) << line;
    }
    EXPECT_GT(ms, 0) << line;
  }
  EXPECT_TRUE(summary) << r.out;
  EXPECT_EQ(questions, (std::set<std::string>{"baselines_30d", "baselines_7d", "baselines_24h",
                                              "baselines_agent_tool_30d", "report_30d", "report_7d", "report_30d_cli",
                                              "report_7d_cli", "compare_7d", "compare_24h",
                                              "compare_7d_cli", "compare_24h_cli"}));
}

}  // namespace
}  // namespace agentperf::bench
