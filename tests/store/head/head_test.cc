// Tests for the Head: columnar rows, deduplication by event id, keep masks,
// block scans with time pruning, and a reader scanning while a writer applies.
#include "store/head/head.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/ingest_backpressure.h"
#include "event/codec.h"
#include "testing/events.h"

namespace agentperf::store {
namespace {

using event::EventBatch;
using event::StrField;

constexpr int64_t kT0 = testing::kBaseMs * 1000;

event::Event& Add(EventBatch* b, uint64_t id, int64_t start_us, std::string_view agent = "coder",
                  std::string_view span = {}) {
  event::Event e;
  e.id = Hash128{id, 0xabcdef};
  e.kind = event::SpanKind::kToolCall;
  e.status = event::SpanStatus::kOk;
  e.start_us = start_us;
  e.end_us = start_us + 500;
  if (!agent.empty()) e.str[static_cast<int>(StrField::kAgent)] = b->arena.Copy(agent);
  std::string sp = span.empty() ? "span-" + std::to_string(id) : std::string(span);
  e.str[static_cast<int>(StrField::kSpanId)] = b->arena.Copy(sp);
  b->events.push_back(e);
  return b->events.back();
}

Hash128 IdOf(uint64_t id) { return Hash128{id, 0xabcdef}; }

// Rows visible through ScanBlocks over all time, by id.
std::vector<uint64_t> ScannedIds(const Head& h, int64_t from = INT64_MIN, int64_t to = INT64_MAX) {
  std::vector<uint64_t> ids;
  h.ScanBlocks(from, to, [&](const query::ColumnBlock& b) {
    for (size_t r = 0; r < b.rows; ++r) ids.push_back(h.IdAt(b.first_row + r).lo);
  });
  return ids;
}

TEST(HeadTest, EmptyHead) {
  Head h;
  EXPECT_EQ(h.rows(), 0u);
  EXPECT_FALSE(h.Contains(IdOf(1)));
  int blocks = 0;
  h.ScanBlocks(INT64_MIN, INT64_MAX, [&](const query::ColumnBlock&) { ++blocks; });
  EXPECT_EQ(blocks, 0);
  EXPECT_EQ(h.FindCode(StrField::kAgent, "coder"), 0u);
  EXPECT_GT(h.MemoryBytes(), 0u);
}

// An empty head is small (chunk directories, not tables of every possible
// chunk), and every head reports its memory to the ingest backpressure.
TEST(HeadTest, MemoryIsSmallWhenEmptyAndReported) {
  const auto s0 = backpressure::GetStats();
  uint64_t after_apply = 0;
  {
    Head h;
    EXPECT_LT(h.MemoryBytes(), size_t{1} << 20);
    auto s1 = backpressure::GetStats();
    EXPECT_EQ(s1.holders, s0.holders + 1);
    EXPECT_EQ(s1.bytes, s0.bytes + h.MemoryBytes());
    EventBatch b;
    for (uint64_t i = 1; i <= 3 * kChunkRows; ++i) Add(&b, i, kT0 + static_cast<int64_t>(i));
    h.Apply(b);
    after_apply = h.MemoryBytes();
    EXPECT_GT(after_apply, 3 * kChunkRows * 40);
    EXPECT_EQ(backpressure::GetStats().bytes, s0.bytes + after_apply);
    EXPECT_EQ(ScannedIds(h).size(), 3 * kChunkRows);
  }
  auto s2 = backpressure::GetStats();
  EXPECT_EQ(s2.holders, s0.holders);
  EXPECT_EQ(s2.bytes, s0.bytes);
}

TEST(HeadTest, ApplyStoresEveryColumn) {
  Head h;
  EventBatch b = testing::Decode(testing::Ndjson({
      testing::EventJson()
          .Set("id", "e1")
          .Set("kind", "tool_call")
          .Set("status", "error")
          .Set("tool", "bash")
          .Set("error_class", "timeout")
          .Raw("tokens", R"({"input": 12, "output": 3})")
          .Set("cost", 0.25)
          .Raw("attrs", R"({"exit_code": 2, "cmd": "ls"})")
          .Str(),
      testing::EventJson().Set("id", "e2").Set("agent", "reviewer").Set("duration_ms", 40).Str(),
  }));
  ASSERT_EQ(b.size(), 2u);
  ApplyResult r = h.Apply(b);
  EXPECT_EQ(r.added, 2u);
  EXPECT_EQ(r.duplicates, 0u);
  ASSERT_EQ(h.rows(), 2u);
  EXPECT_EQ(h.IdAt(0), b.events[0].id);
  EXPECT_EQ(h.IdAt(1), b.events[1].id);
  EXPECT_TRUE(h.Contains(b.events[0].id));
  EXPECT_EQ(h.min_start_us(), b.events[0].start_us);
  EXPECT_EQ(h.max_start_us(), b.events[1].start_us);

  int blocks = 0;
  h.ScanBlocks(INT64_MIN, INT64_MAX, [&](const query::ColumnBlock& blk) {
    ++blocks;
    ASSERT_EQ(blk.rows, 2u);
    EXPECT_EQ(blk.first_row, 0u);
    EXPECT_EQ(blk.start_us[0], b.events[0].start_us);
    EXPECT_EQ(blk.dur_us[0], b.events[0].duration_us());
    EXPECT_EQ(blk.dur_us[1], 40000);
    EXPECT_EQ(blk.kind[0], static_cast<uint8_t>(event::SpanKind::kToolCall));
    EXPECT_EQ(blk.status[0], static_cast<uint8_t>(event::SpanStatus::kError));
    auto str = [&](StrField f, size_t row) {
      return std::string(blk.dicts[static_cast<int>(f)]->Lookup(blk.str[static_cast<int>(f)][row]));
    };
    EXPECT_EQ(str(StrField::kTool, 0), "bash");
    EXPECT_EQ(str(StrField::kTool, 1), "");  // absent
    EXPECT_EQ(blk.str[static_cast<int>(StrField::kTool)][1], 0u);
    EXPECT_EQ(str(StrField::kErrorClass, 0), "timeout");
    EXPECT_EQ(str(StrField::kAgent, 0), "coder");
    EXPECT_EQ(str(StrField::kAgent, 1), "reviewer");
    EXPECT_EQ(str(StrField::kSessionId, 1), "s1");
    EXPECT_EQ(blk.ints[static_cast<int>(event::IntField::kTokensInput)][0], 12);
    EXPECT_EQ(blk.ints[static_cast<int>(event::IntField::kTokensOutput)][0], 3);
    EXPECT_EQ(blk.ints[static_cast<int>(event::IntField::kTokensInput)][1], event::kAbsentInt);
    EXPECT_EQ(blk.ints[static_cast<int>(event::IntField::kRssBytes)][0], event::kAbsentInt);
    EXPECT_DOUBLE_EQ(blk.floats[static_cast<int>(event::FloatField::kCost)][0], 0.25);
    EXPECT_TRUE(std::isnan(blk.floats[static_cast<int>(event::FloatField::kCost)][1]));
    EXPECT_TRUE(std::isnan(blk.floats[static_cast<int>(event::FloatField::kCpuSeconds)][0]));
  });
  EXPECT_EQ(blocks, 1);
  EXPECT_EQ(h.FindCode(StrField::kAgent, "reviewer"), 2u);
  EXPECT_EQ(h.FindCode(StrField::kAgent, "nobody"), 0u);
  EXPECT_EQ(h.dict(StrField::kAgent).size(), 3u);

  // Attributes round-trip through the blob; an event without any has none.
  std::vector<event::Attr> attrs;
  ASSERT_TRUE(event::DecodeAttrs(h.AttrBlobAt(0), &attrs).ok());
  ASSERT_EQ(attrs.size(), 2u);
  std::set<std::string> keys;
  for (const auto& a : attrs) keys.insert(std::string(a.key));
  EXPECT_EQ(keys, (std::set<std::string>{"cmd", "exit_code"}));
  EXPECT_TRUE(h.AttrBlobAt(1).empty());
}

TEST(HeadTest, FindCodeFindsEveryStoredValue) {
  Head h;
  EventBatch b;
  for (uint64_t i = 1; i <= 64; ++i) Add(&b, i, kT0, "agent-" + std::to_string(i), "span-" + std::to_string(i % 7));
  ASSERT_EQ(h.Apply(b).added, 64u);
  for (uint64_t i = 1; i <= 64; ++i) {
    std::string agent = "agent-" + std::to_string(i);
    uint32_t code = h.FindCode(StrField::kAgent, agent);
    EXPECT_NE(code, 0u) << agent;
    EXPECT_EQ(h.dict(StrField::kAgent).Get(code), agent);
  }
  for (int i = 0; i < 7; ++i) EXPECT_NE(h.FindCode(StrField::kSpanId, "span-" + std::to_string(i)), 0u) << i;
  EXPECT_EQ(h.FindCode(StrField::kAgent, "agent-65"), 0u);
  EXPECT_EQ(h.FindCode(StrField::kAgent, ""), 0u);
}

TEST(HeadTest, DeduplicatesWithinABatch) {
  Head h;
  EventBatch b;
  Add(&b, 1, kT0, "first");
  Add(&b, 2, kT0 + 1);
  Add(&b, 1, kT0 + 2, "second");  // same id: dropped, the first copy wins
  Add(&b, 3, kT0 + 3);
  Add(&b, 2, kT0 + 4);
  Add(&b, 2, kT0 + 5);
  ApplyResult r = h.Apply(b);
  EXPECT_EQ(r.added, 3u);
  EXPECT_EQ(r.duplicates, 3u);
  ASSERT_EQ(h.rows(), 3u);
  EXPECT_EQ(ScannedIds(h), (std::vector<uint64_t>{1, 2, 3}));
  h.ScanBlocks(INT64_MIN, INT64_MAX, [&](const query::ColumnBlock& blk) {
    EXPECT_EQ(blk.start_us[0], kT0);
    EXPECT_EQ(blk.dicts[static_cast<int>(StrField::kAgent)]->Lookup(blk.str[static_cast<int>(StrField::kAgent)][0]),
              "first");
  });
}

TEST(HeadTest, DeduplicatesAcrossBatches) {
  Head h;
  EventBatch b1;
  for (uint64_t i = 1; i <= 100; ++i) Add(&b1, i, kT0 + static_cast<int64_t>(i));
  EXPECT_EQ(h.Apply(b1).added, 100u);
  ApplyResult again = h.Apply(b1);
  EXPECT_EQ(again.added, 0u);
  EXPECT_EQ(again.duplicates, 100u);
  EventBatch b2;
  for (uint64_t i = 50; i <= 150; ++i) Add(&b2, i, kT0 + static_cast<int64_t>(i));
  ApplyResult r = h.Apply(b2);
  EXPECT_EQ(r.added, 50u);
  EXPECT_EQ(r.duplicates, 51u);
  EXPECT_EQ(h.rows(), 150u);
  auto ids = ScannedIds(h);
  EXPECT_EQ(std::set<uint64_t>(ids.begin(), ids.end()).size(), 150u);
  for (uint64_t i = 1; i <= 150; ++i) EXPECT_TRUE(h.Contains(IdOf(i))) << i;
  EXPECT_FALSE(h.Contains(IdOf(151)));
  // Same low half, different high half: a different event.
  EXPECT_FALSE(h.Contains(Hash128{1, 0}));
}

TEST(HeadTest, ManyIdsAcrossIndexGrowth) {
  Head h;
  constexpr uint64_t kBatches = 20, kPer = 5000;
  for (uint64_t bn = 0; bn < kBatches; ++bn) {
    EventBatch b;
    for (uint64_t i = 0; i < kPer; ++i) Add(&b, 1 + bn * kPer + i, kT0 + static_cast<int64_t>(i), "a", "s");
    ApplyResult r = h.Apply(b);
    ASSERT_EQ(r.added, kPer);
    ASSERT_EQ(r.duplicates, 0u);
  }
  EXPECT_EQ(h.rows(), kBatches * kPer);
  // Re-applying everything adds nothing.
  uint64_t dups = 0;
  for (uint64_t bn = 0; bn < kBatches; ++bn) {
    EventBatch b;
    for (uint64_t i = 0; i < kPer; ++i) Add(&b, 1 + bn * kPer + i, kT0, "a", "s");
    dups += h.Apply(b).duplicates;
  }
  EXPECT_EQ(dups, kBatches * kPer);
  EXPECT_EQ(h.rows(), kBatches * kPer);
  for (uint64_t row = 0; row < h.rows(); row += 997) EXPECT_EQ(h.IdAt(row).lo, row + 1);
}

TEST(HeadTest, KeepMaskSkipsEventsButKeepsStringCodesRight) {
  Head h;
  EventBatch b;
  Add(&b, 1, kT0, "alpha");
  Add(&b, 2, kT0 + 1, "alpha");  // same agent as a skipped event
  Add(&b, 3, kT0 + 2, "beta");
  Add(&b, 4, kT0 + 3, "beta");
  std::vector<bool> keep = {false, true, false, true};
  ApplyResult r = h.Apply(b, &keep);
  EXPECT_EQ(r.added, 2u);
  EXPECT_EQ(r.duplicates, 0u);  // skipped events are not duplicates
  EXPECT_FALSE(h.Contains(IdOf(1)));
  EXPECT_FALSE(h.Contains(IdOf(3)));
  EXPECT_TRUE(h.Contains(IdOf(2)));
  std::vector<std::string> agents;
  h.ScanBlocks(INT64_MIN, INT64_MAX, [&](const query::ColumnBlock& blk) {
    for (size_t i = 0; i < blk.rows; ++i) {
      agents.emplace_back(
          blk.dicts[static_cast<int>(StrField::kAgent)]->Lookup(blk.str[static_cast<int>(StrField::kAgent)][i]));
    }
  });
  EXPECT_EQ(agents, (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(ScannedIds(h), (std::vector<uint64_t>{2, 4}));
  // A skipped event can be stored later.
  EventBatch later;
  Add(&later, 1, kT0, "alpha");
  EXPECT_EQ(h.Apply(later).added, 1u);
}

TEST(HeadTest, MarkStored) {
  Head h;
  EventBatch stored;
  Add(&stored, 1, kT0);
  Add(&stored, 2, kT0);
  h.Apply(stored);
  EventBatch b;
  Add(&b, 1, kT0);
  Add(&b, 5, kT0);
  Add(&b, 2, kT0);
  Add(&b, 6, kT0);
  std::vector<bool> keep = {true, true, false, true};  // index 2 already excluded
  EXPECT_EQ(h.MarkStored(b, &keep), 1u);
  EXPECT_EQ(keep, (std::vector<bool>{false, true, false, true}));
  std::vector<bool> all(4, true);
  EXPECT_EQ(h.MarkStored(b, &all), 2u);
  EXPECT_EQ(all, (std::vector<bool>{false, true, false, true}));
  ApplyResult r = h.Apply(b, &all);
  EXPECT_EQ(r.added, 2u);
  EXPECT_EQ(h.rows(), 4u);
}

TEST(HeadTest, ScanBlocksPrunesByStartTime) {
  Head h;
  // Block c holds start times [c * 1e9, c * 1e9 + kChunkRows).
  constexpr int kBlocks = 3;
  const int64_t span = 1000000000;
  uint64_t id = 1;
  for (int c = 0; c < kBlocks; ++c) {
    EventBatch b;
    for (size_t i = 0; i < kChunkRows; ++i) Add(&b, id++, kT0 + c * span + static_cast<int64_t>(i), "a", "s");
    ASSERT_EQ(h.Apply(b).added, kChunkRows);
  }
  EventBatch tail;
  Add(&tail, id++, kT0 + kBlocks * span, "a", "s");  // a partial fourth block
  h.Apply(tail);
  ASSERT_EQ(h.rows(), kBlocks * kChunkRows + 1);

  auto blocks_for = [&](int64_t from, int64_t to) {
    std::vector<uint64_t> firsts;
    uint64_t rows = 0;
    h.ScanBlocks(from, to, [&](const query::ColumnBlock& b) {
      firsts.push_back(b.first_row);
      rows += b.rows;
      EXPECT_LE(b.min_start_us, b.max_start_us);
      EXPECT_GE(b.max_start_us, from);
      EXPECT_LT(b.min_start_us, to);
    });
    firsts.push_back(rows);  // last element: total rows
    return firsts;
  };
  EXPECT_EQ(blocks_for(INT64_MIN, INT64_MAX),
            (std::vector<uint64_t>{0, kChunkRows, 2 * kChunkRows, 3 * kChunkRows, 3 * kChunkRows + 1}));
  // Only block 1.
  EXPECT_EQ(blocks_for(kT0 + span + 10, kT0 + span + 20), (std::vector<uint64_t>{kChunkRows, kChunkRows}));
  // [from, to): a block whose minimum equals `to` is excluded; one whose maximum equals `from` is included.
  EXPECT_EQ(blocks_for(kT0 + span - 1 + static_cast<int64_t>(kChunkRows), kT0 + 2 * span),
            (std::vector<uint64_t>{kChunkRows, kChunkRows}));
  EXPECT_EQ(blocks_for(kT0 + 2 * span - 5, kT0 + 2 * span + 1),
            (std::vector<uint64_t>{2 * kChunkRows, kChunkRows}));
  // Nothing in range.
  EXPECT_EQ(blocks_for(kT0 - 100, kT0), (std::vector<uint64_t>{0}));
  EXPECT_EQ(blocks_for(kT0 + 10 * span, INT64_MAX), (std::vector<uint64_t>{0}));
  // The partial last block.
  EXPECT_EQ(blocks_for(kT0 + kBlocks * span, INT64_MAX), (std::vector<uint64_t>{3 * kChunkRows, 1}));
}

TEST(HeadTest, ReaderScanningWhileWriterApplies) {
  // Each batch: kBatch events with non-zero ids, tokens.input = 1, an agent and
  // a duration of 500. A reader repeatedly scans and checks that every row it
  // sees is fully written and that batches appear whole.
  Head h;
  constexpr uint64_t kBatches = 120, kBatch = 700;  // > 5 chunks
  std::atomic<bool> writer_done{false};
  std::atomic<uint64_t> scans{0};
  std::thread reader([&] {
    uint64_t last_count = 0;
    for (;;) {
      const bool final_pass = writer_done.load(std::memory_order_acquire);
      uint64_t count = 0, token_sum = 0, bad = 0;
      h.ScanBlocks(INT64_MIN, INT64_MAX, [&](const query::ColumnBlock& b) {
        const int64_t* tokens = b.ints[static_cast<int>(event::IntField::kTokensInput)];
        const uint32_t* agent = b.str[static_cast<int>(StrField::kAgent)];
        const auto* agents = b.dicts[static_cast<int>(StrField::kAgent)];
        for (size_t r = 0; r < b.rows; ++r) {
          const uint64_t row = b.first_row + r;
          Hash128 id = h.IdAt(row);
          bool ok = !id.IsZero() && id.lo == row + 1 && tokens[r] == 1 && b.dur_us[r] == 500 &&
                    b.start_us[r] >= kT0 && agent[r] != 0 && agents->Lookup(agent[r]).substr(0, 6) == "agent-" &&
                    b.kind[r] == static_cast<uint8_t>(event::SpanKind::kToolCall);
          bad += ok ? 0 : 1;
          token_sum += static_cast<uint64_t>(tokens[r]);
          ++count;
        }
      });
      EXPECT_EQ(bad, 0u);
      EXPECT_EQ(token_sum, count);
      EXPECT_EQ(count % kBatch, 0u) << "a batch was partly visible";
      EXPECT_GE(count, last_count);
      if (count > 0) {
        EXPECT_TRUE(h.Contains(IdOf(count)));  // the last visible row is indexed
      }
      last_count = count;
      scans.fetch_add(1);
      if (bad != 0 || final_pass) break;
    }
    EXPECT_EQ(last_count, kBatches * kBatch);
  });
  for (uint64_t bn = 0; bn < kBatches; ++bn) {
    EventBatch b;
    for (uint64_t i = 0; i < kBatch; ++i) {
      uint64_t id = bn * kBatch + i + 1;
      event::Event& e = Add(&b, id, kT0 + static_cast<int64_t>(id), "agent-" + std::to_string(id % 50));
      e.ints[static_cast<int>(event::IntField::kTokensInput)] = 1;
    }
    ApplyResult r = h.Apply(b);
    EXPECT_EQ(r.added, kBatch);
  }
  writer_done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_GE(scans.load(), 1u);
  EXPECT_EQ(h.rows(), kBatches * kBatch);
}

}  // namespace
}  // namespace agentperf::store
