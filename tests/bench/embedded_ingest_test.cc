// The embedded ingest run of `bench store`: every span ends up stored (and
// flushed), duplicates of a batch are not counted twice, and the scratch
// directory is removed unless kept.
#include "bench/embedded_ingest.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/temp_dir.h"

namespace agentperf::bench {
namespace {

std::vector<Span> MakeSpans(size_t n) {
  static const TokenTrace trace = TokenTrace::FromPairs({{100, 10}, {1020, 250}, {4000, 31}, {7, 900}});
  const int64_t start_us = int64_t{1767225600} * 1000000;
  Workload w(7, start_us, 30.0 * 86400e6 / static_cast<double>(n), &trace);
  std::vector<Span> spans(n);
  for (auto& s : spans) w.Next(&s);
  return spans;
}

TEST(EmbeddedIngestTest, StoresEverySpanAndRemovesItsDirectory) {
  testing::TempDir dir;
  const auto spans = MakeSpans(7000);
  EmbeddedIngestResult r = RunEmbeddedIngest(spans, 1000, 3, dir.Sub("emb"), /*keep=*/false);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.events, 7000u);
  EXPECT_GT(r.events_per_s, 0);
  EXPECT_GE(r.flush_s, 0);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("emb")));
}

TEST(EmbeddedIngestTest, KeepsTheDirectoryWhenAskedAndReportsAShortfall) {
  testing::TempDir dir;
  auto spans = MakeSpans(3000);
  spans[2999] = spans[0];  // a duplicate: the store holds one event fewer than was sent
  EmbeddedIngestResult r = RunEmbeddedIngest(spans, 500, 1, dir.Sub("emb"), /*keep=*/true);
  EXPECT_EQ(r.events, 2999u);
  EXPECT_NE(r.error.find("holds 2999 of 3000"), std::string::npos) << r.error;
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("emb")));
}

}  // namespace
}  // namespace agentperf::bench
