// `agentperf inspect` (store::InspectDataDir): the parts of a data directory
// add up to its size, every column and the id filter of the segments are
// accounted for with the codecs chosen, and files outside the segments are
// listed by group.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/embedded_store.h"
#include "store/verify.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

TEST(SizeReportTest, PartsAddUpAndNameTheCodecs) {
  testing::TempDir dir;
  std::vector<std::string> lines;
  for (int i = 0; i < 3000; ++i) {
    testing::EventJson e;
    e.Set("kind", i % 2 ? "tool_call" : "llm_call").Set("span_id", "prt_" + std::to_string(i));
    e.Set("start_ms", testing::kBaseMs + i * 250).Set("duration_ms", static_cast<int64_t>(100 + i * 37 % 5000));
    e.Set("agent", i % 3 ? "coder" : "tester");
    if (i % 2 == 0) e.Raw("tokens", "{\"input\":" + std::to_string(i * 13 % 9000) + "}");
    lines.push_back(e.Str());
  }
  {
    EmbeddedStoreOptions o;
    o.data_dir = dir.Sub("d");
    o.flush_rows = 0;
    auto s = EmbeddedStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE((*s)->Append(testing::Decode(testing::Ndjson(std::vector<std::string>(lines.begin(), lines.begin() + 2000)))).ok());
    ASSERT_TRUE((*s)->Flush().ok());
    ASSERT_TRUE((*s)->Append(testing::Decode(testing::Ndjson(std::vector<std::string>(lines.begin() + 2000, lines.end())))).ok());
  }
  SizeReport r;
  ASSERT_TRUE(InspectDataDir(fs::DefaultFileSystem(), dir.Sub("d"), &r).ok());
  EXPECT_EQ(r.segments, 1u);
  EXPECT_EQ(r.segment_rows, 2000u);
  uint64_t sum = 0, columns = 0;
  bool wal = false, filter = false, dur = false;
  for (const SizePart& p : r.parts) {
    sum += p.bytes;
    columns += p.group == "column";
    if (p.group == "file" && p.name == "wal/*.wal") wal = p.bytes > 0;  // the 1000 unflushed events
    if (p.group == "segment" && p.name == "id_filter") filter = p.bytes > 0;
    if (p.group == "column" && p.name == "dur_us") {
      dur = true;
      uint64_t chunks = 0;
      for (const auto& [codec, k] : p.codecs) chunks += k;
      EXPECT_EQ(chunks, 1u);  // one block
      EXPECT_EQ(p.values, 2000u);
    }
    if (p.group == "segment" && p.name == "unaccounted") {
      EXPECT_EQ(p.bytes, 0u);
    }
  }
  EXPECT_EQ(sum, r.total_bytes);
  EXPECT_EQ(columns, 27u);
  EXPECT_TRUE(wal);
  EXPECT_TRUE(filter);
  EXPECT_TRUE(dur);
  const std::string json = r.ToJson();
  for (const char* key : {"\"columns\"", "\"dictionaries\"", "\"sections\"", "\"files\"", "\"tokens.input\"", "\"codecs\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key;
  }
  EXPECT_NE(r.ToText().find("id_filter"), std::string::npos);
  EXPECT_EQ(InspectDataDir(fs::DefaultFileSystem(), dir.Sub("missing"), &r).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace agentperf::store
