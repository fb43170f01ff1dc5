#include "ingest/opencode/sse_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ingest/opencode/sse_fixture.h"

namespace agentperf::ingest::opencode {
namespace {

std::vector<std::string> FeedAll(SseParser* p, const std::vector<std::string_view>& pieces) {
  std::vector<std::string> out;
  for (auto piece : pieces) p->Feed(piece, [&](std::string_view d) { out.emplace_back(d); });
  return out;
}

std::vector<std::string> Parse(std::string_view whole) {
  SseParser p;
  return FeedAll(&p, {whole});
}

TEST(SseParser, JoinsDataLinesAndIgnoresOtherFields) {
  auto got = Parse(
      ": a comment\n"
      "event: message\n"
      "id: 7\n"
      "retry: 1000\n"
      "data: first\n"
      "data:second\n"
      "unknown: x\n"
      "\n"
      "data: {\"a\":1}\n\n");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "first\nsecond");  // one space after the colon is removed, not more
  EXPECT_EQ(got[1], "{\"a\":1}");
}

TEST(SseParser, EventWithoutDataIsNotDelivered) {
  auto got = Parse("event: x\nid: 3\n\n: heartbeat\n\n\n\ndata\n\n");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "");  // a bare "data" line is an empty data line
}

TEST(SseParser, AllLineEndings) {
  EXPECT_EQ(Parse("data: a\r\n\r\ndata: b\r\rdata: c\n\n"), (std::vector<std::string>{"a", "b", "c"}));
  // A CRLF split between two reads is one line end, not two.
  SseParser p;
  auto got = FeedAll(&p, {"data: a\r", "\ndata: b\r", "\n\r", "\n"});
  EXPECT_EQ(got, (std::vector<std::string>{"a\nb"}));
}

TEST(SseParser, IncompleteEventWaitsForTheBlankLine) {
  SseParser p;
  auto got = FeedAll(&p, {"data: x\n"});
  EXPECT_TRUE(got.empty());
  got = FeedAll(&p, {"\n"});
  EXPECT_EQ(got, (std::vector<std::string>{"x"}));
}

TEST(SseParser, SkipsALeadingBomEvenWhenSplit) {
  SseParser p;
  auto got = FeedAll(&p, {"\xEF", "\xBB",
                          "\xBF"
                          "data: z\n\n"});
  EXPECT_EQ(got, (std::vector<std::string>{"z"}));
  // Bytes that only start like a BOM are kept.
  EXPECT_EQ(Parse("\xEF"
                  "data: q\n\n")
                .size(),
            0u);  // "\xEF" "data" is not the field "data"
  EXPECT_EQ(Parse("data: \xEF\xBB\xBF\n\n"), (std::vector<std::string>{"\xEF\xBB\xBF"}));
}

TEST(SseParser, OversizedEventIsDroppedAndTheNextOneDelivered) {
  SseParser p(/*max_event_bytes=*/16);
  auto got =
      FeedAll(&p, {"data: 0123456789\ndata: 0123456789\n\n", "data: ", std::string(100, 'x'), "\n\n", "data: ok\n\n"});
  EXPECT_EQ(got, (std::vector<std::string>{"ok"}));
  EXPECT_EQ(p.dropped_oversized(), 2u);
  EXPECT_EQ(p.events(), 1u);
}

TEST(SseParser, ResetDiscardsAPartialEvent) {
  SseParser p;
  auto got = FeedAll(&p, {"data: half"});
  p.Reset();
  got = FeedAll(&p, {"data: whole\n\n"});
  EXPECT_EQ(got, (std::vector<std::string>{"whole"}));
}

// The recorded stream gives the same payloads however it is cut.
TEST(SseParser, RecordedStreamIsIndependentOfChunking) {
  const std::string stream = testing::ReadSseFixture("sse-global.txt");
  const auto whole = Parse(stream);
  ASSERT_GT(whole.size(), 100u);
  for (const std::string& d : whole) ASSERT_EQ(d.front(), '{');
  {
    SseParser p;
    std::vector<std::string> bytewise;
    for (char c : stream) p.Feed(std::string_view(&c, 1), [&](std::string_view d) { bytewise.emplace_back(d); });
    EXPECT_EQ(bytewise, whole);
  }
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    SseParser p;
    std::vector<std::string> got;
    size_t i = 0;
    while (i < stream.size()) {
      size_t n = std::uniform_int_distribution<size_t>(1, 700)(rng);
      p.Feed(std::string_view(stream).substr(i, n), [&](std::string_view d) { got.emplace_back(d); });
      i += n;
    }
    EXPECT_EQ(got, whole) << "round " << round;
  }
  // CRLF line ends give the same payloads too.
  std::string crlf;
  for (char c : stream) {
    if (c == '\n') crlf.push_back('\r');
    crlf.push_back(c);
  }
  EXPECT_EQ(Parse(crlf), whole);
}

}  // namespace
}  // namespace agentperf::ingest::opencode
