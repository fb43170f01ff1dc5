// Tests of bench/workload.h: determinism, OpenCode-shaped ids, the mix of
// ../shared/baselines.md, and that every rendering (NDJSON through the real
// decoder, direct EventBatch, PostgreSQL COPY text) carries the same event.
#include "bench/workload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "core/clock.h"
#include "event/event_id.h"
#include "event/json_decoder.h"
#include "testing/temp_dir.h"

namespace agentperf::bench {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kStartUs = 1767225600000000;  // 2026-01-01T00:00:00Z
constexpr double kGapUs = 259000;               // the baseline's mean gap

const TokenTrace& SmallTrace() {
  static const TokenTrace t = TokenTrace::FromPairs({{100, 10}, {1020, 250}, {4000, 31}, {7, 900}});
  return t;
}

std::vector<Span> Generate(size_t n, uint64_t seed = 42) {
  Workload w(seed, kStartUs, kGapUs, &SmallTrace());
  std::vector<Span> v(n);
  for (auto& s : v) w.Next(&s);
  return v;
}

uint64_t Hex48(std::string_view id) { return std::stoull(std::string(id.substr(4, 12)), nullptr, 16); }

TEST(WorkloadTest, DeterministicForASeed) {
  Workload a(7, kStartUs, kGapUs, &SmallTrace()), b(7, kStartUs, kGapUs, &SmallTrace()),
      c(8, kStartUs, kGapUs, &SmallTrace());
  std::string x, y, z;
  a.AppendNdjson(3000, &x);
  b.AppendNdjson(3000, &y);
  c.AppendNdjson(3000, &z);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  EXPECT_EQ(a.produced(), 3000u);
}

TEST(WorkloadTest, IdsAreShapedLikeOpenCodes) {
  const std::regex shape("(ses|msg|prt)_[0-9a-f]{12}[0-9A-Za-z]{14}");
  std::vector<Span> spans = Generate(20000);
  std::set<std::string> span_ids;
  std::map<std::string, int64_t> session_first_ms;
  for (const Span& s : spans) {
    for (std::string_view id : {s.Session(), s.Message(), s.SpanId()}) {
      ASSERT_TRUE(std::regex_match(id.begin(), id.end(), shape)) << id;
    }
    EXPECT_EQ(s.Session().substr(0, 4), "ses_");
    EXPECT_EQ(s.Message().substr(0, 4), "msg_");
    EXPECT_EQ(s.SpanId().substr(0, 4), "prt_");
    EXPECT_TRUE(span_ids.insert(std::string(s.SpanId())).second) << "duplicate span id " << s.SpanId();
    // prt_: ascending, (start ms * 0x1000 + counter) in 48 bits, counter >= 1.
    const int64_t ms = s.start_us / 1000;
    uint64_t v = Hex48(s.SpanId());
    EXPECT_EQ(v >> 12, (static_cast<uint64_t>(ms) & ((uint64_t{1} << 36) - 1))) << s.SpanId();
    EXPECT_GE(v & 0xfff, 1u);
    // ses_: descending (bitwise inverted) from the session's first span.
    session_first_ms.emplace(std::string(s.Session()), ms);
    uint64_t inv = ~Hex48(s.Session()) & ((uint64_t{1} << 48) - 1);
    EXPECT_EQ(inv >> 12, static_cast<uint64_t>(session_first_ms[std::string(s.Session())]) & ((uint64_t{1} << 36) - 1));
    // msg_: ascending too; its time is that of the message's first span
    // (at most the +-500 ms jitter after this one's).
    EXPECT_LE(Hex48(s.Message()) >> 12, (static_cast<uint64_t>(ms) & ((uint64_t{1} << 36) - 1)) + 1000);
  }
  // Newer sessions sort first (descending ids), newer messages last.
  std::vector<std::string> sessions;
  for (const Span& s : spans) {
    if (sessions.empty() || sessions.back() != s.Session()) sessions.emplace_back(s.Session());
  }
  ASSERT_GE(sessions.size(), 100u);
  EXPECT_GT(sessions.front(), sessions.back());
}

TEST(WorkloadTest, FollowsTheBaselineMix) {
  std::vector<Span> spans = Generate(200000);
  std::map<std::string, int> sessions, messages;
  std::map<std::string_view, int> agents_by_session, kinds;
  std::set<std::string> with_parent;
  int errors = 0, tokens = 0, ttfc = 0;
  for (const Span& s : spans) {
    if (++sessions[std::string(s.Session())] == 1) {
      EXPECT_EQ(s.kind, event::SpanKind::kSession);
      ++agents_by_session[s.Agent()];
    }
    ++messages[std::string(s.Message())];
    ++kinds[event::KindName(s.kind)];
    if (s.has_parent_session) with_parent.insert(std::string(s.Session()));
    EXPECT_EQ(s.start_us % 1000, 0);  // whole milliseconds
    EXPECT_EQ(s.dur_us % 1000, 0);
    EXPECT_LE(s.dur_us, 4LL * 3600 * 1000000);
    EXPECT_EQ(s.tool >= 0, s.kind == event::SpanKind::kToolCall);
    EXPECT_EQ(s.status == event::SpanStatus::kError, !s.ErrorClass().empty());
    if (s.status == event::SpanStatus::kError) ++errors;
    const bool llm = s.kind == event::SpanKind::kLlmCall || s.kind == event::SpanKind::kRetry;
    EXPECT_EQ(s.tokens[0] != event::kAbsentInt, llm);
    EXPECT_EQ(!std::isnan(s.cost), llm);
    if (llm) {
      ++tokens;
      // Input is ContextTokens x 3 and output GeneratedTokens of one trace row.
      bool found = false;
      for (size_t i = 0; i < SmallTrace().size(); ++i) {
        found |= SmallTrace()[i].first * 3 == s.tokens[0] && SmallTrace()[i].second == s.tokens[1];
      }
      EXPECT_TRUE(found) << s.tokens[0] << "/" << s.tokens[1];
      EXPECT_LE(s.tokens[3], s.tokens[0]);
      EXPECT_EQ(std::round(s.cost * 1e7) / 1e7, s.cost);  // 7 decimal places
    }
    if (!std::isnan(s.ttfc_ms)) {
      ++ttfc;
      EXPECT_EQ(s.kind, event::SpanKind::kLlmCall);
      EXPECT_EQ(s.status, event::SpanStatus::kOk);
      EXPECT_EQ(std::round(s.ttfc_ms * 10) / 10, s.ttfc_ms);  // 0.1 ms
      EXPECT_LE(s.ttfc_ms, static_cast<double>(s.dur_us) / 1000 * 0.9 + 0.05);
    }
  }
  const double n = static_cast<double>(spans.size());
  const double ns = static_cast<double>(sessions.size());
  for (const auto& [id, len] : sessions) {
    if (id == std::string(spans.back().Session())) continue;  // the last one is cut short
    EXPECT_GE(len, 50);
    EXPECT_LE(len, 150);
  }
  EXPECT_NEAR(n / ns, 100, 5);
  EXPECT_NEAR(n / static_cast<double>(messages.size()), 3, 0.2);  // ~3 spans per message
  EXPECT_NEAR(static_cast<double>(with_parent.size()) / ns, 0.10, 0.03);
  EXPECT_NEAR(agents_by_session["coder"] / ns, 0.40, 0.05);
  EXPECT_NEAR(agents_by_session["tester"] / ns, 0.20, 0.04);
  EXPECT_NEAR(agents_by_session["architect"] / ns, 0.10, 0.03);
  EXPECT_EQ(agents_by_session.size(), Workload::NumAgents());
  EXPECT_NEAR(kinds["llm_call"] / n, 0.43, 0.01);
  EXPECT_NEAR(kinds["tool_call"] / n, 0.44, 0.01);
  EXPECT_NEAR(errors / n, 0.025, 0.01);
  EXPECT_GT(ttfc, tokens / 2);
  // 30 days of history for 30 days / gap events.
  double days = static_cast<double>(spans.back().start_us - kStartUs) / 86400e6;
  EXPECT_NEAR(days, n * kGapUs / 86400e6, 0.5);
}

TEST(WorkloadTest, NdjsonDecodesToTheDirectBatch) {
  std::vector<Span> spans = Generate(5000, 3);
  std::string body;
  event::EventBatch direct;
  for (const Span& s : spans) {
    Workload::AppendNdjson(s, &body);
    Workload::AppendToBatch(s, &direct);
  }
  event::JsonBatchDecoder decoder;
  event::EventBatch decoded;
  event::DecodeError err;
  Status st = decoder.Decode(body, body.size(), kStartUs + 60LL * 86400 * 1000000, &decoded, &err);
  ASSERT_TRUE(st.ok()) << st.ToString() << " " << err.ToString();
  ASSERT_EQ(decoded.size(), direct.size());
  for (size_t i = 0; i < direct.size(); ++i) {
    const event::Event& d = direct.events[i];
    const event::Event& j = decoded.events[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(d.id, j.id);
    EXPECT_EQ(d.kind, j.kind);
    EXPECT_EQ(d.status, j.status);
    EXPECT_EQ(d.start_us, j.start_us);
    EXPECT_EQ(d.end_us, j.end_us);
    for (int f = 0; f < event::kNumStrFields; ++f) EXPECT_EQ(d.str[f], j.str[f]) << "string field " << f;
    for (int f = 0; f < event::kNumIntFields; ++f) EXPECT_EQ(d.ints[f], j.ints[f]) << "int field " << f;
    for (int f = 0; f < event::kNumFloatFields; ++f) {
      EXPECT_TRUE(d.floats[f] == j.floats[f] || (std::isnan(d.floats[f]) && std::isnan(j.floats[f])))
          << "float field " << f << ": " << d.floats[f] << " vs " << j.floats[f];
    }
    EXPECT_EQ(j.attr_count, 0u);
  }
}

TEST(WorkloadTest, CopyTextHasTwentyColumns) {
  std::vector<Span> spans = Generate(2000, 5);
  for (const Span& s : spans) {
    std::string line;
    Workload::AppendCopyText(s, &line);
    ASSERT_EQ(line.back(), '\n');
    line.pop_back();
    std::vector<std::string> cols;
    size_t pos = 0;
    for (;;) {
      size_t t = line.find('\t', pos);
      cols.push_back(line.substr(pos, t - pos));
      if (t == std::string::npos) break;
      pos = t + 1;
    }
    ASSERT_EQ(cols.size(), 20u) << line;
    EXPECT_EQ(cols[0], std::to_string(s.start_us / 1000));
    EXPECT_EQ(cols[1], std::to_string(s.dur_us / 1000));
    EXPECT_EQ(cols[2], event::KindName(s.kind));
    EXPECT_EQ(cols[6], s.tool >= 0 ? std::string(s.Tool()) : "\\N");
    EXPECT_EQ(cols[16], s.SpanId());
    EXPECT_EQ(cols[19], s.has_parent_session ? std::string(s.ParentSession()) : "\\N");
    if (!std::isnan(s.cost)) {
      EXPECT_EQ(std::stod(cols[14]), s.cost);
    }
    if (!std::isnan(s.ttfc_ms)) {
      EXPECT_EQ(std::stod(cols[15]), s.ttfc_ms);
    }
  }
}

TEST(TokenTraceTest, LoadsTheCsvAndReportsProblems) {
  testing::TempDir dir;
  {
    std::ofstream f(dir.Sub("t.csv"));
    f << "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\r\n2023-11-16 18:15:50,396,109\n";
  }
  auto t = TokenTrace::Load(dir.Sub("t.csv"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0], std::make_pair(374, 44));
  EXPECT_EQ((*t)[1], std::make_pair(396, 109));
  EXPECT_THAT(TokenTrace::Load(dir.Sub("missing.csv")).status().message(), HasSubstr("cannot open"));
  {
    std::ofstream f(dir.Sub("bad.csv"));
    f << "TIMESTAMP,ContextTokens,GeneratedTokens\nx,1\n";
  }
  EXPECT_THAT(TokenTrace::Load(dir.Sub("bad.csv")).status().message(), HasSubstr("bad.csv:2"));
  auto none = FindSharedDir(dir.Sub("nowhere"));
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("AzureLLMInferenceTrace_conv.csv"));
}

TEST(TokenTraceTest, TheSharedTraceIsFound) {
  // ../shared is beside the project (CI clones it there); AGENTPERF_SHARED_DIR overrides.
  auto dir = FindSharedDir();
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  auto t = TokenTrace::Load(TokenTracePath(*dir));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_GT(t->size(), 10000u);
}

}  // namespace
}  // namespace agentperf::bench
