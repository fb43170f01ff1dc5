// The StepFact -> llm_call join (design §6.3, §6.4): matching by tool call id
// and by time window plus tokens, non-matches, late facts, TTL expiry into
// auxiliary llm_calls, title calls, bounds.
#include "ingest/otlp/step_join.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "event/event_id.h"
#include "ingest/otlp/testdata.h"
#include "testing/events.h"

namespace agentperf::otlp {
namespace {

using event::EventBatch;
using event::FloatField;
using event::StrField;
using testing::EventJson;

constexpr int64_t kNowMs = 1795487400000;  // shortly after the captures
constexpr int64_t kNowUs = kNowMs * 1000;
constexpr char kSub[] = "ses_df49dec43ffen3TNFZ3yz1ytnw";  // the subagent session of S:otlp/006

StepFact RealStep() {
  std::string body = testdata::Read("006_v1_traces.json");
  OtlpJsonDecoder dec;
  TracesRequest r;
  EXPECT_TRUE(dec.DecodeTraces(body, body.size(), &r).ok());
  for (const Span& s : r.spans) {
    StepFact f;
    if (ExtractStepFact(r, s, &f)) return f;
  }
  ADD_FAILURE() << "no doStream span";
  return {};
}

// The assistant message of that step (window 306724-307495, tokens as in the
// db: input 1228, output 17, cache_read 1227).
EventJson StepCall() {
  return EventJson()
      .Set("session_id", kSub)
      .Set("span_id", "msg_A")
      .Set("start_ms", int64_t{1795487306724})
      .Remove("duration_ms")
      .Set("end_ms", int64_t{1795487307495})
      .Raw("tokens", R"({"input":1228,"output":17,"cache_read":1227})")
      .Set("source", "plugin");
}

EventBatch Batch(const std::vector<std::string>& lines) {
  return testing::Decode(testing::Ndjson(lines), kNowMs);
}

const event::Attr* FindAttr(const EventBatch& b, const event::Event& e, std::string_view key) {
  for (uint32_t i = 0; i < e.attr_count; ++i) {
    if (b.AttrsOf(e)[i].key == key) return &b.AttrsOf(e)[i];
  }
  return nullptr;
}

TEST(OtlpStepJoinTest, FillsTheMatchingLlmCallByTimeAndTokens) {
  StepJoin join;
  EventBatch aux;
  join.AddFacts({RealStep()}, kNowUs, &aux);
  EXPECT_TRUE(aux.empty());
  EventBatch b = Batch({StepCall().Raw("attrs", R"({"finish":"tool-calls"})").Str()});
  const Hash128 id_before = b.events[0].id;
  join.JoinBatch(&b, kNowUs);
  const event::Event& e = b.events[0];
  EXPECT_NEAR(e.Float(FloatField::kTtfcMs), 95.76617, 1e-5);
  EXPECT_EQ(e.id, id_before);  // rule 2 ids do not hash attrs
  ASSERT_NE(FindAttr(b, e, "ms_to_finish"), nullptr);
  EXPECT_NEAR(FindAttr(b, e, "ms_to_finish")->num, 515.520715, 1e-5);
  EXPECT_NEAR(FindAttr(b, e, "tokens_per_s")->num, 32.976366, 1e-5);
  EXPECT_EQ(FindAttr(b, e, "response_id")->str, "chatcmpl-mock-7");
  EXPECT_EQ(FindAttr(b, e, "finish")->str, "tool-calls");  // the sender's attrs stay
  EXPECT_EQ(e.attr_count, 4u);
  EXPECT_EQ(join.Stats().joined, 1u);
}

TEST(OtlpStepJoinTest, MatchesByToolCallIdWhenTokensDiffer) {
  StepJoin join;
  EventBatch aux;
  join.AddFacts({RealStep()}, kNowUs, &aux);
  // Tokens that differ from the fact's: only the tool call id can match.
  EventJson call = StepCall().Raw("tokens", R"({"input":1,"output":2,"cache_read":3})");
  EventJson tool = EventJson()
                       .Set("kind", "tool_call")
                       .Set("session_id", kSub)
                       .Set("span_id", "prt_T")
                       .Set("parent_span_id", "msg_A")
                       .Set("start_ms", int64_t{1795487307135})
                       .Raw("attrs", R"({"call_id":"call_7"})");
  EventBatch b = Batch({call.Str(), tool.Str()});  // llm_call before its tool_call in one batch
  join.JoinBatch(&b, kNowUs);
  EXPECT_NEAR(b.events[0].Float(FloatField::kTtfcMs), 95.76617, 1e-5);
  EXPECT_TRUE(std::isnan(b.events[1].Float(FloatField::kTtfcMs)));
  EXPECT_EQ(join.Stats().joined, 1u);
}

TEST(OtlpStepJoinTest, DoesNotMatchOtherSessionsWindowsOrTokens) {
  StepJoin join;
  EventBatch aux;
  join.AddFacts({RealStep()}, kNowUs, &aux);
  EventBatch b = Batch({
      StepCall().Set("session_id", "ses_other").Str(),                                   // other session
      StepCall().Set("span_id", "msg_B").Set("start_ms", int64_t{1795487306900}).Str(),  // starts after the fact
      StepCall().Set("span_id", "msg_C").Raw("tokens", R"({"input":1228,"output":18,"cache_read":1227})").Str(),
      StepCall().Set("span_id", "msg_D").Raw("tokens", R"({"input":1228,"output":17})").Str(),  // no cache read
  });
  join.JoinBatch(&b, kNowUs);
  for (const auto& e : b.events) EXPECT_TRUE(std::isnan(e.Float(FloatField::kTtfcMs))) << e.Str(StrField::kSpanId);
  EXPECT_EQ(join.Stats().joined, 0u);
  EXPECT_EQ(join.Stats().cached_facts, 1u);
  // Within 5 ms of the window still matches (msg_E starts 4 ms after the fact).
  EventBatch near = Batch({StepCall().Set("span_id", "msg_E").Set("start_ms", int64_t{1795487306863}).Str()});
  join.JoinBatch(&near, kNowUs);
  EXPECT_FALSE(std::isnan(near.events[0].Float(FloatField::kTtfcMs)));
}

TEST(OtlpStepJoinTest, ALateFactIsCountedAndDropped) {
  StepJoin join;
  EventBatch b = Batch({StepCall().Str()});
  join.JoinBatch(&b, kNowUs);  // the llm_call passes first (stored without ttfc)
  EXPECT_TRUE(std::isnan(b.events[0].Float(FloatField::kTtfcMs)));
  EventBatch aux;
  join.AddFacts({RealStep()}, kNowUs + 1000, &aux);
  StepJoinStats s = join.Stats();
  EXPECT_EQ(s.join_late, 1u);
  EXPECT_EQ(s.cached_facts, 0u);
  EXPECT_EQ(s.joined, 0u);
  // It never becomes an auxiliary call either.
  join.Expire(kNowUs + 3600LL * 1000000, &aux);
  EXPECT_TRUE(aux.empty());
}

TEST(OtlpStepJoinTest, AResentLlmCallIsFilledTheSameWay) {
  StepJoin join;
  EventBatch aux;
  join.AddFacts({RealStep()}, kNowUs, &aux);
  for (int i = 0; i < 2; ++i) {
    EventBatch b = Batch({StepCall().Str()});
    join.JoinBatch(&b, kNowUs + i);
    EXPECT_NEAR(b.events[0].Float(FloatField::kTtfcMs), 95.76617, 1e-5) << i;
  }
  EXPECT_EQ(join.Stats().joined, 1u);
  // A resent fact is a duplicate, not a new one.
  join.AddFacts({RealStep()}, kNowUs + 2, &aux);
  EXPECT_EQ(join.Stats().duplicate_facts, 1u);
}

TEST(OtlpStepJoinTest, KeepsATtfcTheSenderMeasured) {
  StepJoin join;
  EventBatch aux;
  join.AddFacts({RealStep()}, kNowUs, &aux);
  EventBatch b = Batch({StepCall().Set("ttfc_ms", 12.5).Str()});
  join.JoinBatch(&b, kNowUs);
  EXPECT_EQ(b.events[0].Float(FloatField::kTtfcMs), 12.5);
  EXPECT_EQ(join.Stats().joined, 0u);
}

StepFact ToolLess(const std::string& span) {
  StepFact f;
  f.trace_id = "0af7651916cd43dd8448eb211c80319c";
  f.span_id = span;
  f.session_id = "ses_S";
  f.model = "m";
  f.provider = "p";
  f.start_us = 1795487302822000;
  f.end_us = 1795487303046237;
  f.input_no_cache = 296;
  f.cache_read = 296;
  f.output = 3;
  f.ms_to_first_chunk = 134.9;
  return f;
}

TEST(OtlpStepJoinTest, UnmatchedFactsExpireIntoAuxiliaryCallsOrCounts) {
  StepJoinOptions o;
  o.fact_ttl_us = 60LL * 1000000;
  StepJoin join(o);
  StepFact with_tools = ToolLess("00000000000000b2");
  with_tools.has_tools = true;
  EventBatch aux;
  join.AddFacts({ToolLess("00000000000000b1"), with_tools}, kNowUs, &aux);
  join.Expire(kNowUs + 59LL * 1000000, &aux);
  EXPECT_TRUE(aux.empty());
  EXPECT_EQ(join.Stats().cached_facts, 2u);
  join.Expire(kNowUs + 60LL * 1000000, &aux);
  ASSERT_EQ(aux.size(), 1u);
  const event::Event& e = aux.events[0];
  EXPECT_EQ(e.kind, event::SpanKind::kLlmCall);
  EXPECT_EQ(e.Str(StrField::kSpanId), "otlp:0af7651916cd43dd8448eb211c80319c:00000000000000b1");
  EXPECT_EQ(e.Str(StrField::kSource), "otlp");
  EXPECT_EQ(e.Str(StrField::kSessionId), "ses_S");
  EXPECT_EQ(e.Str(StrField::kAgent), "");  // ancestry unknown: not a title call
  EXPECT_EQ(e.Int(event::IntField::kTokensInput), 296);
  EXPECT_EQ(e.Int(event::IntField::kTokensCacheRead), 296);
  EXPECT_EQ(e.Int(event::IntField::kTokensOutput), 3);
  EXPECT_EQ(e.start_us, 1795487302822000);
  EXPECT_TRUE(std::isnan(e.Float(FloatField::kCost)));
  ASSERT_NE(FindAttr(aux, e, "aux"), nullptr);
  EXPECT_EQ(FindAttr(aux, e, "aux")->type, event::AttrType::kBool);
  EXPECT_EQ(e.id, event::SpanEventId(event::SpanKind::kLlmCall, "ses_S", e.Str(StrField::kSpanId)));
  StepJoinStats s = join.Stats();
  EXPECT_EQ(s.aux_calls, 1u);
  EXPECT_EQ(s.unmatched_steps, 1u);
  EXPECT_EQ(s.cached_facts, 0u);
}

TEST(OtlpStepJoinTest, TheRealTitleCallBecomesAnAuxiliaryTitleCall) {
  std::string body = testdata::Read("004_v1_traces.json");
  OtlpJsonDecoder dec;
  TracesRequest r;
  ASSERT_TRUE(dec.DecodeTraces(body, body.size(), &r).ok());
  std::vector<StepFact> facts;
  for (const Span& s : r.spans) {
    StepFact f;
    if (ExtractStepFact(r, s, &f)) facts.push_back(f);
  }
  ASSERT_EQ(facts.size(), 1u);
  StepJoin join;
  join.AddSpans(r, kNowUs);
  EventBatch aux;
  join.AddFacts(facts, kNowUs, &aux);
  ASSERT_EQ(aux.size(), 1u);
  const event::Event& e = aux.events[0];
  EXPECT_EQ(e.Str(StrField::kAgent), "title");
  EXPECT_EQ(e.Str(StrField::kSessionId), "ses_df49e020effecLILN3pdUuiMZ1");
  EXPECT_EQ(e.Str(StrField::kModel), "mock-model");
  EXPECT_EQ(e.Str(StrField::kProvider), "mock");
  EXPECT_EQ(e.Int(event::IntField::kTokensInput), 296);
  EXPECT_NEAR(e.Float(FloatField::kTtfcMs), 134.910499, 1e-5);
  EXPECT_EQ(join.Stats().title_calls, 1u);
  EXPECT_EQ(join.Stats().cached_facts, 0u);
  // The planner's step 1 (302726-308209) overlaps the title call in time but
  // has other tokens: it is not matched by it (nothing is left to match).
  EventBatch b = Batch({EventJson()
                            .Set("session_id", "ses_df49e020effecLILN3pdUuiMZ1")
                            .Set("span_id", "msg_P1")
                            .Set("start_ms", int64_t{1795487302726})
                            .Remove("duration_ms")
                            .Set("end_ms", int64_t{1795487308209})
                            .Raw("tokens", R"({"input":163,"output":28,"cache_read":162})")
                            .Str()});
  join.JoinBatch(&b, kNowUs);
  EXPECT_TRUE(std::isnan(b.events[0].Float(FloatField::kTtfcMs)));
}

TEST(OtlpStepJoinTest, ATitleAncestorArrivingLaterResolvesTheFact) {
  // doStream -> P1 -> P2 (SessionPrompt.ensureTitle), P2 exported one request later.
  auto req = [](const std::vector<testdata::SpanJson>& spans) {
    static OtlpJsonDecoder dec;
    static std::string body;
    body = testdata::TracesJson("opencode", spans);
    TracesRequest r;
    EXPECT_TRUE(dec.DecodeTraces(body, body.size(), &r).ok());
    return r;
  };
  testdata::SpanJson ds;
  ds.span = "00000000000000d5";
  ds.parent = "00000000000000a1";
  testdata::SpanJson p1;
  p1.span = "00000000000000a1";
  p1.parent = "00000000000000a2";
  p1.name = "LLM.run";
  testdata::SpanJson p2;
  p2.span = "00000000000000a2";
  p2.name = "SessionPrompt.ensureTitle";
  StepJoin join;
  EventBatch aux;
  {
    TracesRequest r = req({ds, p1});
    join.AddSpans(r, kNowUs);
    StepFact f = ToolLess("00000000000000d5");
    f.parent_span_id = "00000000000000a1";
    join.AddFacts({f}, kNowUs, &aux);
  }
  EXPECT_TRUE(aux.empty());
  EXPECT_EQ(join.Stats().cached_facts, 1u);
  {
    TracesRequest r = req({p2});
    join.AddSpans(r, kNowUs + 1);
    join.AddFacts({}, kNowUs + 1, &aux);
  }
  ASSERT_EQ(aux.size(), 1u);
  EXPECT_EQ(aux.events[0].Str(StrField::kAgent), "title");
  EXPECT_EQ(join.Stats().cached_facts, 0u);
}

TEST(OtlpStepJoinTest, BoundsTheCacheByCountOldestFirst) {
  StepJoinOptions o;
  o.max_facts = 2;
  StepJoin join(o);
  EventBatch aux;
  join.AddFacts({ToolLess("00000000000000c1")}, kNowUs, &aux);
  join.AddFacts({ToolLess("00000000000000c2")}, kNowUs + 1, &aux);
  join.AddFacts({ToolLess("00000000000000c3")}, kNowUs + 2, &aux);
  StepJoinStats s = join.Stats();
  EXPECT_EQ(s.cached_facts, 2u);
  EXPECT_EQ(s.evicted, 1u);
  join.Expire(kNowUs + o.fact_ttl_us + 10, &aux);
  ASSERT_EQ(aux.size(), 2u);  // c2 and c3 (c1 was evicted)
  EXPECT_EQ(aux.events[0].Str(StrField::kSpanId), "otlp:0af7651916cd43dd8448eb211c80319c:00000000000000c2");
  EXPECT_EQ(aux.events[1].Str(StrField::kSpanId), "otlp:0af7651916cd43dd8448eb211c80319c:00000000000000c3");
}

TEST(OtlpStepJoinTest, ConcurrentSessionsJoinIndependently) {
  // Four threads, one session each: facts, then their llm_calls, while a
  // fifth thread expires (nothing is old enough to go).
  constexpr int kThreads = 4, kSteps = 200;
  StepJoin join;
  std::atomic<bool> stop{false};
  std::thread expirer([&] {
    EventBatch aux;
    while (!stop.load()) join.Expire(kNowUs, &aux);
    EXPECT_TRUE(aux.empty());
  });
  std::vector<std::thread> threads;
  std::atomic<int> filled{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string session = "ses_" + std::to_string(t);
      std::vector<StepFact> facts;
      for (int i = 0; i < kSteps; ++i) {
        StepFact f = ToolLess(fmt::format("{:016x}", (t + 1) * 100000 + i));
        f.session_id = session;
        f.has_tools = true;
        f.output = i;  // distinct tokens per step
        f.start_us = 1795487302822000 + i * 1000000LL;
        facts.push_back(f);
      }
      EventBatch aux;
      join.AddFacts(facts, kNowUs, &aux);
      for (int i = 0; i < kSteps; ++i) {
        EventBatch b =
            testing::Decode(EventJson()
                                .Set("session_id", session)
                                .Set("span_id", "msg_" + std::to_string(i))
                                .Set("start_ms", static_cast<int64_t>(1795487302822LL + i * 1000LL - 1))
                                .Set("duration_ms", 500)
                                .Raw("tokens", fmt::format(R"({{"input":296,"output":{},"cache_read":296}})", i))
                                .Str(),
                            kNowMs);
        join.JoinBatch(&b, kNowUs);
        if (b.events[0].Float(FloatField::kTtfcMs) == 134.9) filled.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  stop.store(true);
  expirer.join();
  EXPECT_EQ(filled.load(), kThreads * kSteps);
  EXPECT_EQ(join.Stats().joined, static_cast<uint64_t>(kThreads * kSteps));
}

}  // namespace
}  // namespace agentperf::otlp
