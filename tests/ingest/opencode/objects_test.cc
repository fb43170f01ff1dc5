#include "ingest/opencode/objects.h"

#include <gtest/gtest.h>

namespace agentperf::ingest::opencode {
namespace {

TEST(ObjectParser, ReadsAnAssistantMessageFromTheDb) {
  // message.data of msg_20b62f959001xulO2GusSgbtiU (session-messages.json, without id/sessionID).
  const std::string json =
      R"({"role":"assistant","time":{"created":1795487365465,"completed":1795487367611},"parentID":"msg_20b62f183001Y7UcgBt9fSxnXT","modelID":"mock-model","providerID":"mock","mode":"planner","agent":"planner","path":{"cwd":"/home/dev/project","root":"/home/dev/project"},"cost":0.0001868,"tokens":{"total":323,"input":159,"output":6,"reasoning":0,"cache":{"read":158,"write":0}},"finish":"tool-calls"})";
  ObjectParser p;
  MessageInfo m;
  m.id = "msg_x";
  ASSERT_TRUE(p.ParseMessage(json, &m).ok());
  EXPECT_EQ(m.id, "msg_x");  // kept: the db row has it in a column
  EXPECT_EQ(m.role, Role::kAssistant);
  EXPECT_EQ(m.created_ms, 1795487365465);
  EXPECT_EQ(m.completed_ms, 1795487367611);
  EXPECT_EQ(m.parent_id, "msg_20b62f183001Y7UcgBt9fSxnXT");
  EXPECT_EQ(m.agent, "planner");
  EXPECT_EQ(m.model_id, "mock-model");
  EXPECT_EQ(m.provider_id, "mock");
  EXPECT_DOUBLE_EQ(m.cost, 0.0001868);
  EXPECT_TRUE(m.tokens.present);
  EXPECT_EQ(m.tokens.input, 159);
  EXPECT_EQ(m.tokens.output, 6);
  EXPECT_EQ(m.tokens.cache_read, 158);
  EXPECT_EQ(m.finish, "tool-calls");
  EXPECT_TRUE(m.Terminal());
}

TEST(ObjectParser, ReadsUserMessagesErrorsAndModeFallback) {
  ObjectParser p;
  MessageInfo u;
  ASSERT_TRUE(
      p.ParseMessage(
           R"({"role":"user","time":{"created":5},"summary":{"diffs":[]},"agent":"planner","model":{"providerID":"mock","modelID":"mock-model"}})",
           &u)
          .ok());
  EXPECT_EQ(u.role, Role::kUser);
  EXPECT_EQ(u.model_id, "mock-model");
  EXPECT_FALSE(u.summary);
  MessageInfo a;
  ASSERT_TRUE(
      p.ParseMessage(
           R"({"role":"assistant","mode":"build","time":{"created":5},"error":{"name":"APIError","data":{"message":"x","statusCode":429,"isRetryable":true}},"summary":true})",
           &a)
          .ok());
  EXPECT_EQ(a.agent, "build");
  EXPECT_EQ(a.error_name, "APIError");
  EXPECT_EQ(a.error_status_code, 429);
  EXPECT_TRUE(a.summary);
  EXPECT_TRUE(a.Terminal());
}

TEST(ObjectParser, ReadsToolAndStepFinishParts) {
  ObjectParser p;
  PartInfo t;
  ASSERT_TRUE(
      p.ParsePart(
           R"({"type":"tool","tool":"task","callID":"call_6","state":{"status":"completed","input":{"prompt":"secret"},"output":"<task>","metadata":{"parentSessionId":"ses_a","sessionId":"ses_b","model":{"providerID":"mock"}},"title":"Run","time":{"start":1,"end":2}}})",
           &t)
          .ok());
  EXPECT_EQ(t.type, PartType::kTool);
  EXPECT_EQ(t.tool, "task");
  EXPECT_EQ(t.call_id, "call_6");
  EXPECT_EQ(t.status, "completed");
  EXPECT_EQ(t.child_session_id, "ses_b");
  EXPECT_EQ(t.start_ms, 1);
  EXPECT_EQ(t.end_ms, 2);
  EXPECT_FALSE(t.has_exit);
  EXPECT_EQ(t.output_chars, 6);
  PartInfo b;
  ASSERT_TRUE(
      p.ParsePart(
           R"({"type":"tool","tool":"bash","state":{"status":"error","error":"boom","metadata":{"exit":2},"time":{"start":1,"end":3}}})",
           &b)
          .ok());
  EXPECT_TRUE(b.has_exit);
  EXPECT_EQ(b.exit, 2);
  EXPECT_EQ(b.output_chars, -1) << "no output";
  // UTF-16 units, as JavaScript's String.length: "é" is 1, "😀" (U+1F600) is 2.
  PartInfo u;
  ASSERT_TRUE(p.ParsePart(R"({"type":"tool","tool":"read","state":{"status":"completed","output":"a\u00e9\ud83d\ude00 é😀"}})", &u).ok());
  EXPECT_EQ(u.output_chars, 1 + 1 + 2 + 1 + 1 + 2);
  PartInfo f;
  ASSERT_TRUE(
      p.ParsePart(
           R"({"reason":"stop","snapshot":"x","type":"step-finish","tokens":{"total":3,"input":1,"output":2,"reasoning":0,"cache":{"write":4,"read":5}},"cost":0.5})",
           &f)
          .ok());
  EXPECT_EQ(f.type, PartType::kStepFinish);
  EXPECT_EQ(f.tokens.cache_write, 4);
  EXPECT_EQ(f.tokens.cache_read, 5);
  EXPECT_DOUBLE_EQ(f.cost, 0.5);
  PartInfo c;
  ASSERT_TRUE(p.ParsePart(R"({"type":"compaction","auto":true,"overflow":false})", &c).ok());
  EXPECT_EQ(c.type, PartType::kCompaction);
  EXPECT_TRUE(c.is_auto);
  EXPECT_TRUE(c.has_overflow);
  PartInfo x;
  ASSERT_TRUE(p.ParsePart(R"({"type":"text","text":"a long text \u00e9 that is skipped"})", &x).ok());
  EXPECT_EQ(x.type, PartType::kOther);
}

TEST(ObjectParser, BadJsonIsCorruption) {
  ObjectParser p;
  MessageInfo m;
  EXPECT_EQ(p.ParseMessage("not json", &m).code(), StatusCode::kCorruption);
  EXPECT_EQ(p.ParseMessage("[1,2]", &m).code(), StatusCode::kCorruption);
  EXPECT_EQ(p.ParseMessage(R"({"role":"user","time":{"created":"yesterday"}})", &m).code(), StatusCode::kCorruption);
  PartInfo pt;
  EXPECT_EQ(p.ParsePart(R"({"type":"tool","state":)", &pt).code(), StatusCode::kCorruption);
  // The parser is reusable after an error.
  EXPECT_TRUE(p.ParsePart(R"({"type":"step-start"})", &pt).ok());
  EXPECT_EQ(pt.type, PartType::kStepStart);
}

TEST(ObjectParser, ReadsLegacySessionFilesAndModelColumns) {
  ObjectParser p;
  SessionInfo s;
  ASSERT_TRUE(
      p.ParseSession(
           R"({"id":"ses_a","projectID":"pr","parentID":"ses_p","version":"0.9.1","time":{"created":1,"updated":2}})",
           &s)
          .ok());
  EXPECT_EQ(s.id, "ses_a");
  EXPECT_EQ(s.parent_id, "ses_p");
  EXPECT_EQ(s.project_id, "pr");
  EXPECT_EQ(s.time_updated, 2);
  EXPECT_FALSE(s.tokens.present);
  std::string model, provider;
  ASSERT_TRUE(p.ParseModel(R"({"id":"mock-model","providerID":"mock","variant":"default"})", &model, &provider).ok());
  EXPECT_EQ(model, "mock-model");
  EXPECT_EQ(provider, "mock");
}

}  // namespace
}  // namespace agentperf::ingest::opencode
