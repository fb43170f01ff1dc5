// Test helpers for the SSE watcher tests: the recorded streams of
// ../shared/opencode/samples (FACTS.md section 3) and a replay of them through SseParser and
// LiveState.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "event/event.h"
#include "event/json_encoder.h"
#include "ingest/opencode/live_state.h"
#include "ingest/opencode/sse_parser.h"
#include "testing/paths.h"

namespace agentperf::ingest::opencode::testing {

// The real captures in ../shared/opencode/samples (read, never copied here).
inline std::filesystem::path SseFixtureDir() { return ::agentperf::testing::OpencodeSamplesDir(); }

inline std::string ReadSseFixture(const std::string& name) {
  std::ifstream in(SseFixtureDir() / name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << (SseFixtureDir() / name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The data payloads of a recorded stream, in order.
inline std::vector<std::string> SseDatas(const std::string& stream) {
  std::vector<std::string> out;
  SseParser parser;
  parser.Feed(stream, [&](std::string_view d) { out.emplace_back(d); });
  return out;
}

// Replays payloads into `state`; every payload must be accepted.
inline void Replay(LiveState* state, const std::vector<std::string>& datas, int64_t now_ms, event::EventBatch* out) {
  for (const std::string& d : datas) {
    Status st = state->HandleData(d, now_ms, out);
    EXPECT_TRUE(st.ok()) << st.ToString() << "\n" << d.substr(0, 200);
  }
}

inline const event::Event* FindSpan(const event::EventBatch& b, event::SpanKind kind, std::string_view span_id) {
  for (const event::Event& e : b.events) {
    if (e.kind == kind && e.Str(event::StrField::kSpanId) == span_id) return &e;
  }
  return nullptr;
}

inline const event::Attr* FindAttr(const event::EventBatch& b, const event::Event& e, std::string_view key) {
  const event::Attr* a = b.AttrsOf(e);
  for (uint32_t i = 0; i < e.attr_count; ++i) {
    if (a[i].key == key) return &a[i];
  }
  return nullptr;
}

inline std::string EventJson(const event::EventBatch& b, const event::Event& e) {
  std::string s;
  event::EncodeEventJson(e, b.AttrsOf(e), &s);
  return s;
}

}  // namespace agentperf::ingest::opencode::testing
