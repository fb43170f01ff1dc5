#include "ingest/opencode/live_state.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "event/event_id.h"
#include "ingest/opencode/id_time.h"
#include "ingest/opencode/sse_fixture.h"

namespace agentperf::ingest::opencode {
namespace {

using event::SpanKind;
using event::SpanStatus;
using event::StrField;
using testing::EventJson;
using testing::FindAttr;
using testing::FindSpan;

constexpr std::string_view kSes = "ses_df49d0f47ffevaa69B0RPJ64eR";  // sse-global.txt
constexpr std::string_view kUser = "msg_20b62f183001Y7UcgBt9fSxnXT";
constexpr std::string_view kStep1 = "msg_20b62f959001xulO2GusSgbtiU";
constexpr std::string_view kStep2 = "msg_20b6301c4001QXsXH6BfBA3xZ1";
constexpr std::string_view kRead = "prt_20b6300a60010j4iLzGoGRlLe0";
constexpr std::string_view kPermSes = "ses_df49c9c1bffe0PfErMv0ePgkqs";  // sse-perm*.txt
constexpr std::string_view kPer = "per_20b6373a90017wDac7ROaGgJfO";
constexpr std::string_view kBash = "prt_20b6372b20012cV0UbVYpk70vL";
constexpr int64_t kNow = 1795487410000;  // just after the recordings

LiveOptions Opts() {
  LiveOptions o;
  o.clock_skew_ms = 0;  // replaying: trust the ids
  return o;
}

std::multiset<std::string> Keys(const event::EventBatch& b) {
  std::multiset<std::string> k;
  for (const auto& e : b.events)
    k.insert(std::string(event::KindName(e.kind)) + " " + std::string(e.Str(StrField::kSpanId)));
  return k;
}

TEST(LiveState, GlobalStreamGivesEveryTerminalSpanOnce) {
  LiveState st(Opts());
  event::EventBatch out;
  const auto datas = testing::SseDatas(testing::ReadSseFixture("sse-global.txt"));
  testing::Replay(&st, datas, kNow, &out);
  EXPECT_EQ(Keys(out), (std::multiset<std::string>{"session " + std::string(kSes), "turn " + std::string(kUser),
                                                   "llm_call " + std::string(kStep1), "llm_call " + std::string(kStep2),
                                                   "tool_call " + std::string(kRead)}));
  for (const auto& e : out.events) {
    EXPECT_EQ(e.id, event::SpanEventId(e.kind, kSes, e.Str(StrField::kSpanId)));
    EXPECT_EQ(e.Str(StrField::kSessionId), kSes);
    EXPECT_EQ(e.Str(StrField::kSource), "sse");
  }
  const event::Event* tool = FindSpan(out, SpanKind::kToolCall, kRead);
  ASSERT_NE(tool, nullptr);
  EXPECT_EQ(tool->start_us, 1795487367389000);
  EXPECT_EQ(tool->end_us, 1795487367469000);
  EXPECT_EQ(tool->Str(StrField::kParentSpanId), kStep1);
  EXPECT_EQ(tool->Str(StrField::kTool), "read");
  EXPECT_EQ(FindAttr(out, *tool, "permission_wait_ms"), nullptr);  // no permission: the importer's record
  const event::Event* llm1 = FindSpan(out, SpanKind::kLlmCall, kStep1);
  ASSERT_NE(llm1, nullptr);
  EXPECT_EQ(llm1->start_us, 1795487365465000);
  EXPECT_EQ(llm1->end_us, 1795487367611000);
  EXPECT_EQ(llm1->Str(StrField::kParentSpanId), kUser);
  EXPECT_EQ(llm1->Int(event::IntField::kTokensInput), 159);
  EXPECT_EQ(FindAttr(out, *llm1, "tools_ms")->num, 80);  // 367469 - 367389
  const event::Event* turn = FindSpan(out, SpanKind::kTurn, kUser);
  ASSERT_NE(turn, nullptr);
  EXPECT_EQ(turn->start_us, 1795487363459000);
  EXPECT_EQ(turn->end_us, 1795487368201000);  // the second step's completion
  EXPECT_EQ(FindAttr(out, *turn, "steps")->num, 2);
  const event::Event* ses = FindSpan(out, SpanKind::kSession, kSes);
  ASSERT_NE(ses, nullptr);
  EXPECT_EQ(ses->start_us, 1795487363256000);
  EXPECT_EQ(ses->end_us, 1795487368210000);  // the session.updated *after* session.idle
  EXPECT_DOUBLE_EQ(ses->Float(event::FloatField::kCost), 0.0004322);
  EXPECT_EQ(st.MaxSeq(kSes), 25);
  EXPECT_GT(st.stats().sync, 20u);
}

TEST(LiveState, SpansAreEmittedOnlyWhenTerminal) {
  LiveState st(Opts());
  const auto datas = testing::SseDatas(testing::ReadSseFixture("sse-global.txt"));
  // Which payload completes which span.
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < datas.size(); ++i) {
    event::EventBatch out;
    ASSERT_TRUE(st.HandleData(datas[i], kNow, &out).ok());
    for (const auto& e : out.events) at[std::string(event::KindName(e.kind))] = i;
    for (const auto& e : out.events) {
      // Nothing is emitted by a running/pending tool or an unfinished message.
      EXPECT_EQ(datas[i].find("\"status\":\"running\""), std::string::npos) << EventJson(out, e);
      EXPECT_EQ(datas[i].find("\"type\":\"sync\""), std::string::npos);
    }
  }
  ASSERT_EQ(at.size(), 4u);
  EXPECT_NE(datas[at["tool_call"]].find("\"status\":\"completed\""), std::string::npos);
  // The turn closes when the session goes idle (session.status idle, then session.idle).
  EXPECT_NE(datas[at["turn"]].find("idle"), std::string::npos) << datas[at["turn"]];
  EXPECT_NE(datas[at["session"]].find("\"session.updated\""), std::string::npos);
  EXPECT_GT(at["session"], at["turn"]);
}

TEST(LiveState, PermissionWaitIsTakenOutOfTheTool) {
  LiveState st(Opts());
  event::EventBatch out;
  // Two connections: the stream was reconnected between asked and replied.
  testing::Replay(&st, testing::SseDatas(testing::ReadSseFixture("sse-perm.txt")), kNow, &out);
  EXPECT_TRUE(out.empty());  // the bash tool is still waiting
  testing::Replay(&st, testing::SseDatas(testing::ReadSseFixture("sse-perm2.txt")), kNow, &out);

  const event::Event* wait = FindSpan(out, SpanKind::kPermissionWait, kPer);
  ASSERT_NE(wait, nullptr);
  int64_t asked = 0, replied = 0;
  ASSERT_TRUE(DecodeIdTime(kPer, kNow, &asked));
  ASSERT_TRUE(DecodeIdTime("evt_20b6394f1001KbyZyTFNCdsdAj", kNow, &replied));
  EXPECT_EQ(asked, 1795487396777);
  EXPECT_EQ(replied, 1795487405297);
  EXPECT_EQ(wait->start_us, asked * 1000);
  EXPECT_EQ(wait->end_us, replied * 1000);
  EXPECT_EQ(wait->id, event::SpanEventId(SpanKind::kPermissionWait, kPermSes, kPer));
  EXPECT_EQ(wait->Str(StrField::kParentSpanId), kBash);
  EXPECT_EQ(wait->Str(StrField::kTool), "bash");
  EXPECT_EQ(wait->status, SpanStatus::kOk);
  EXPECT_EQ(FindAttr(out, *wait, "reply")->str, "once");
  EXPECT_EQ(FindAttr(out, *wait, "call_id")->str, "call_12");
  EXPECT_EQ(FindAttr(out, *wait, "permission")->str, "bash");

  const event::Event* tool = FindSpan(out, SpanKind::kToolCall, kBash);
  ASSERT_NE(tool, nullptr);
  EXPECT_EQ(tool->start_us, 1795487396674000);  // state.time.start, unchanged
  EXPECT_EQ(tool->duration_us(), 214000);
  EXPECT_EQ(FindAttr(out, *tool, "permission_wait_ms")->num, 8520);
  EXPECT_EQ(FindAttr(out, *tool, "wall_ms")->num, 8734);
  EXPECT_EQ(tool->duration_us() + wait->duration_us(), 8734000);        // tool + wait = wall
  EXPECT_EQ(FindAttr(out, *tool, "call_id")->str, "call_12");           // the builder's attrs come first
  EXPECT_EQ(wait->Str(StrField::kAgent), tool->Str(StrField::kAgent));  // labels of the owning message
  EXPECT_EQ(wait->Str(StrField::kModel), tool->Str(StrField::kModel));
  EXPECT_FALSE(wait->Str(StrField::kAgent).empty());

  // The whole session is there too, each span once.
  std::multiset<std::string> kinds;
  for (const auto& e : out.events) kinds.insert(std::string(event::KindName(e.kind)));
  EXPECT_EQ(kinds,
            (std::multiset<std::string>{"session", "turn", "llm_call", "llm_call", "tool_call", "permission_wait"}));
}

TEST(LiveState, RejectedPermissionMarksTheToolAndTheWait) {
  LiveState st(Opts());
  event::EventBatch out;
  auto perm = testing::SseDatas(testing::ReadSseFixture("sse-perm.txt"));
  auto perm2 = testing::SseDatas(testing::ReadSseFixture("sse-perm2.txt"));
  testing::Replay(&st, perm, kNow, &out);
  for (std::string d : perm2) {
    auto r = d.find("\"reply\":\"once\"");
    if (r != std::string::npos) d.replace(r, 14, "\"reply\":\"reject\"");
    auto c = d.find("\"status\":\"completed\"");
    if (c != std::string::npos && d.find(std::string(kBash)) != std::string::npos)
      d.replace(c, 20, "\"status\":\"error\"");
    ASSERT_TRUE(st.HandleData(d, kNow, &out).ok());
  }
  const event::Event* wait = FindSpan(out, SpanKind::kPermissionWait, kPer);
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(wait->status, SpanStatus::kError);
  EXPECT_EQ(wait->Str(StrField::kErrorClass), "permission_rejected");
  const event::Event* tool = FindSpan(out, SpanKind::kToolCall, kBash);
  ASSERT_NE(tool, nullptr);
  EXPECT_EQ(tool->status, SpanStatus::kError);
  EXPECT_EQ(tool->Str(StrField::kErrorClass), "permission_rejected");
}

TEST(LiveState, UnansweredPermissionIsCancelledWhenTheToolEnds) {
  LiveState st(Opts());
  event::EventBatch out;
  testing::Replay(&st, testing::SseDatas(testing::ReadSseFixture("sse-perm.txt")), kNow, &out);
  for (const std::string& d : testing::SseDatas(testing::ReadSseFixture("sse-perm2.txt"))) {
    if (d.find("permission.replied") != std::string::npos) continue;  // lost
    ASSERT_TRUE(st.HandleData(d, kNow, &out).ok());
  }
  const event::Event* wait = FindSpan(out, SpanKind::kPermissionWait, kPer);
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(wait->status, SpanStatus::kCancelled);
  EXPECT_EQ(wait->end_us, 1795487405408000);  // the tool's end
  const event::Event* tool = FindSpan(out, SpanKind::kToolCall, kBash);
  ASSERT_NE(tool, nullptr);
  EXPECT_EQ(tool->end_us, tool->start_us + (1795487405408000 - 1795487396674000) - wait->duration_us());
}

TEST(LiveState, RetryStatusGivesARetrySpan) {
  LiveState st(Opts());
  event::EventBatch out;
  auto datas = testing::SseDatas(testing::ReadSseFixture("sse-global.txt"));
  // Up to the first assistant message (created, not completed).
  size_t i = 0;
  for (; i < datas.size(); ++i) {
    ASSERT_TRUE(st.HandleData(datas[i], kNow, &out).ok());
    if (datas[i].find("\"message.updated\"") != std::string::npos &&
        datas[i].find(std::string(kStep1)) != std::string::npos)
      break;
  }
  ASSERT_LT(i, datas.size());
  const std::string retry =
      R"({"directory":"/home/dev/project","payload":{"id":"evt_20b62f95b001aaaaaaaaaaaaaa","type":"session.status",)"
      R"("properties":{"sessionID":")" +
      std::string(kSes) +
      R"(","status":{"type":"retry","attempt":1,"message":"Too Many Requests: 429","next":1795487367000,)"
      R"("action":{"reason":"rate_limit","provider":"p","title":"t","message":"m","label":"l"}}}}})";
  out = {};
  ASSERT_TRUE(st.HandleData(retry, kNow, &out).ok());
  ASSERT_TRUE(st.HandleData(retry, kNow, &out).ok());  // the same status again: one span
  ASSERT_EQ(out.size(), 1u);
  const std::string span_id = std::string(kStep1) + ":retry:1";
  const event::Event* r = FindSpan(out, SpanKind::kRetry, span_id);
  ASSERT_NE(r, nullptr);
  int64_t start = 0;
  ASSERT_TRUE(DecodeIdTime("evt_20b62f95b001aaaaaaaaaaaaaa", kNow, &start));
  EXPECT_EQ(r->start_us, start * 1000);
  EXPECT_EQ(r->end_us, 1795487367000000);
  EXPECT_EQ(r->Str(StrField::kParentSpanId), kStep1);
  EXPECT_EQ(r->Str(StrField::kErrorClass), "http_429");
  EXPECT_EQ(r->id, event::SpanEventId(SpanKind::kRetry, kSes, span_id));
  EXPECT_EQ(FindAttr(out, *r, "attempt")->num, 1);
  EXPECT_EQ(FindAttr(out, *r, "status_code")->num, 429);
  EXPECT_EQ(FindAttr(out, *r, "action_reason")->str, "rate_limit");
}

TEST(LiveState, SessionSpanAfterTheGraceWhenNoUpdateFollowsIdle) {
  LiveState st(Opts());
  event::EventBatch out;
  auto datas = testing::SseDatas(testing::ReadSseFixture("sse-global.txt"));
  size_t idle = 0;
  for (; idle < datas.size(); ++idle) {
    ASSERT_TRUE(st.HandleData(datas[idle], kNow, &out).ok());
    if (datas[idle].find("\"session.idle\"") != std::string::npos) break;
  }
  ASSERT_LT(idle, datas.size());
  EXPECT_EQ(FindSpan(out, SpanKind::kSession, kSes), nullptr);
  st.Tick(kNow + 299, &out);
  EXPECT_EQ(FindSpan(out, SpanKind::kSession, kSes), nullptr);
  st.Tick(kNow + 300, &out);
  const event::Event* ses = FindSpan(out, SpanKind::kSession, kSes);
  ASSERT_NE(ses, nullptr);
  EXPECT_EQ(ses->end_us, 1795487367622000);  // the last update seen before the idle
  // The late update changes nothing: the first write stands.
  const size_t n = out.size();
  for (size_t i = idle + 1; i < datas.size(); ++i) ASSERT_TRUE(st.HandleData(datas[i], kNow, &out).ok());
  EXPECT_EQ(out.size(), n);
}

TEST(LiveState, DirectoryFilterAndMalformedPayloads) {
  LiveOptions o = Opts();
  o.directory = "/somewhere/else";
  LiveState st(o);
  event::EventBatch out;
  testing::Replay(&st, testing::SseDatas(testing::ReadSseFixture("sse-global.txt")), kNow, &out);
  EXPECT_TRUE(out.empty());
  EXPECT_GT(st.stats().filtered, 10u);
  EXPECT_FALSE(st.HandleData("{not json", kNow, &out).ok());
  EXPECT_FALSE(
      st.HandleData(R"({"payload":{"id":"evt_1","type":"message.updated","properties":{"info":{"role":"user"}}}})",
                    kNow, &out)
          .ok());
  EXPECT_EQ(st.stats().parse_errors, 2u);
  EXPECT_TRUE(st.HandleData(R"({"payload":{"id":"evt_1","type":"some.new.event","properties":{}}})", kNow, &out).ok());
}

// Gap repair from GET /session/{id}/message gives the same records as the
// live stream (both go through SpanBuilder), and nothing twice.
TEST(LiveState, RepairEqualsTheLiveStreamAndDedups) {
  const auto datas = testing::SseDatas(testing::ReadSseFixture("sse-global.txt"));
  LiveState live(Opts());
  event::EventBatch live_out;
  testing::Replay(&live, datas, kNow, &live_out);

  std::string last_info;  // the last session.updated info of the stream
  for (const std::string& d : datas) {
    if (d.find("\"type\":\"session.updated\"") == std::string::npos) continue;
    size_t a = d.find("\"info\":") + 7;
    last_info = d.substr(a, d.size() - a - 3);  // ...}}}} : info object ends before "}}}"
  }
  ASSERT_FALSE(last_info.empty());
  LiveState repaired(Opts());
  event::EventBatch rep_out;
  ASSERT_TRUE(repaired.Repair(last_info, testing::ReadSseFixture("session-messages.json"), false, kNow, &rep_out).ok());
  ASSERT_EQ(rep_out.size(), live_out.size());
  for (const auto& e : live_out.events) {
    const event::Event* r = FindSpan(rep_out, e.kind, e.Str(StrField::kSpanId));
    ASSERT_NE(r, nullptr) << EventJson(live_out, e);
    EXPECT_EQ(EventJson(rep_out, *r), EventJson(live_out, e));
  }
  // Repairing a session the stream already delivered adds nothing.
  event::EventBatch again;
  ASSERT_TRUE(live.Repair(last_info, testing::ReadSseFixture("session-messages.json"), false, kNow, &again).ok());
  EXPECT_TRUE(again.empty()) << EventJson(again, again.events[0]);
}

// A repair that meets a session created but not prompted yet (no messages,
// not busy: a client's POST /session before its prompt) stores nothing for
// it; the stream that follows gives exactly the records it gives without the
// repair (the session span with its final info, not its creation info).
TEST(LiveState, RepairDoesNotFinaliseASessionThatHasNotStarted) {
  const auto datas = testing::SseDatas(testing::ReadSseFixture("sse-global.txt"));
  LiveState plain(Opts());
  event::EventBatch plain_out;
  testing::Replay(&plain, datas, kNow, &plain_out);

  std::string created_info;  // the session.created info of the stream
  for (const std::string& d : datas) {
    if (d.find("\"type\":\"session.created\"") == std::string::npos) continue;
    size_t a = d.find("\"info\":") + 7;
    created_info = d.substr(a, d.size() - a - 3);
    break;
  }
  ASSERT_FALSE(created_info.empty());
  LiveState st(Opts());
  event::EventBatch out;
  ASSERT_TRUE(st.Repair(created_info, "[]", /*busy=*/false, kNow, &out).ok());
  EXPECT_TRUE(out.empty()) << EventJson(out, out.events[0]);
  testing::Replay(&st, datas, kNow, &out);
  ASSERT_EQ(out.size(), plain_out.size());
  for (const auto& e : plain_out.events) {
    const event::Event* r = FindSpan(out, e.kind, e.Str(StrField::kSpanId));
    ASSERT_NE(r, nullptr) << EventJson(plain_out, e);
    EXPECT_EQ(EventJson(out, *r), EventJson(plain_out, e));
  }
}

}  // namespace
}  // namespace agentperf::ingest::opencode
