#include "ingest/opencode/span_builder.h"

#include <gtest/gtest.h>

#include <map>

#include "event/event_id.h"
#include "event/json_encoder.h"
#include "testing/json_doc.h"

namespace agentperf::ingest::opencode {
namespace {

using agentperf::testing::JsonDoc;

constexpr int64_t kT = 1795487300000;  // ids below encode times near this
constexpr int64_t kNow = kT + 3600000;

// An ascending OpenCode id of kind `prefix` encoding `ms`.
std::string Id(const char* prefix, int64_t ms, int n = 1) {
  uint64_t v = (static_cast<uint64_t>(ms) * 4096 + static_cast<uint64_t>(n)) & ((uint64_t{1} << 48) - 1);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s_%012llxAbCdEfGhIjKlMn", prefix, static_cast<unsigned long long>(v));
  return buf;
}

MessageInfo User(const std::string& id, int64_t t) {
  MessageInfo m;
  m.id = id;
  m.role = Role::kUser;
  m.created_ms = t;
  m.agent = "planner";
  m.model_id = "m";
  m.provider_id = "p";
  return m;
}

MessageInfo Assistant(const std::string& id, const std::string& parent, int64_t t0, int64_t t1, const char* finish) {
  MessageInfo m;
  m.id = id;
  m.role = Role::kAssistant;
  m.parent_id = parent;
  m.created_ms = t0;
  m.completed_ms = t1;
  m.agent = "planner";
  m.model_id = "m";
  m.provider_id = "p";
  m.finish = finish;
  m.cost = 0.25;
  m.tokens.present = true;
  m.tokens.input = 100;
  m.tokens.output = 10;
  return m;
}

PartInfo Part(const std::string& id, const std::string& msg, PartType type) {
  PartInfo p;
  p.id = id;
  p.message_id = msg;
  p.type = type;
  return p;
}

PartInfo Tool(const std::string& id, const std::string& msg, const char* status, int64_t t0, int64_t t1) {
  PartInfo p = Part(id, msg, PartType::kTool);
  p.tool = "bash";
  p.call_id = "call_1";
  p.status = status;
  p.start_ms = t0;
  p.end_ms = t1;
  return p;
}

// One user turn with two steps and a bash call.
SessionUnit OneTurn() {
  SessionUnit u;
  u.session.id = "ses_x";
  u.session.agent = "planner";
  u.session.time_created = kT;
  u.session.time_updated = kT + 5000;
  u.session.cost = 0.5;
  u.session.tokens.present = true;
  u.session.tokens.input = 200;
  const std::string user = Id("msg", kT + 100), a1 = Id("msg", kT + 200), a2 = Id("msg", kT + 3000);
  u.messages = {Assistant(a2, user, kT + 3000, kT + 4000, "stop"), User(user, kT + 100),
                Assistant(a1, user, kT + 200, kT + 2900, "tool-calls")};
  u.parts = {Part(Id("prt", kT + 300), a1, PartType::kStepStart),
             Tool(Id("prt", kT + 500), a1, "completed", kT + 600, kT + 2600),
             Part(Id("prt", kT + 2800), a1, PartType::kStepFinish),
             Part(Id("prt", kT + 3100), a2, PartType::kStepStart),
             Part(Id("prt", kT + 3500), a2, PartType::kOther),
             Part(Id("prt", kT + 3900), a2, PartType::kStepFinish)};
  return u;
}

std::map<std::string, std::string> Spans(const event::EventBatch& b) {
  std::map<std::string, std::string> out;
  for (const auto& e : b.events) {
    std::string j;
    event::EncodeEventJson(e, b.AttrsOf(e), &j);
    out[std::string(event::KindName(e.kind)) + " " + std::string(e.Str(event::StrField::kSpanId))] = j;
    EXPECT_EQ(e.id, event::SpanEventId(e.kind, e.Str(event::StrField::kSessionId), e.Str(event::StrField::kSpanId)));
  }
  return out;
}

BuildOptions Opts() {
  BuildOptions o;
  o.now_ms = kNow;
  return o;
}

TEST(SpanBuilder, SettledSessionGivesEverySpan) {
  SpanBuilder b(Opts());
  SessionUnit u = OneTurn();
  event::EventBatch batch;
  EXPECT_EQ(b.Build(&u, &batch), SessionState::kSettled);
  auto s = Spans(batch);
  ASSERT_EQ(s.size(), 5u);  // session, turn, 2 llm_call, 1 tool_call
  const std::string a1 = Id("msg", kT + 200), user = Id("msg", kT + 100);
  JsonDoc step(s["llm_call " + a1]);
  EXPECT_EQ(step.Num("/start_ms"), double(kT + 200));
  EXPECT_EQ(step.Num("/end_ms"), double(kT + 2900));
  EXPECT_EQ(step.Num("/attrs/tools_ms"), 2000.0);
  EXPECT_EQ(step.Num("/attrs/first_part_ms"), 300.0);  // the tool part at +500, step-start ignored
  EXPECT_EQ(step.Str("/parent_span_id"), user);
  JsonDoc turn(s["turn " + user]);
  EXPECT_EQ(turn.Num("/end_ms"), double(kT + 4000));
  EXPECT_EQ(turn.Num("/attrs/steps"), 2.0);
  JsonDoc tool(s["tool_call " + Id("prt", kT + 500)]);
  EXPECT_EQ(tool.Str("/parent_span_id"), a1);
  EXPECT_EQ(tool.Str("/agent"), "planner");
  JsonDoc sess(s["session ses_x"]);
  EXPECT_EQ(sess.Num("/tokens/input"), 200.0);  // the session row's own totals
  EXPECT_EQ(b.counts().by_kind[static_cast<int>(event::SpanKind::kLlmCall)], 2u);
  EXPECT_EQ(b.counts().llm_tokens.input, 200);
  EXPECT_DOUBLE_EQ(b.counts().llm_cost, 0.5);
}

TEST(SpanBuilder, RunningToolOrOpenStepLeavesTheSessionUnsettled) {
  SpanBuilder b(Opts());
  SessionUnit u = OneTurn();
  u.parts[1].status = "running";
  u.parts[1].end_ms = kNoTime;
  event::EventBatch batch;
  EXPECT_EQ(b.Build(&u, &batch), SessionState::kUnsettled);
  auto s = Spans(batch);
  EXPECT_EQ(s.count("session ses_x"), 0u);
  EXPECT_EQ(s.count("tool_call " + Id("prt", kT + 500)), 0u);  // never a non-terminal state
  EXPECT_EQ(s.count("turn " + Id("msg", kT + 100)), 1u);       // the turn itself is over
  // A last step that ended with tool-calls: the turn is not over.
  SessionUnit v = OneTurn();
  v.messages.erase(v.messages.begin());  // drop the final "stop" step
  event::EventBatch batch2;
  EXPECT_EQ(b.Build(&v, &batch2), SessionState::kUnsettled);
  EXPECT_EQ(Spans(batch2).count("turn " + Id("msg", kT + 100)), 0u);
}

TEST(SpanBuilder, RecentSessionIsSkippedEntirely) {
  BuildOptions o = Opts();
  o.now_ms = kT + 5000 + 29000;  // updated 29 s ago, settle 30 s
  SpanBuilder b(o);
  SessionUnit u = OneTurn();
  event::EventBatch batch;
  EXPECT_EQ(b.Build(&u, &batch), SessionState::kActive);
  EXPECT_TRUE(batch.empty());
}

TEST(SpanBuilder, ErrorsGiveStatusAndErrorClass) {
  SpanBuilder b(Opts());
  SessionUnit u = OneTurn();
  u.messages[0].error_name = "APIError";  // the last step (kT + 3000)
  u.messages[0].error_status_code = 429;
  const std::string last_id = u.messages[0].id;
  u.parts[1].status = "error";
  event::EventBatch batch;
  b.Build(&u, &batch);
  auto s = Spans(batch);
  JsonDoc step(s["llm_call " + last_id]);
  EXPECT_EQ(step.Str("/status"), "error");
  EXPECT_EQ(step.Str("/error_class"), "APIError");
  EXPECT_EQ(step.Num("/attrs/status_code"), 429.0);
  JsonDoc tool(s["tool_call " + Id("prt", kT + 500)]);
  EXPECT_EQ(tool.Str("/status"), "error");
  EXPECT_EQ(tool.Str("/error_class"), "tool_error");
  EXPECT_EQ(JsonDoc(s["session ses_x"]).Str("/status"), "error");
  // An aborted step is cancelled; unknown names collapse to "other".
  SessionUnit v = OneTurn();
  v.messages[0].error_name = "MessageAbortedError";
  v.messages[2].error_name = "SomethingNew";
  event::EventBatch b2;
  b.Build(&v, &b2);
  auto s2 = Spans(b2);
  EXPECT_EQ(JsonDoc(s2["turn " + Id("msg", kT + 100)]).Str("/status"), "cancelled");
  EXPECT_EQ(JsonDoc(s2["llm_call " + Id("msg", kT + 200)]).Str("/error_class"), "other");
}

TEST(SpanBuilder, MigratedSessionWithZeroTotalsUsesMessageSums) {
  SpanBuilder b(Opts());
  SessionUnit u = OneTurn();
  u.session.cost = 0;
  u.session.tokens = Tokens{};
  u.session.agent.clear();
  event::EventBatch batch;
  b.Build(&u, &batch);
  JsonDoc sess(Spans(batch)["session ses_x"]);
  EXPECT_EQ(sess.Num("/tokens/input"), 200.0);
  EXPECT_EQ(sess.Num("/tokens/output"), 20.0);
  EXPECT_DOUBLE_EQ(sess.Num("/cost").value_or(0), 0.5);
  EXPECT_EQ(sess.Str("/agent"), "planner");  // from the first user message
  EXPECT_EQ(sess.Str("/model"), "m");        // from the first assistant message
}

TEST(SpanBuilder, LegacyMultiStepMessageGivesOneLlmCallPerStep) {
  SpanBuilder b(Opts());
  SessionUnit u = OneTurn();
  // Fold both steps into the first assistant message, as <= 1.1 may have stored them.
  const std::string a1 = Id("msg", kT + 200);
  for (auto& p : u.parts) p.message_id = a1;
  u.parts[2].tokens.present = true;
  u.parts[2].tokens.input = 7;
  u.parts[2].cost = 0.01;
  u.messages.erase(u.messages.begin());
  u.messages[1].finish = "stop";
  u.messages[1].completed_ms = kT + 4000;
  event::EventBatch batch;
  b.Build(&u, &batch);
  auto s = Spans(batch);
  JsonDoc step1(s["llm_call " + Id("prt", kT + 2800)]);
  EXPECT_EQ(step1.Num("/start_ms"), double(kT + 300));
  EXPECT_EQ(step1.Num("/end_ms"), double(kT + 2800));
  EXPECT_EQ(step1.Num("/tokens/input"), 7.0);
  EXPECT_EQ(step1.Num("/attrs/tools_ms"), 2000.0);
  EXPECT_EQ(step1.Num("/attrs/step"), 1.0);
  JsonDoc step2(s["llm_call " + Id("prt", kT + 3900)]);
  EXPECT_EQ(step2.Num("/start_ms"), double(kT + 3100));
  EXPECT_EQ(step2.Num("/attrs/step"), 2.0);
  EXPECT_EQ(s.count("llm_call " + a1), 0u);
}

TEST(SpanBuilder, CompactionSpansTheSummaryStep) {
  SpanBuilder b(Opts());
  SessionUnit u = OneTurn();
  const std::string cu = Id("msg", kT + 10000), cp = Id("prt", kT + 10001), sa = Id("msg", kT + 10100);
  u.messages.push_back(User(cu, kT + 10000));
  MessageInfo summary = Assistant(sa, cu, kT + 10100, kT + 12000, "stop");
  summary.summary = true;
  u.messages.push_back(summary);
  PartInfo c = Part(cp, cu, PartType::kCompaction);
  c.is_auto = true;
  u.parts.push_back(c);
  u.session.time_updated = kT + 12000;
  event::EventBatch batch;
  EXPECT_EQ(b.Build(&u, &batch), SessionState::kSettled);
  JsonDoc comp(Spans(batch)["compaction " + cp]);
  EXPECT_EQ(comp.Num("/start_ms"), double(kT + 10001));
  EXPECT_EQ(comp.Num("/end_ms"), double(kT + 12000));
  EXPECT_EQ(comp.Num("/tokens/input"), 100.0);
  EXPECT_EQ(comp.Bool("/attrs/auto"), true);
}

TEST(SpanBuilder, EventsBreakingALimitAreCountedAndLeftOut) {
  SpanBuilder b(Opts());
  SessionUnit u = OneTurn();
  u.parts[1].start_ms = 5;  // 1970: before 2000-01-01
  u.parts[1].end_ms = 6;
  u.messages[0].agent = std::string(300, 'a');  // label over 256 bytes
  event::EventBatch batch;
  b.Build(&u, &batch);
  EXPECT_EQ(b.counts().rejected, 2u);
  EXPECT_NE(b.counts().first_rejected.find("tool_call"), std::string::npos);
  EXPECT_EQ(batch.size(), 3u);
}

}  // namespace
}  // namespace agentperf::ingest::opencode
