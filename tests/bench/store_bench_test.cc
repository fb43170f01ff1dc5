// Smoke test of `agentperf bench store` (the real binary): a small run with
// agentperf and SQLite (and PostgreSQL when its server binaries are
// installed) must print one parseable JSON line per engine, the ratios and
// the targets, and every SQL engine's answers must agree with agentperf's.
// Speed is never asserted.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "bench/pg_cluster.h"
#include "testing/subprocess.h"

namespace agentperf::bench {
namespace {

TEST(StoreBenchSmoke, EnginesRunAndAnswersMatch) {
  std::string why;
  const bool pg = PgCluster::Available(PgCluster::DefaultBinDir(), &why);
  if (!pg) fmt::print(stderr, "PostgreSQL not part of this run: {}\n", why);
  std::string only = pg ? "agentperf,sqlite,postgres" : "agentperf,sqlite";
  testing::ProcessResult r = testing::RunProcess(
      {testing::AgentperfBin(), "bench", "store", "--events", "20000", "--json", "--only", only, "--warm", "2"}, "",
      {"AGENTPERF_LOG=warn"});
  ASSERT_EQ(r.exit_code, 0) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;

  std::map<std::string, std::string> engines;  // engine -> its line
  bool ratios = false, targets = false;
  std::istringstream lines(r.out);
  std::string line;
  simdjson::dom::parser parser;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;
    std::string_view bench;
    ASSERT_EQ(root["bench"].get_string().get(bench), simdjson::SUCCESS) << line;
    EXPECT_EQ(bench, "store");
    std::string_view engine;
    if (root["engine"].get_string().get(engine) == simdjson::SUCCESS && engine == "agentperf-embedded") {
      engines[std::string(engine)] = line;  // ingest only: events, rate, flush time
      uint64_t events = 0;
      double eps = 0, flush_s = -1;
      EXPECT_EQ(root["events"].get_uint64().get(events), simdjson::SUCCESS) << line;
      EXPECT_EQ(events, 20000u) << line;
      EXPECT_EQ(root["events_per_s"].get_double().get(eps), simdjson::SUCCESS) << line;
      EXPECT_GT(eps, 0) << line;
      EXPECT_EQ(root["flush_s"].get_double().get(flush_s), simdjson::SUCCESS) << line;
      EXPECT_GE(flush_s, 0) << line;
      simdjson::dom::element err;
      EXPECT_NE(root["error"].get(err), simdjson::SUCCESS) << line;
    } else if (root["engine"].get_string().get(engine) == simdjson::SUCCESS) {
      engines[std::string(engine)] = line;
      simdjson::dom::element skipped;
      EXPECT_NE(root["skipped"].get(skipped), simdjson::SUCCESS) << line;
      uint64_t events = 0;
      EXPECT_EQ(root["events"].get_uint64().get(events), simdjson::SUCCESS) << line;
      EXPECT_EQ(events, 20000u) << line;
      double eps = 0, bpe = 0;
      EXPECT_EQ(root["events_per_s"].get_double().get(eps), simdjson::SUCCESS);
      EXPECT_GT(eps, 0) << line;
      EXPECT_EQ(root["bytes_per_event"].get_double().get(bpe), simdjson::SUCCESS);
      EXPECT_GT(bpe, 0) << line;
      for (const char* q : {"a", "b", "c", "d"}) {
        simdjson::dom::element qe;
        ASSERT_EQ(root["queries"][q].get(qe), simdjson::SUCCESS) << q << " in " << line;
        double warm = 0;
        EXPECT_EQ(qe["warm_ms"].get_double().get(warm), simdjson::SUCCESS) << q << " in " << line;
        uint64_t rows = 0;
        EXPECT_EQ(qe["rows"].get_uint64().get(rows), simdjson::SUCCESS);
        EXPECT_GT(rows, 0u) << q << " in " << line;
        if (engine != "agentperf") {
          bool match = false;
          ASSERT_EQ(qe["answers_match"].get_bool().get(match), simdjson::SUCCESS) << q << " in " << line;
          EXPECT_TRUE(match) << engine << " query " << q << ": " << line;
        }
      }
      if (engine == "agentperf") {
        uint64_t rss = 0;
        EXPECT_EQ(root["server_peak_rss_bytes"].get_uint64().get(rss), simdjson::SUCCESS);
        EXPECT_GT(rss, 0u);
      }
    } else if (root["ratios"].is_object()) {
      ratios = true;
      EXPECT_TRUE(root["ratios"]["agentperf_vs_sqlite"].is_object()) << line;
      double emb = 0;
      EXPECT_EQ(root["ratios"]["agentperf_vs_sqlite"]["ingest_speedup_embedded"].get_double().get(emb),
                simdjson::SUCCESS)
          << line;
      EXPECT_GT(emb, 0) << line;
      if (pg) {
        EXPECT_TRUE(root["ratios"]["agentperf_vs_postgres"].is_object()) << line;
      }
    } else if (root["targets"].is_object()) {
      targets = true;
      EXPECT_TRUE(root["targets"]["bytes_per_event_le_24"].is_bool()) << line;
      EXPECT_TRUE(root["targets"]["ingest_ge_5x_sqlite"].is_bool()) << line;
    }
  }
  EXPECT_EQ(engines.count("agentperf"), 1u) << r.out;
  EXPECT_EQ(engines.count("agentperf-embedded"), 1u) << r.out;
  EXPECT_EQ(engines.count("sqlite"), 1u) << r.out;
  if (pg) {
    EXPECT_EQ(engines.count("postgres"), 1u) << r.out;
  }
  EXPECT_TRUE(ratios) << r.out;
  EXPECT_TRUE(targets) << r.out;
}

TEST(StoreBenchSmoke, UsageErrors) {
  auto bad = testing::RunProcess({testing::AgentperfBin(), "bench", "store", "--only", "mysql"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown engine 'mysql'"), std::string::npos) << bad.err;
  auto help = testing::RunProcess({testing::AgentperfBin(), "bench", "store", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* opt : {"--events", "--json", "--only", "--data-dir", "--shared-dir"}) {
    EXPECT_NE(help.out.find(opt), std::string::npos) << opt;
  }
  auto no_shared = testing::RunProcess(
      {testing::AgentperfBin(), "bench", "store", "--events", "10", "--shared-dir", "/nonexistent-shared"});
  EXPECT_EQ(no_shared.exit_code, 1);
  EXPECT_NE(no_shared.err.find("AzureLLMInferenceTrace_conv.csv"), std::string::npos) << no_shared.err;
}

}  // namespace
}  // namespace agentperf::bench
