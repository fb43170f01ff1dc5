// Segment summaries: written at flush and compaction, equal to a summary
// rebuilt from the segment, deleted with their segment, rebuilt at open when
// missing or damaged, and queries answer the same either way.
#include "store/summary/segment_summary.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/coding.h"
#include "core/crc32c.h"
#include "core/json_writer.h"
#include "query/result.h"
#include "query/spec.h"
#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

namespace fsys = std::filesystem;
using testing::EventJson;

std::string Batch(int from, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* agents[] = {"coder", "tester", "planner"};
  const char* tools[] = {"bash", "read", ""};
  std::vector<std::string> lines;
  for (int i = from; i < from + n; ++i) {
    EventJson e;
    e.Set("kind", i % 3 ? "tool_call" : "llm_call")
        .Set("start_ms", testing::kBaseMs + static_cast<int64_t>(i) * 1700)  // ~5 h for 10k events
        .Set("duration_ms", static_cast<int64_t>(1 + rng() % 60000))
        .Set("agent", agents[rng() % 3])
        .Set("session_id", "ses_" + std::to_string(i / 50))
        .Set("span_id", "prt_" + std::to_string(i));
    if (i % 3 == 0) e.Set("model", "m1").Set("cost", static_cast<double>(rng() % 1000) / 1e4);
    if (std::string(tools[i % 3]).size()) e.Set("tool", tools[i % 3]);
    if (rng() % 20 == 0) e.Set("status", "error");
    lines.push_back(e.Str());
  }
  return testing::Ndjson(lines);
}

std::string Answer(EmbeddedStore* s, const std::string& q) {
  auto spec = query::ParseQuerySpec(q, (testing::kBaseMs + 86400000LL) * 1000);
  EXPECT_TRUE(spec.ok());
  auto r = s->Query(*spec);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? query::QueryResultToJson(*r, false) : "";
}

const char* kQ1 = R"q({"group_by":["agent","tool"],"step":"1h","aggregates":["count","errors","p95(duration_ms)","sum(tokens.input)"]})q";  // exact sums
const char* kQ2 = R"q({"from":"1767225601234","group_by":["agent"],"aggregates":["count","p50(duration_ms)"]})q";

class SummaryTest : public ::testing::Test {
 protected:
  std::unique_ptr<EmbeddedStore> Open(uint64_t flush_rows = 0) {
    EmbeddedStoreOptions o;
    o.data_dir = dir_.path();
    o.flush_rows = flush_rows;
    auto s = EmbeddedStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::vector<std::string> SumFiles() {
    std::vector<std::string> out;
    for (const auto& e : fsys::directory_iterator(SegmentsDir(dir_.path()))) {
      if (e.path().extension() == ".sum") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  testing::TempDir dir_;
};

TEST_F(SummaryTest, FlushWritesASummaryEqualToOneRebuiltFromTheSegment) {
  auto s = Open();
  ASSERT_TRUE(s->Append(testing::Decode(Batch(0, 10000, 1))).ok());
  ASSERT_TRUE(s->Flush().ok());
  auto files = SumFiles();
  ASSERT_EQ(files.size(), 1u);
  const std::string segdir = SegmentsDir(dir_.path());
  uint64_t no = 0;
  ASSERT_TRUE(ParseSummaryFileName(fsys::path(files[0]).filename().string(), &no));
  auto reader = segment::SegmentReader::Open(fs::DefaultFileSystem(), fs::JoinPath(segdir, segment::SegmentFileName(no)), no);
  ASSERT_TRUE(reader.ok());
  auto read = ReadSummary(fs::DefaultFileSystem(), segdir, **reader);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  auto built = BuildSummary(**reader);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ((*read)->rows, 10000u);
  EXPECT_TRUE((*read)->rollup.Equivalent((*built)->rollup));
  EXPECT_GT((*read)->rollup.cells().size(), 10u);
  // Hour cells sorted for range reads; the day rollup equals one built from the rows at day resolution.
  EXPECT_TRUE((*read)->rollup.sorted());
  EXPECT_TRUE((*read)->day.sorted());
  query::Rollup day(kSegmentDayRollupUs);
  segment::ColumnSet cols;
  cols.set();
  segment::BlockBuffer buf;
  query::ColumnBlock block;
  for (size_t i = 0; i < (*reader)->footer().blocks.size(); ++i) {
    ASSERT_TRUE((*reader)->ReadBlock(i, cols, &buf, &block).ok());
    day.AddRows(block, 0, block.rows);
  }
  EXPECT_TRUE((*read)->day.Equivalent(day));
  EXPECT_TRUE((*built)->day.Equivalent(day));
  EXPECT_LT((*read)->day.cells().size(), (*read)->rollup.cells().size());
}

TEST_F(SummaryTest, MissingOrDamagedSummariesAreRebuiltAndAnswersStayTheSame) {
  std::string a1, a2;
  {
    auto s = Open();
    ASSERT_TRUE(s->Append(testing::Decode(Batch(0, 6000, 2))).ok());
    ASSERT_TRUE(s->Flush().ok());
    ASSERT_TRUE(s->Append(testing::Decode(Batch(6000, 6000, 3))).ok());
    ASSERT_TRUE(s->Flush().ok());
    a1 = Answer(s.get(), kQ1);
    a2 = Answer(s.get(), kQ2);
  }
  auto files = SumFiles();
  ASSERT_EQ(files.size(), 2u);
  fsys::remove(files[0]);
  {  // one byte flipped in the middle of the other
    std::fstream f(files[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fsys::file_size(files[1]) / 2));
    f.put('\x5a');
  }
  std::ofstream(fs::JoinPath(SegmentsDir(dir_.path()), "00000000000000ff.sum")) << "orphan";
  auto s = Open();
  EXPECT_EQ(Answer(s.get(), kQ1), a1);
  EXPECT_EQ(Answer(s.get(), kQ2), a2);
  EXPECT_EQ(SumFiles(), files);  // both rebuilt, the orphan removed
  s.reset();
  s = Open();
  auto sum_of = [&](const std::string& path) {
    uint64_t no = 0;
    EXPECT_TRUE(ParseSummaryFileName(fsys::path(path).filename().string(), &no));
    auto r = segment::SegmentReader::Open(fs::DefaultFileSystem(),
                                          fs::JoinPath(SegmentsDir(dir_.path()), segment::SegmentFileName(no)), no);
    EXPECT_TRUE(r.ok());
    return ReadSummary(fs::DefaultFileSystem(), SegmentsDir(dir_.path()), **r).ok();
  };
  EXPECT_TRUE(sum_of(files[0]));
  EXPECT_TRUE(sum_of(files[1]));
}

TEST_F(SummaryTest, CompactionMergesSummariesAndRemovesTheInputs) {
  auto s = Open();
  for (int k = 0; k < 4; ++k) {
    ASSERT_TRUE(s->Append(testing::Decode(Batch(k * 2500, 2500, 10 + k))).ok());
    ASSERT_TRUE(s->Flush().ok());
  }
  const std::string before = Answer(s.get(), kQ1);
  ASSERT_EQ(SumFiles().size(), 4u);
  ASSERT_TRUE(s->Compact().ok());
  ASSERT_LT(s->segments(), 4u);
  EXPECT_EQ(SumFiles().size(), s->segments());
  EXPECT_EQ(Answer(s.get(), kQ1), before);
}

}  // namespace
}  // namespace agentperf::store

namespace agentperf::store {
namespace {

// The same bytes under an older version's magic (a valid checksum).
std::string WithMagic(const std::string& file, const std::string& magic) {
  std::string out = magic + file.substr(8, file.size() - 8 - 4);
  coding::PutFixed32(&out, crc32c::Value(out));
  return out;
}

TEST(SummaryVersions, PartsAndOlderVersionsAreRebuiltWithTheSameAnswers) {
  testing::TempDir dir;
  EmbeddedStoreOptions o;
  o.data_dir = dir.path();
  o.flush_rows = 0;
  std::string answer;
  const std::string q = R"J({"group_by":["agent"],"aggregates":["count","p95(duration_ms)"],"step":"1d"})J";
  {
    auto s = EmbeddedStore::Open(o);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Append(testing::Decode(Batch(0, 5000, 7))).ok());
    ASSERT_TRUE((*s)->Flush().ok());
    answer = query::QueryResultToJson(*(*s)->Query(*query::ParseQuerySpec(q, 0)), false);
  }
  const std::string segdir = SegmentsDir(dir.path());
  std::string sum_path;
  for (const auto& e : std::filesystem::directory_iterator(segdir)) {
    if (e.path().extension() == ".sum") sum_path = e.path().string();
  }
  ASSERT_FALSE(sum_path.empty());
  std::string v2;
  ASSERT_TRUE(fs::ReadFileToString(fs::DefaultFileSystem(), sum_path, &v2).ok());
  ASSERT_EQ(v2.substr(0, 8), "APSUMRY3");
  uint64_t no = 0;
  ASSERT_TRUE(ParseSummaryFileName(std::filesystem::path(sum_path).filename().string(), &no));
  auto reader = segment::SegmentReader::Open(fs::DefaultFileSystem(), fs::JoinPath(segdir, segment::SegmentFileName(no)), no);
  ASSERT_TRUE(reader.ok());
  // Parts: days only (no hour cells decoded), hours only, both.
  auto all = ReadSummary(fs::DefaultFileSystem(), segdir, **reader, SummaryParts::kAll);
  auto days = ReadSummary(fs::DefaultFileSystem(), segdir, **reader, SummaryParts::kDays);
  auto hours = ReadSummary(fs::DefaultFileSystem(), segdir, **reader, SummaryParts::kHours);
  ASSERT_TRUE(all.ok() && days.ok() && hours.ok());
  EXPECT_TRUE((*days)->day.Equivalent((*all)->day));
  EXPECT_EQ((*days)->rollup.events(), 0u);
  EXPECT_TRUE((*hours)->rollup.Equivalent((*all)->rollup));
  EXPECT_EQ((*hours)->day.events(), 0u);

  std::ofstream(sum_path, std::ios::binary | std::ios::trunc) << WithMagic(v2, "APSUMRY2");
  auto old = ReadSummary(fs::DefaultFileSystem(), segdir, **reader, SummaryParts::kDays);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("older summary format (APSUMRY2)"), std::string::npos) << old.status().ToString();
  {
    auto s = EmbeddedStore::Open(o);  // rebuilds the file
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(query::QueryResultToJson(*(*s)->Query(*query::ParseQuerySpec(q, 0)), false), answer);
  }
  std::string upgraded;
  ASSERT_TRUE(fs::ReadFileToString(fs::DefaultFileSystem(), sum_path, &upgraded).ok());
  EXPECT_EQ(upgraded, v2);
}

}  // namespace
}  // namespace agentperf::store
