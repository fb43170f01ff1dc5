#include "sim/request_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "testing/json_doc.h"
#include "testing/temp_dir.h"

namespace agentperf::sim {
namespace {

using agentperf::testing::JsonDoc;

LogRecord Sample(int i) {
  LogRecord r;
  r.received_ms = 1795487308123.4567;
  r.response_id = "chatcmpl-sim-" + std::to_string(i);
  r.session = "ses_a";
  r.parent = i % 2 ? "ses_p" : "";
  r.model = "sim-large";
  r.agent = "coder";
  r.kind = "agent";
  r.turn = 1;
  r.step = 2;
  r.attempt = i;
  r.stream = true;
  r.status = 200;
  r.ttfc_planned_ms = 412.25;
  r.tokens_per_s = 61.5;
  r.first_chunk_sent_ms = 413.0;
  r.end_ms = 700.5;
  r.finish_reason = "tool_calls";
  r.tool_calls = {"bash"};
  r.usage = Usage{100, 10, 60};
  return r;
}

TEST(RequestLogTest, FormatHasEveryField) {
  JsonDoc d(RequestLog::Format(Sample(1)));
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(*d.Num("/received_ms"), 1795487308123.457, 0.001);
  EXPECT_EQ(d.Str("/response_id"), "chatcmpl-sim-1");
  EXPECT_EQ(d.Str("/session"), "ses_a");
  EXPECT_EQ(d.Str("/parent"), "ses_p");
  EXPECT_EQ(d.Str("/agent"), "coder");
  EXPECT_EQ(d.Num("/step"), 2);
  EXPECT_EQ(d.Num("/attempt"), 1);
  EXPECT_EQ(d.Num("/status"), 200);
  EXPECT_EQ(d.Num("/ttfc_planned_ms"), 412.25);
  EXPECT_EQ(d.Num("/first_chunk_sent_ms"), 413);
  EXPECT_EQ(d.Num("/end_ms"), 700.5);
  EXPECT_EQ(d.Str("/tool_calls/0"), "bash");
  EXPECT_EQ(d.Num("/usage/prompt_tokens"), 100);
  EXPECT_EQ(d.Num("/usage/cached_tokens"), 60);
  EXPECT_EQ(d.Num("/usage/total_tokens"), 110);
  EXPECT_EQ(d.Bool("/client_gone"), false);
  // A 429 without usage, no parent, no first chunk.
  LogRecord e = Sample(0);
  e.status = 429;
  e.error = "scripted";
  e.retry_after_ms = 300;
  e.usage.reset();
  e.first_chunk_sent_ms.reset();
  const std::string line = RequestLog::Format(e);
  JsonDoc f(line);
  EXPECT_EQ(f.Num("/retry_after_ms"), 300);
  EXPECT_EQ(f.Str("/error"), "scripted");
  EXPECT_NE(line.find("\"usage\":null"), std::string::npos);
  EXPECT_NE(line.find("\"parent\":null"), std::string::npos);
  EXPECT_NE(line.find("\"first_chunk_sent_ms\":null"), std::string::npos);
}

TEST(RequestLogTest, ConcurrentAppendsGiveWholeLines) {
  agentperf::testing::TempDir dir;
  const std::string path = dir.Sub("sim.ndjson");
  {
    auto log = RequestLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 250; ++i) EXPECT_TRUE((*log)->Append(Sample(t * 1000 + i)).ok());
      });
    }
    for (auto& t : threads) t.join();
  }
  // Reopening appends.
  {
    auto log = RequestLog::Open(path);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Sample(9999)).ok());
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    JsonDoc d(line);
    ASSERT_TRUE(d.ok()) << line;
    EXPECT_TRUE(d.Str("/response_id").has_value());
    ++lines;
  }
  EXPECT_EQ(lines, 1001);
}

TEST(RequestLogTest, OpenFailsWithAReason) {
  auto log = RequestLog::Open("/nonexistent-dir/x/sim.ndjson");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace agentperf::sim
