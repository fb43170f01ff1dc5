// ScanStoredEvents: every stored event read back whole (fields, attributes,
// ids) from segments and from the unflushed WAL, once each, with filters;
// while the store is open (no lock taken).
#include "store/event_scan.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "event/json_encoder.h"
#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace agentperf::store {
namespace {

using testing::EventJson;

// NDJSON of n varied events (every third an error, attrs on some, a few kinds).
std::string Events(int from, int n) {
  std::vector<std::string> lines;
  const char* kinds[] = {"llm_call", "tool_call", "turn", "session"};
  for (int i = from; i < from + n; ++i) {
    EventJson e;
    e.Set("kind", kinds[i % 4])
        .Set("span_id", fmt::format("sp{}", i))
        .Set("session_id", fmt::format("ses_{}", i % 5))
        .Set("start_ms", testing::kBaseMs + int64_t{i} * 1000)
        .Set("agent", i % 2 ? "coder" : "tester")
        .Set("cost", 0.001 * i);
    if (i % 3 == 0) e.Set("status", "error").Set("error_class", "tool_error");
    if (i % 2 == 0) e.Raw("tokens", fmt::format(R"({{"input":{},"cache_read":7}})", i));
    if (i % 5 == 0) e.Raw("attrs", fmt::format(R"({{"finish":"stop","n":{},"ok":false}})", i));
    lines.push_back(e.Str());
  }
  return testing::Ndjson(lines);
}

std::map<std::string, std::string> Json(const event::EventBatch& b,
                                        std::map<std::string, std::string>* into = nullptr) {
  std::map<std::string, std::string> out;
  auto& m = into ? *into : out;
  for (const auto& e : b.events) {
    std::string j;
    event::EncodeEventJson(e, b.AttrsOf(e), &j);
    EXPECT_TRUE(m.emplace(e.id.ToHex(), j).second) << "delivered twice: " << j;
  }
  return out;
}

std::map<std::string, std::string> ScanAll(const std::string& dir, const ScanFilter& f = {},
                                           ScanStats* stats = nullptr) {
  std::map<std::string, std::string> got;
  ScanStats s;
  Status st = ScanStoredEvents(
      fs::DefaultFileSystem(), dir, f,
      [&](const event::EventBatch& b) {
        Json(b, &got);
        return Status::OK();
      },
      &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (stats) *stats = s;
  return got;
}

TEST(EventScan, ReadsSegmentsAndTheUnflushedWalWhole) {
  agentperf::testing::TempDir dir;
  EmbeddedStoreOptions o;
  o.data_dir = dir.path();
  o.flush_rows = 0;  // flush only when asked
  auto store = EmbeddedStore::Open(o);
  ASSERT_TRUE(store.ok());
  event::EventBatch a = testing::Decode(Events(0, 300));
  event::EventBatch b = testing::Decode(Events(300, 50));
  std::map<std::string, std::string> want;
  Json(a, &want);
  Json(b, &want);
  ASSERT_TRUE((*store)->Append(testing::Decode(Events(0, 300))).ok());
  ASSERT_TRUE((*store)->Flush().ok());                                   // these 300 in a segment
  ASSERT_TRUE((*store)->Append(testing::Decode(Events(300, 50))).ok());  // these in the WAL and head
  // A resend of old events: stored once, and scanned once.
  ASSERT_TRUE((*store)->Append(testing::Decode(Events(290, 20))).ok());
  ScanStats stats;
  auto got = ScanAll(dir.path(), {}, &stats);  // the store is still open
  EXPECT_EQ(got, want);
  EXPECT_EQ(stats.segments, 1u);
  EXPECT_GE(stats.wal_records, 1u);
  EXPECT_EQ(stats.events, 350u);
  // After a flush of the rest, the same events come from segments only.
  ASSERT_TRUE((*store)->Flush().ok());
  store->reset();
  EXPECT_EQ(ScanAll(dir.path(), {}, &stats), want);
  EXPECT_EQ(stats.segments, 2u);
}

TEST(EventScan, FiltersByTimeAndKind) {
  agentperf::testing::TempDir dir;
  EmbeddedStoreOptions o;
  o.data_dir = dir.path();
  o.flush_rows = 0;
  auto store = EmbeddedStore::Open(o);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Append(testing::Decode(Events(0, 100))).ok());
  ASSERT_TRUE((*store)->Flush().ok());
  ASSERT_TRUE((*store)->Append(testing::Decode(Events(100, 100))).ok());
  ScanFilter f;
  f.from_us = (testing::kBaseMs + 50 * 1000) * 1000;
  f.to_us = (testing::kBaseMs + 150 * 1000) * 1000;  // i in [50, 150): half in the segment, half in the WAL
  f.kinds = {event::SpanKind::kToolCall};
  auto got = ScanAll(dir.path(), f);
  EXPECT_EQ(got.size(), 25u);  // i % 4 == 1
  for (const auto& [id, j] : got) EXPECT_NE(j.find("\"kind\":\"tool_call\""), std::string::npos);
}

TEST(EventScan, SamplesBlocksWithLabelsOnly) {
  agentperf::testing::TempDir dir;
  EmbeddedStoreOptions o;
  o.data_dir = dir.path();
  o.flush_rows = 0;
  auto store = EmbeddedStore::Open(o);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Append(testing::Decode(Events(0, 40000))).ok());
  ASSERT_TRUE((*store)->Flush().ok());  // one segment of 3 blocks: 16384, 16384, 7232 rows
  ScanFilter f;
  f.block_stride = 2;  // blocks 0 and 2
  f.ids = false;
  f.labels_only = true;
  uint64_t n = 0;
  ScanStats stats;
  Status st = ScanStoredEvents(
      fs::DefaultFileSystem(), dir.path(), f,
      [&](const event::EventBatch& b) {
        for (const event::Event& e : b.events) {
          ++n;
          EXPECT_TRUE(e.Str(event::StrField::kAgent) == "coder" || e.Str(event::StrField::kAgent) == "tester");
          EXPECT_TRUE(e.Str(event::StrField::kSessionId).empty());  // not read
          EXPECT_TRUE(std::isnan(e.Float(event::FloatField::kCost)));
          EXPECT_EQ(e.attr_count, 0u);
          EXPECT_EQ(e.id, Hash128{});
        }
        return Status::OK();
      },
      &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(n, 16384u + 7232u);
  EXPECT_EQ(stats.events, n);
}

TEST(EventScan, MissingDirectoryIsNotFound) {
  agentperf::testing::TempDir dir;
  ScanStats stats;
  Status st = ScanStoredEvents(
      fs::DefaultFileSystem(), dir.Sub("none"), {}, [](const event::EventBatch&) { return Status::OK(); }, &stats);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace agentperf::store
