// The importer against a real opencode.db fixture: the mapping of docs/import.md
// checked against the database itself (the ground-truth queries of design
// §8.3), idempotence, the incremental cursor, settled/unsettled/active
// sessions, and bad rows.
#include "ingest/opencode/importer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "fixture.h"
#include "ingest/opencode/import_cursor.h"
#include "store/embedded_store.h"
#include "store/event_scan.h"
#include "testing/json_doc.h"
#include "testing/temp_dir.h"

namespace agentperf::ingest::opencode {
namespace {

using agentperf::testing::JsonDoc;
using agentperf::testing::TempDir;
using testing::CaptureSink;
using testing::FixtureOptions;
using testing::MakeFixtureDb;
using testing::QuerySql;

// JSON of the captured event, failing the test when absent.
std::string Get(const CaptureSink& s, const std::string& kind, const std::string& span) {
  auto it = s.by_span.find(kind + " " + span);
  EXPECT_NE(it, s.by_span.end()) << kind << " " << span;
  return it == s.by_span.end() ? "{}" : it->second;
}

// Numbers as the db prints them, read back as doubles.
double D(const std::string& s) {
  return std::stod(s);
}

class ImporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.Sub("opencode.db");
    MakeFixtureDb(db_);
  }
  Result<ImportSummary> Import(EventSink* sink, const std::string& cursor = "",
                               int64_t now_ms = testing::kFixtureNowMs) {
    ImportOptions o = FixtureOptions(db_, cursor);
    o.now_ms = now_ms;
    return RunImport(o, sink, nullptr);
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(ImporterTest, SessionsMatchTheDatabase) {
  CaptureSink sink;
  auto r = Import(&sink);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto rows = QuerySql(db_,
                       "SELECT id, parent_id, agent, json_extract(model,'$.id'), json_extract(model,'$.providerID'), "
                       "cost, tokens_input, tokens_output, tokens_reasoning, tokens_cache_read, tokens_cache_write, "
                       "time_created, time_updated, project_id, version FROM session");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(sink.Count("session"), rows.size());
  for (const auto& row : rows) {
    JsonDoc j(Get(sink, "session", row[0]));
    EXPECT_EQ(j.Str("/session_id"), row[0]);
    EXPECT_EQ(j.Str("/parent_session_id").value_or(""), row[1]);
    EXPECT_EQ(j.Str("/agent"), row[2]);
    EXPECT_EQ(j.Str("/model"), row[3]);
    EXPECT_EQ(j.Str("/provider"), row[4]);
    EXPECT_DOUBLE_EQ(j.Num("/cost").value_or(-1), D(row[5]));
    EXPECT_EQ(j.Num("/tokens/input"), D(row[6]));
    EXPECT_EQ(j.Num("/tokens/output"), D(row[7]));
    EXPECT_EQ(j.Num("/tokens/reasoning"), D(row[8]));
    EXPECT_EQ(j.Num("/tokens/cache_read"), D(row[9]));
    EXPECT_EQ(j.Num("/tokens/cache_write"), D(row[10]));
    EXPECT_EQ(j.Num("/start_ms"), D(row[11]));
    EXPECT_EQ(j.Num("/end_ms"), D(row[12]));
    EXPECT_EQ(j.Str("/attrs/project_id"), row[13]);
    EXPECT_EQ(j.Str("/attrs/version"), row[14]);
    EXPECT_EQ(j.Str("/source"), "import");
  }
  EXPECT_EQ(r->sessions_imported, 3u);
  EXPECT_EQ(r->versions, std::vector<std::string>{"1.18.33"});
}

TEST_F(ImporterTest, LlmCallsMatchAssistantMessagesAndStepFinishes) {
  CaptureSink sink;
  ASSERT_TRUE(Import(&sink).ok());
  auto rows =
      QuerySql(db_,
               "SELECT id, session_id, json_extract(data,'$.parentID'), json_extract(data,'$.agent'), "
               "json_extract(data,'$.modelID'), json_extract(data,'$.providerID'), "
               "json_extract(data,'$.time.created'), json_extract(data,'$.time.completed'), "
               "json_extract(data,'$.finish'), json_extract(data,'$.cost'), json_extract(data,'$.tokens.input'), "
               "json_extract(data,'$.tokens.output'), json_extract(data,'$.tokens.reasoning'), "
               "json_extract(data,'$.tokens.cache.read'), json_extract(data,'$.tokens.cache.write') "
               "FROM message WHERE json_extract(data,'$.role')='assistant'");
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(sink.Count("llm_call"), rows.size());
  for (const auto& row : rows) {
    JsonDoc j(Get(sink, "llm_call", row[0]));
    EXPECT_EQ(j.Str("/session_id"), row[1]);
    EXPECT_EQ(j.Str("/message_id"), row[0]);
    EXPECT_EQ(j.Str("/parent_span_id"), row[2]);
    EXPECT_EQ(j.Str("/agent"), row[3]);
    EXPECT_EQ(j.Str("/model"), row[4]);
    EXPECT_EQ(j.Str("/provider"), row[5]);
    EXPECT_EQ(j.Num("/start_ms"), D(row[6]));
    EXPECT_EQ(j.Num("/end_ms"), D(row[7]));
    EXPECT_EQ(j.Str("/attrs/finish"), row[8]);
    EXPECT_DOUBLE_EQ(j.Num("/cost").value_or(-1), D(row[9]));
    EXPECT_EQ(j.Num("/tokens/input"), D(row[10]));
    EXPECT_EQ(j.Num("/tokens/output"), D(row[11]));
    EXPECT_EQ(j.Num("/tokens/reasoning"), D(row[12]));
    EXPECT_EQ(j.Num("/tokens/cache_read"), D(row[13]));
    EXPECT_EQ(j.Num("/tokens/cache_write"), D(row[14]));
    EXPECT_FALSE(j.Str("/status").has_value());  // ok
  }
  // Exactly one step-finish per message in 1.18.33, with the message's numbers.
  auto sf = QuerySql(db_,
                     "SELECT message_id, json_extract(data,'$.cost'), json_extract(data,'$.tokens.input') FROM part "
                     "WHERE json_extract(data,'$.type')='step-finish'");
  ASSERT_EQ(sf.size(), rows.size());
  for (const auto& row : sf) {
    JsonDoc j(Get(sink, "llm_call", row[0]));
    EXPECT_DOUBLE_EQ(j.Num("/cost").value_or(-1), D(row[1]));
    EXPECT_EQ(j.Num("/tokens/input"), D(row[2]));
  }
  // tools_ms: the wall time of the step's tool parts; first_part_ms from part ids.
  JsonDoc task_step(Get(sink, "llm_call", "msg_20b620446001n1k6RqcT0klnbx"));
  EXPECT_EQ(task_step.Num("/attrs/tools_ms"), 1795487308108.0 - 1795487306693.0);
  // Its first non-step-start part is the task part prt_20b621272001 -> 1795487306354 (decoded).
  EXPECT_EQ(task_step.Num("/attrs/first_part_ms"), 1795487306354.0 - 1795487302726.0);
  JsonDoc text_step(Get(sink, "llm_call", "msg_20b6219b6001J6tziBm9sGLk2K"));
  EXPECT_EQ(text_step.Num("/attrs/tools_ms"), 0.0);
  // Cost arithmetic from the model's cost config (input 1.0, output 2.0, cache_read 0.1 per 1M).
  JsonDoc tester(Get(sink, "llm_call", "msg_20b6213e40019UD9oXERN1Gr68"));
  double expect = (tester.Num("/tokens/input").value() * 1.0 + tester.Num("/tokens/output").value() * 2.0 +
                   tester.Num("/tokens/cache_read").value() * 0.1) /
                  1e6;
  EXPECT_NEAR(tester.Num("/cost").value(), expect, 1e-12);
}

TEST_F(ImporterTest, ToolCallsMatchToolParts) {
  CaptureSink sink;
  ASSERT_TRUE(Import(&sink).ok());
  auto rows = QuerySql(db_,
                       "SELECT p.id, p.session_id, p.message_id, json_extract(p.data,'$.callID'), "
                       "json_extract(p.data,'$.tool'), json_extract(p.data,'$.state.status'), "
                       "json_extract(p.data,'$.state.time.start'), json_extract(p.data,'$.state.time.end'), "
                       "json_extract(p.data,'$.state.metadata.sessionId'), json_extract(m.data,'$.agent') "
                       "FROM part p JOIN message m ON m.id = p.message_id WHERE json_extract(p.data,'$.type')='tool'");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(sink.Count("tool_call"), rows.size());
  for (const auto& row : rows) {
    JsonDoc j(Get(sink, "tool_call", row[0]));
    EXPECT_EQ(j.Str("/session_id"), row[1]);
    EXPECT_EQ(j.Str("/message_id"), row[2]);
    EXPECT_EQ(j.Str("/parent_span_id"), row[2]);
    EXPECT_EQ(j.Str("/attrs/call_id"), row[3]);
    EXPECT_EQ(j.Str("/tool"), row[4]);
    EXPECT_EQ(row[5], "completed");
    EXPECT_FALSE(j.Str("/status").has_value());
    EXPECT_EQ(j.Num("/start_ms"), D(row[6]));
    EXPECT_EQ(j.Num("/end_ms"), D(row[7]));
    EXPECT_EQ(j.Str("/attrs/child_session_id").value_or(""), row[8]);
    EXPECT_EQ(j.Str("/agent"), row[9]);
  }
  // The subagent hand-off: the parent's task call names the child session,
  // whose session span names the parent.
  JsonDoc task(Get(sink, "tool_call", "prt_20b621272001huRNMLT3Rc6f2r"));
  ASSERT_TRUE(task.Str("/attrs/child_session_id").has_value());
  JsonDoc child(Get(sink, "session", *task.Str("/attrs/child_session_id")));
  EXPECT_EQ(child.Str("/parent_session_id"), task.Str("/session_id"));
  JsonDoc bash(Get(sink, "tool_call", "prt_20b62157f001Rn4Yb0Mq1Au3Cd"));
  EXPECT_EQ(bash.Num("/attrs/exit"), 0.0);
}

TEST_F(ImporterTest, TurnsMatchUserMessages) {
  CaptureSink sink;
  ASSERT_TRUE(Import(&sink).ok());
  auto rows =
      QuerySql(db_,
               "SELECT u.id, u.session_id, json_extract(u.data,'$.time.created'), json_extract(u.data,'$.agent'), "
               "(SELECT max(json_extract(a.data,'$.time.completed')) FROM message a "
               " WHERE json_extract(a.data,'$.parentID') = u.id), "
               "(SELECT count(*) FROM message a WHERE json_extract(a.data,'$.parentID') = u.id) "
               "FROM message u WHERE json_extract(u.data,'$.role')='user'");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(sink.Count("turn"), rows.size());
  for (const auto& row : rows) {
    JsonDoc j(Get(sink, "turn", row[0]));
    EXPECT_EQ(j.Str("/session_id"), row[1]);
    EXPECT_EQ(j.Num("/start_ms"), D(row[2]));
    EXPECT_EQ(j.Str("/agent"), row[3]);
    EXPECT_EQ(j.Num("/end_ms"), D(row[4]));
    EXPECT_EQ(j.Num("/attrs/steps"), D(row[5]));
    EXPECT_EQ(j.Str("/attrs/finish"), "stop");
    EXPECT_FALSE(j.Num("/cost").has_value());  // tokens and cost live on llm_call only
  }
  EXPECT_EQ(sink.events.size(), 3u + 3u + 6u + 3u);
}

// Every field of every span of the fixture, as reviewed by hand
// (tests/fixtures/opencode/expected-events.ndjson, sorted by kind and span id).
// AGENTPERF_UPDATE_GOLDEN=1 rewrites it.
TEST_F(ImporterTest, FixtureGivesTheGoldenEvents) {
  CaptureSink sink;
  ASSERT_TRUE(Import(&sink).ok());
  std::string got;
  for (const auto& [key, json] : sink.by_span) got += json + "\n";
  const auto path = testing::FixtureDir() / "expected-events.ndjson";
  if (const char* u = std::getenv("AGENTPERF_UPDATE_GOLDEN"); u != nullptr && std::string(u) == "1") {
    std::ofstream(path, std::ios::binary) << got;
  }
  EXPECT_EQ(got, testing::ReadText(path));
}

// Importing twice into the same store stores nothing new, with or without a cursor.
TEST_F(ImporterTest, SecondImportIsIdempotent) {
  store::EmbeddedStoreOptions so;
  so.data_dir = dir_.Sub("data");
  auto st = store::EmbeddedStore::Open(so);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  struct StoreSink : EventSink {
    store::Store* s;
    Result<store::AppendResult> Send(event::EventBatch b) override { return s->Append(std::move(b)); }
    Status Finish() override { return s->Flush(); }
  } sink;
  sink.s = st->get();
  auto first = Import(&sink);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->accepted, 15u);
  EXPECT_EQ(first->duplicates, 0u);
  // No cursor: every span is sent again and every one is a duplicate.
  auto second = Import(&sink);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->events, 15u);
  EXPECT_EQ(second->accepted, 0u);
  EXPECT_EQ(second->duplicates, 15u);
  // What the store holds, read back whole, is exactly what was built.
  CaptureSink capture;
  ASSERT_TRUE(Import(&capture).ok());
  st->reset();
  std::map<std::string, std::string> stored;
  store::ScanStats stats;
  ASSERT_TRUE(store::ScanStoredEvents(
                  fs::DefaultFileSystem(), so.data_dir, {},
                  [&](const event::EventBatch& b) {
                    for (const auto& e : b.events) {
                      std::string j;
                      event::EncodeEventJson(e, b.AttrsOf(e), &j);
                      stored[e.id.ToHex()] = j;
                    }
                    return Status::OK();
                  },
                  &stats)
                  .ok());
  EXPECT_GE(stats.segments, 1u);  // the import flushed
  EXPECT_EQ(stored, capture.events);
}

TEST_F(ImporterTest, CursorMakesTheNextImportIncremental) {
  const std::string cursor = dir_.Sub("data/import/opencode-x.json");
  CaptureSink sink;
  auto first = Import(&sink, cursor);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->incremental);
  EXPECT_EQ(first->sessions_scanned, 3u);
  auto saved = LoadCursor(cursor);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  EXPECT_EQ((*saved)->max_time_updated, 1795487368210);
  EXPECT_TRUE((*saved)->unsettled.empty());

  auto again = Import(&sink, cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->incremental);
  EXPECT_EQ(again->sessions_scanned, 0u);
  EXPECT_EQ(again->events, 0u);

  // A new session (a copy of session A under new ids, an hour later): only it is read.
  testing::ExecSql(db_, R"sql(
    INSERT INTO session (id, project_id, slug, directory, title, version, cost, tokens_input, agent, time_created, time_updated)
      VALUES ('ses_new0000000000000000000001', 'global', 's', '/d', 't', '1.18.33', 0.5, 10, 'coder', 1795490000000, 1795490009000);
    INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES
      ('msg_20b6a0000001aaaaaaaaaaaaaa', 'ses_new0000000000000000000001', 1795490000001, 1795490000001,
       '{"role":"user","time":{"created":1795490000001},"agent":"coder","model":{"providerID":"p","modelID":"m"}}'),
      ('msg_20b6a0001001bbbbbbbbbbbbbb', 'ses_new0000000000000000000001', 1795490000002, 1795490008000,
       '{"role":"assistant","parentID":"msg_20b6a0000001aaaaaaaaaaaaaa","agent":"coder","modelID":"m","providerID":"p","time":{"created":1795490000002,"completed":1795490008000},"cost":0.5,"tokens":{"input":10,"output":1,"reasoning":0,"cache":{"read":0,"write":0}},"finish":"stop"}');
  )sql");
  auto third = Import(&sink, cursor);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->sessions_scanned, 1u);
  EXPECT_EQ(third->accepted, 3u);  // session, turn, llm_call
  EXPECT_EQ(third->duplicates, 0u);
  JsonDoc s(Get(sink, "session", "ses_new0000000000000000000001"));
  EXPECT_EQ(s.Str("/agent"), "coder");
  EXPECT_EQ(LoadCursor(cursor)->value().max_time_updated, 1795490009000);
}

TEST_F(ImporterTest, UnsettledSessionsSendSpansButNoSessionUntilSettled) {
  // Session A's last step is still running: its tool call is running, no completion.
  const std::string kA = "ses_df49d0f47ffevaa69B0RPJ64eR";
  testing::ExecSql(db_, R"sql(
    UPDATE message SET data = json_remove(data, '$.time.completed', '$.finish') WHERE id = 'msg_20b6301c4001QXsXH6BfBA3xZ1';
  )sql");
  const std::string cursor = dir_.Sub("cursor.json");
  CaptureSink sink;
  auto r = Import(&sink, cursor);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sessions_unsettled, 1u);
  EXPECT_EQ(r->sessions_imported, 2u);
  EXPECT_EQ(sink.by_span.count("session " + kA), 0u);
  EXPECT_EQ(sink.by_span.count("turn msg_20b62f183001Y7UcgBt9fSxnXT"), 0u);      // the turn is not over
  EXPECT_EQ(sink.by_span.count("llm_call msg_20b62f959001xulO2GusSgbtiU"), 1u);  // the finished step is sent
  EXPECT_EQ(sink.by_span.count("tool_call prt_20b6300a60010j4iLzGoGRlLe0"), 1u);
  EXPECT_EQ(LoadCursor(cursor)->value().unsettled, std::vector<std::string>{kA});

  // It finishes (time_updated unchanged: the cursor's unsettled list brings it back).
  testing::ExecSql(db_, R"sql(
    UPDATE message SET data = json_set(data, '$.time.completed', 1795487368201, '$.finish', 'stop') WHERE id = 'msg_20b6301c4001QXsXH6BfBA3xZ1';
  )sql");
  auto r2 = Import(&sink, cursor);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->sessions_scanned, 1u);
  EXPECT_EQ(r2->sessions_imported, 1u);
  EXPECT_EQ(r2->accepted, 3u);  // session, turn, the last llm_call
  EXPECT_EQ(r2->duplicates, 2u);
  EXPECT_TRUE(LoadCursor(cursor)->value().unsettled.empty());
}

TEST_F(ImporterTest, SessionsInsideTheSettleWindowAreSkipped) {
  CaptureSink sink;
  // "Now" is 10 s after session A's last update: A is active, the others settled.
  auto r = Import(&sink, dir_.Sub("c.json"), 1795487368210 + 10000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sessions_skipped_active, 1u);
  EXPECT_EQ(r->sessions_imported, 2u);
  for (const auto& [k, v] : sink.by_span)
    EXPECT_EQ(JsonDoc(v).Str("/session_id") == "ses_df49d0f47ffevaa69B0RPJ64eR", false) << k;
  EXPECT_EQ(LoadCursor(dir_.Sub("c.json"))->value().unsettled,
            std::vector<std::string>{"ses_df49d0f47ffevaa69B0RPJ64eR"});
}

TEST_F(ImporterTest, BadRowsAreCountedNotFatal) {
  testing::ExecSql(db_, R"sql(
    UPDATE part SET data = '{"type":"tool","state":' WHERE id = 'prt_20b6300a60010j4iLzGoGRlLe0';
    UPDATE message SET data = 'not json' WHERE id = 'msg_20b6219b6001J6tziBm9sGLk2K';
  )sql");
  CaptureSink sink;
  auto r = Import(&sink);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows.bad, 2u);
  EXPECT_FALSE(r->rows.first_bad.empty());
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_EQ(sink.by_span.count("tool_call prt_20b6300a60010j4iLzGoGRlLe0"), 0u);
  EXPECT_EQ(sink.by_span.count("llm_call msg_20b6219b6001J6tziBm9sGLk2K"), 0u);
  EXPECT_EQ(sink.Count("tool_call"), 2u);  // the others still come through
  JsonDoc j(r->ToJson());
  EXPECT_EQ(j.Num("/rows/bad"), 2.0);
}

TEST_F(ImporterTest, ReplacedDatabaseResetsTheCursor) {
  const std::string cursor = dir_.Sub("cursor.json");
  CaptureSink sink;
  ASSERT_TRUE(Import(&sink, cursor).ok());
  ImportCursor c = LoadCursor(cursor)->value();
  c.inode += 1;  // as if the file had been replaced
  ASSERT_TRUE(SaveCursor(cursor, c).ok());
  auto r = Import(&sink, cursor);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->incremental);
  EXPECT_EQ(r->sessions_scanned, 3u);
}

}  // namespace
}  // namespace agentperf::ingest::opencode
