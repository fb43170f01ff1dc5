// Format fixtures: small data directories written by earlier versions, kept
// in tests/fixtures/, must still open with every event and the same answers.
//   data-format-1/  a WAL-only directory (data format 1, before segments)
//   data-format-2/  column segment format 1 + manifest format 1 + WAL
// AGENTPERF_UPDATE_FIXTURES=1 regenerates them (only when a format changes
// on purpose, together with a version bump and a note in docs/format/).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "query/spec.h"
#include "store/embedded_store.h"
#include "store/verify.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

namespace fsys = std::filesystem;

fsys::path FixtureDir(const std::string& name) {
  if (const char* src = std::getenv("AGENTPERF_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return fsys::path(src) / "tests" / "fixtures" / name;
  }
  return fsys::path(__FILE__).parent_path().parent_path().parent_path() / "fixtures" / name;
}

std::vector<std::string> Lines(int from, int n) {
  std::vector<std::string> lines;
  const char* agents[] = {"coder", "tester", "planner"};
  for (int i = from; i < from + n; ++i) {
    testing::EventJson e;
    e.Set("span_id", "prt_fixture_" + std::to_string(i)).Set("agent", agents[i % 3]);
    e.Set("start_ms", testing::kBaseMs + i * 1000).Set("duration_ms", static_cast<int64_t>(100 + i * 7 % 900));
    if (i % 4 == 0) e.Set("kind", "tool_call").Set("tool", "bash");
    if (i % 5 == 0) e.Raw("tokens", "{\"input\":" + std::to_string(i * 10) + "}").Set("cost", i * 0.0001);
    lines.push_back(e.Str());
  }
  return lines;
}

void Generate(const fsys::path& out, bool segments) {
  fsys::remove_all(out);
  testing::TempDir tmp;
  {
    EmbeddedStoreOptions o;
    o.data_dir = tmp.Sub("d");
    o.flush_rows = 0;
    auto s = EmbeddedStore::Open(o);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Append(testing::Decode(testing::Ndjson(Lines(0, 300)))).ok());
    if (segments) {
      ASSERT_TRUE((*s)->Flush().ok());
    }
    ASSERT_TRUE((*s)->Append(testing::Decode(testing::Ndjson(Lines(300, 100)))).ok());
  }
  fsys::remove(tmp.Sub("d/LOCK"));
  if (!segments) {
    fsys::remove_all(tmp.Sub("d/segments"));
    std::ofstream(tmp.Sub("d/VERSION"), std::ios::trunc) << "agentperf-data 1\n";
  }
  fsys::create_directories(out.parent_path());
  fsys::copy(tmp.Sub("d"), out, fsys::copy_options::recursive);
}

class FormatFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FormatFixtureTest, StillOpensWithEveryEvent) {
  const fsys::path fixture = FixtureDir(GetParam());
  if (std::getenv("AGENTPERF_UPDATE_FIXTURES")) Generate(fixture, GetParam() != "data-format-1");
  ASSERT_TRUE(fsys::exists(fixture)) << fixture;
  testing::TempDir tmp;
  fsys::copy(fixture, tmp.Sub("d"), fsys::copy_options::recursive);  // opening may upgrade it
  VerifyReport report;
  ASSERT_TRUE(VerifyDataDir(fs::DefaultFileSystem(), tmp.Sub("d"), &report).ok());
  EXPECT_TRUE(report.ok()) << report.ToText();
  EXPECT_EQ(report.events, 400u);

  EmbeddedStoreOptions o;
  o.data_dir = tmp.Sub("d");
  auto s = EmbeddedStore::Open(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->events(), 400u);
  EXPECT_EQ((*s)->segments(), GetParam() == "data-format-1" ? 0u : 1u);
  auto spec = query::ParseQuerySpec(
      R"q({"from":"0","to":"now","group_by":["agent"],"aggregates":["count","sum(duration_ms)","sum(tokens.input)"]})q",
      (testing::kBaseMs + 86400000) * 1000);
  ASSERT_TRUE(spec.ok());
  auto r = (*s)->Query(*spec);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->series.size(), 3u);
  // Expected from the generator: agent i % 3, duration 100 + i*7 % 900, tokens i*10 every 5th.
  for (int a = 0; a < 3; ++a) {
    double count = 0, dur = 0, tok = 0;
    for (int i = a; i < 400; i += 3) {
      ++count;
      dur += 100 + i * 7 % 900;
      if (i % 5 == 0) tok += i * 10;
    }
    const char* names[] = {"coder", "tester", "planner"};
    const query::Series* series = nullptr;
    for (const auto& x : r->series) {
      if (x.labels[0].second == names[a]) series = &x;
    }
    ASSERT_NE(series, nullptr) << names[a];
    const auto& v = series->points.at(0).values;
    EXPECT_EQ(v[0], count);
    EXPECT_EQ(v[1], dur);
    EXPECT_EQ(v[2], tok);
  }
  // The same events again are recognised as stored.
  auto again = (*s)->Append(testing::Decode(testing::Ndjson(Lines(0, 400))));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FormatFixtureTest, ::testing::Values("data-format-1", "data-format-2"),
                         [](const auto& i) { std::string n = i.param; for (char& c : n) if (c == '-') c = '_'; return n; });

}  // namespace
}  // namespace agentperf::store
