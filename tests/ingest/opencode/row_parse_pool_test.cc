// Tests for RowParsePool / RowChunk: rows are parsed from the chunk's own
// padded copy, results come back in submission and row order whatever the
// number of helper threads, and rows that do not parse are reported (id and
// reason) without stopping the others.
#include "ingest/opencode/row_parse_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agentperf::ingest::opencode {
namespace {

std::string MessageJson(int i) {
  return "{\"id\":\"msg_" + std::to_string(i) + "\",\"role\":\"assistant\",\"agent\":\"a" + std::to_string(i % 7) +
         "\",\"time\":{\"created\":" + std::to_string(1000 + i) + ",\"completed\":" + std::to_string(2000 + i) +
         "},\"cost\":0.5,\"tokens\":{\"input\":" + std::to_string(i) + ",\"output\":2,\"cache\":{\"read\":3}}}";
}

std::string PartJson(int i) {
  return "{\"type\":\"tool\",\"tool\":\"bash\",\"callID\":\"c" + std::to_string(i) +
         "\",\"state\":{\"status\":\"completed\",\"output\":\"" + std::string(static_cast<size_t>(i % 300), 'x') +
         "\",\"time\":{\"start\":" + std::to_string(i) + ",\"end\":" + std::to_string(i + 5) + "}}}";
}

// Submits `n` message rows then `n` part rows (every 97th row broken) in
// chunks of `rows_per_chunk`, and returns the chunks parsed.
std::vector<std::unique_ptr<RowChunk>> ParseAll(int helpers, int n, int rows_per_chunk) {
  RowParsePool pool(helpers);
  for (RowChunk::Table t : {RowChunk::Table::kMessage, RowChunk::Table::kPart}) {
    auto c = std::make_unique<RowChunk>(t);
    for (int i = 0; i < n; ++i) {
      const bool part = t == RowChunk::Table::kPart;
      std::string json = part ? PartJson(i) : MessageJson(i);
      if (i % 97 == 5) json = "{\"broken\":";
      c->Add(static_cast<uint32_t>(i % 13), (part ? "prt_" : "msg_") + std::to_string(i), "ses_1",
             part ? "msg_" + std::to_string(i / 3) : "", json);
      if (static_cast<int>(c->rows()) == rows_per_chunk) {
        pool.Submit(std::move(c));
        c = std::make_unique<RowChunk>(t);
      }
    }
    if (c->rows() > 0) pool.Submit(std::move(c));
  }
  return pool.Finish();
}

TEST(RowParsePool, ResultsComeBackInOrderWhateverTheThreads) {
  const int n = 1000;
  for (int helpers : {0, 1, 3}) {
    auto chunks = ParseAll(helpers, n, 64);
    int msg = 0, part = 0, bad = 0;
    for (auto& c : chunks) {
      for (const auto& b : c->bad()) {
        ++bad;
        EXPECT_NE(b.why.find("bad JSON"), std::string::npos) << b.why;
      }
      if (c->table() == RowChunk::Table::kMessage) {
        ASSERT_EQ(c->messages().size(), c->units().size());
        for (size_t i = 0; i < c->messages().size(); ++i) {
          if (msg % 97 == 5) ++msg;  // the broken row
          const MessageInfo& m = c->messages()[i];
          EXPECT_EQ(m.id, "msg_" + std::to_string(msg)) << helpers;
          EXPECT_EQ(m.session_id, "ses_1");
          EXPECT_EQ(m.role, Role::kAssistant);
          EXPECT_EQ(m.agent, "a" + std::to_string(msg % 7));
          EXPECT_EQ(m.created_ms, 1000 + msg);
          EXPECT_EQ(m.tokens.input, msg);
          EXPECT_EQ(m.tokens.cache_read, 3);
          EXPECT_EQ(c->units()[i], static_cast<uint32_t>(msg % 13));
          ++msg;
        }
      } else {
        ASSERT_EQ(c->parts().size(), c->units().size());
        for (size_t i = 0; i < c->parts().size(); ++i) {
          if (part % 97 == 5) ++part;
          const PartInfo& p = c->parts()[i];
          EXPECT_EQ(p.id, "prt_" + std::to_string(part));
          EXPECT_EQ(p.message_id, "msg_" + std::to_string(part / 3));
          EXPECT_EQ(p.type, PartType::kTool);
          EXPECT_EQ(p.call_id, "c" + std::to_string(part));
          EXPECT_EQ(p.status, "completed");
          EXPECT_EQ(p.end_ms, part + 5);
          ++part;
        }
      }
    }
    EXPECT_EQ(msg, n) << helpers;
    EXPECT_EQ(part, n) << helpers;
    EXPECT_EQ(bad, 2 * ((n - 5 + 96) / 97)) << helpers;
  }
}

TEST(RowParsePool, BadRowsAreNamedAndOrdered) {
  auto chunks = ParseAll(2, 200, 7);
  std::vector<std::string> bad;
  for (auto& c : chunks) {
    for (const auto& b : c->bad()) bad.push_back(b.id);
  }
  EXPECT_EQ(bad, (std::vector<std::string>{"msg_5", "msg_102", "msg_199", "prt_5", "prt_102", "prt_199"}));
}

TEST(RowParsePool, NothingSubmittedGivesNothing) {
  RowParsePool pool(2);
  EXPECT_TRUE(pool.Finish().empty());
}

}  // namespace
}  // namespace agentperf::ingest::opencode
