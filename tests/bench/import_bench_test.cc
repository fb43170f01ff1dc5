// Tests of `agentperf bench import` (bench/import_bench*.h):
//  * the replicated opencode.db: counts, fresh ids that decode to the shifted
//    times, no template id left in any text, every reference resolving, JSON
//    times shifted with their rows;
//  * a smoke run of the benchmark itself (small --sessions, one round): the
//    real `agentperf` and the real ccusage 20.0.24 must agree per session,
//    and both must equal the sums read straight from the replicated db.
//    Without ccusage the test FAILS with the install command.
// Speed is never asserted.
#include "bench/import_bench.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "testing/paths.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::bench {
namespace {

using Row = std::vector<std::string>;  // NULL -> ""

std::string TemplatePath() {
  return (testing::SourceDir() / "tests" / "fixtures" / "opencode" / "template.db").string();
}

std::vector<Row> Query(const std::string& path, const std::string& sql) {
  std::vector<Row> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db) << " in " << sql;
  } else {
    while (sqlite3_step(st) == SQLITE_ROW) {
      Row r;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* t = sqlite3_column_text(st, c);
        r.emplace_back(t == nullptr ? "" : reinterpret_cast<const char*>(t));
      }
      rows.push_back(std::move(r));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

// The time in an OpenCode id (docs/import.md "Time in OpenCode ids"), written
// here from that description rather than taken from the bench code: the 12
// hex digits after '_' are v = ms*4096 + counter (mod 2^48), complemented for
// ses_ ids; ms is known mod 2^36, so the value nearest `ref_ms` is taken.
// (test_bench links ap_bench only; the importer's own decoder,
// src/ingest/opencode/id_time.h, is tested in tests/ingest/opencode/.)
bool DecodeIdTime(const std::string& id, int64_t ref_ms, int64_t* out) {
  if (id.size() < 16 || id[3] != '_') return false;
  uint64_t v = 0;
  for (size_t i = 4; i < 16; ++i) {
    const char c = id[i];
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    v = v * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  constexpr uint64_t kMask = (uint64_t{1} << 48) - 1;
  if (id.compare(0, 4, "ses_") == 0) v = ~v & kMask;
  constexpr int64_t kPeriod = int64_t{1} << 36;
  const int64_t low = static_cast<int64_t>(v >> 12);
  int64_t best = low + ((ref_ms - low) / kPeriod) * kPeriod;
  for (int64_t cand : {best - kPeriod, best + kPeriod}) {
    if (std::llabs(cand - ref_ms) < std::llabs(best - ref_ms)) best = cand;
  }
  *out = best;
  return true;
}

int64_t Count(const std::string& path, const std::string& table) {
  auto r = Query(path, "SELECT count(*) FROM " + table);
  return r.empty() ? -1 : std::stoll(r[0][0]);
}

// Every 30-character OpenCode id inside `text`.
std::vector<std::string> IdsIn(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i + 30 <= text.size(); ++i) {
    if (text[i + 3] == '_' && LooksLikeOpencodeId(std::string_view(text).substr(i, 30)) &&
        (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])))) {
      out.push_back(text.substr(i, 30));
      i += 29;
    }
  }
  return out;
}

// decoded id time - time_created, for every row of a table (sorted).
std::vector<int64_t> IdTimeOffsets(const std::string& path, const std::string& table) {
  std::vector<int64_t> out;
  for (const auto& r : Query(path, "SELECT id, time_created FROM " + table)) {
    int64_t ms = 0;
    const int64_t created = std::stoll(r[1]);
    EXPECT_TRUE(LooksLikeOpencodeId(r[0])) << r[0];
    EXPECT_TRUE(DecodeIdTime(r[0], created, &ms)) << r[0];
    out.push_back(ms - created);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> Repeat(const std::vector<int64_t>& v, uint64_t k) {
  std::vector<int64_t> out;
  for (uint64_t i = 0; i < k; ++i) out.insert(out.end(), v.begin(), v.end());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ImportBenchIds, ShiftedIdsDecodeToTheShiftedTime) {
  // A real session id and message id of OpenCode 1.18.33 (the template).
  const std::string ses = "ses_df09ffb8bffeoMQNLoUatrT6d3", msg = "msg_20f600537001E0j6b1UYnpRI9w";
  for (int64_t delta : {int64_t{0}, int64_t{1}, int64_t{-3600000}, int64_t{-86400000} * 30, int64_t{123456789}}) {
    for (const std::string& id : {ses, msg}) {
      const std::string shifted = ShiftOpencodeId(id, delta, "ABCDEFGHIJKLMN");
      ASSERT_TRUE(LooksLikeOpencodeId(shifted)) << shifted;
      EXPECT_EQ(shifted.substr(0, 4), id.substr(0, 4));
      EXPECT_EQ(shifted.substr(16), "ABCDEFGHIJKLMN");
      int64_t before = 0, after = 0;
      ASSERT_TRUE(DecodeIdTime(id, 1795554280000, &before));
      ASSERT_TRUE(DecodeIdTime(shifted, 1795554280000 + delta, &after));
      EXPECT_EQ(after - before, delta) << id << " -> " << shifted;
      // The counter (low 12 bits) is kept: same last 3 hex digits for ascending ids.
      if (id[0] == 'm') {
        EXPECT_EQ(shifted.substr(13, 3), id.substr(13, 3));
      }
    }
  }
  // Sessions are descending: a later session sorts first.
  EXPECT_LT(ShiftOpencodeId(ses, 1000, "ABCDEFGHIJKLMN"), ShiftOpencodeId(ses, 0, "ABCDEFGHIJKLMN"));
  EXPECT_GT(ShiftOpencodeId(msg, 1000, "ABCDEFGHIJKLMN"), ShiftOpencodeId(msg, 0, "ABCDEFGHIJKLMN"));
  EXPECT_EQ(ShiftOpencodeId("ses_nothex", 1, "ABCDEFGHIJKLMN"), "");
}

TEST(ImportBenchIds, RewriteTextReplacesIdsAndShiftsJsonTimesOnly) {
  const std::unordered_map<std::string, std::string> ids = {
      {"ses_df09ffb8bffeoMQNLoUatrT6d3", "ses_aaaaaaaaaaaa00000000000000"}};
  std::string out;
  const std::string in =
      R"({"time":{"start":1795554283868},"n":1795554283868.5,"tokens":5532,"sessionId":"ses_df09ffb8bffeoMQNLoUatrT6d3",)"
      R"("output":"<task id=\"ses_df09ffb8bffeoMQNLoUatrT6d3\"> 1795554283868","other":"ses_df09ffb8bffeoMQNLoUatrT6d4"})";
  EXPECT_EQ(RewriteText(in, ids, true, 1795554280000, 1795554290000, -1000, &out), 2u);
  EXPECT_EQ(
      out,
      R"({"time":{"start":1795554282868},"n":1795554283868.5,"tokens":5532,"sessionId":"ses_aaaaaaaaaaaa00000000000000",)"
      R"("output":"<task id=\"ses_aaaaaaaaaaaa00000000000000\"> 1795554283868","other":"ses_df09ffb8bffeoMQNLoUatrT6d4"})");
  EXPECT_EQ(RewriteText("child ses_df09ffb8bffeoMQNLoUatrT6d3 1795554283868", ids, false, 0, INT64_MAX, 5, &out), 1u);
  EXPECT_EQ(out, "child ses_aaaaaaaaaaaa00000000000000 1795554283868");
}

TEST(ImportBenchReplicate, CopiesHaveFreshShiftedIdsAndNoTemplateIdLeft) {
  const std::string tmpl = TemplatePath();
  ASSERT_EQ(::access(tmpl.c_str(), R_OK), 0) << tmpl << " is missing (scripts/record-opencode-template.sh makes it)";
  testing::TempDir tmp;
  ReplicateOptions o;
  o.template_db = tmpl;
  o.out_db = tmp.Sub("opencode.db");
  o.min_sessions = 50;
  o.min_messages = 1500;
  o.min_parts = 4500;
  o.newest_ms = 1795000000000;
  auto st = ReplicateOpencodeDb(o);
  ASSERT_TRUE(st.ok()) << st.status().message();
  const ReplicateStats& s = *st;

  // --- counts: copies x template, the fewest copies reaching every minimum.
  const int64_t ts = Count(tmpl, "session"), tm = Count(tmpl, "message"), tp = Count(tmpl, "part");
  ASSERT_GT(ts, 0);
  EXPECT_EQ(s.template_sessions, static_cast<uint64_t>(ts));
  EXPECT_EQ(Count(o.out_db, "session"), ts * static_cast<int64_t>(s.copies));
  EXPECT_EQ(Count(o.out_db, "message"), tm * static_cast<int64_t>(s.copies));
  EXPECT_EQ(Count(o.out_db, "part"), tp * static_cast<int64_t>(s.copies));
  EXPECT_GE(s.sessions, o.min_sessions);
  EXPECT_GE(s.messages, o.min_messages);
  EXPECT_GE(s.parts, o.min_parts);
  const uint64_t k1 = s.copies - 1;
  EXPECT_TRUE(k1 * ts < o.min_sessions || k1 * tm < o.min_messages || k1 * tp < o.min_parts) << "one copy too many";
  // The same DDL.
  EXPECT_EQ(Query(tmpl, "SELECT type, name, sql FROM sqlite_master ORDER BY name"),
            Query(o.out_db, "SELECT type, name, sql FROM sqlite_master ORDER BY name"));

  // --- ids: fresh, valid, and each decodes to its row's shifted time exactly
  // as the template's decoded to its own (the offsets per row are kept).
  for (const char* table : {"session", "message", "part"}) {
    SCOPED_TRACE(table);
    EXPECT_EQ(IdTimeOffsets(o.out_db, table), Repeat(IdTimeOffsets(tmpl, table), s.copies));
  }
  // The times moved: every copy is older than newest_ms, none equals a template time.
  auto range = Query(o.out_db, "SELECT min(time_created), max(time_updated) FROM session");
  EXPECT_LE(std::stoll(range[0][1]), o.newest_ms);
  EXPECT_LT(std::stoll(range[0][1]), s.template_first_ms);
  // Sessions are descending ids: ordered by id, their creation times never increase.
  auto by_id = Query(o.out_db, "SELECT time_created FROM session ORDER BY id");
  for (size_t i = 1; i < by_id.size(); ++i) EXPECT_GE(std::stoll(by_id[i - 1][0]), std::stoll(by_id[i][0]));
  // A message's JSON times moved with its row (as in the template).
  const std::string json_time = "SELECT count(*) FROM message WHERE json_extract(data,'$.time.created') = time_created";
  EXPECT_EQ(std::stoll(Query(tmpl, json_time)[0][0]), tm);
  EXPECT_EQ(std::stoll(Query(o.out_db, json_time)[0][0]), tm * static_cast<int64_t>(s.copies));
  const std::string tool_times =
      "SELECT count(*) FROM part p JOIN message m ON m.id = p.message_id WHERE json_extract(p.data,'$.type')='tool' "
      "AND json_extract(p.data,'$.state.time.start') BETWEEN json_extract(m.data,'$.time.created') AND "
      "json_extract(m.data,'$.time.completed')";
  EXPECT_EQ(std::stoll(Query(o.out_db, tool_times)[0][0]),
            std::stoll(Query(tmpl, tool_times)[0][0]) * static_cast<int64_t>(s.copies));

  // --- no template id left anywhere; every id mentioned is a row of the copy.
  std::set<std::string> old_ids, new_ids;
  for (const char* table : {"session", "message", "part"}) {
    for (const auto& r : Query(tmpl, fmt::format("SELECT id FROM {}", table))) old_ids.insert(r[0]);
    for (const auto& r : Query(o.out_db, fmt::format("SELECT id FROM {}", table))) new_ids.insert(r[0]);
  }
  EXPECT_EQ(new_ids.size(), static_cast<size_t>((ts + tm + tp) * static_cast<int64_t>(s.copies)));
  size_t mentions = 0;
  for (const auto& [table, cols] : std::vector<std::pair<std::string, std::string>>{
           {"session",
            "id, parent_id, title, slug, directory, model, coalesce(metadata,''), coalesce(summary_diffs,'')"},
           {"message", "id, session_id, data"},
           {"part", "id, message_id, session_id, data"}}) {
    for (const auto& r : Query(o.out_db, fmt::format("SELECT {} FROM {}", cols, table))) {
      for (const auto& text : r) {
        for (const auto& id : IdsIn(text)) {
          ++mentions;
          EXPECT_EQ(old_ids.count(id), 0u) << "template id " << id << " left in " << table;
          EXPECT_EQ(new_ids.count(id), 1u) << id << " in " << table << " is no row of the copy";
        }
      }
    }
  }
  EXPECT_GT(mentions, new_ids.size());  // ids, references and ids inside data
  // The subagent links survived: every task part names a child session whose parent is the part's session.
  const std::string links =
      "SELECT count(*) FROM part p JOIN session c ON c.id = json_extract(p.data,'$.state.metadata.sessionId') "
      "WHERE json_extract(p.data,'$.tool')='task' AND c.parent_id = p.session_id";
  const int64_t template_links = std::stoll(Query(tmpl, links)[0][0]);
  EXPECT_GT(template_links, 0) << "the template has no task delegation";
  EXPECT_EQ(std::stoll(Query(o.out_db, links)[0][0]), template_links * static_cast<int64_t>(s.copies));
  // Totals copied unchanged.
  const std::string sums = "SELECT sum(tokens_input), sum(tokens_output), sum(tokens_cache_read) FROM session";
  auto a = Query(tmpl, sums), b = Query(o.out_db, sums);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(std::stoll(b[0][c]), std::stoll(a[0][c]) * static_cast<int64_t>(s.copies));
}

TEST(ImportBenchCompare, CompetitorThatReadNothingIsAnError) {
  UsageReport empty, ours;
  ours.sessions["ses_x"] = UsageTotals{1, 2, 3, 0, 0.5};
  auto r = CompareUsage(empty, ours);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("competitor read nothing"), std::string::npos);
  auto z = ParseCcusageSessions(R"({"sessions":[],"totals":{"inputTokens":0,"outputTokens":0,"cacheReadTokens":0,)"
                                R"("cacheCreationTokens":0,"totalCost":0}})");
  ASSERT_TRUE(z.ok()) << z.status().message();
  EXPECT_FALSE(CompareUsage(*z, ours).ok());
}

TEST(ImportBenchCompare, TokensExactCostRelative) {
  UsageReport c, o;
  c.sessions["s1"] = UsageTotals{10, 20, 30, 0, 0.1};
  o.sessions["s1"] = UsageTotals{10, 20, 30, 0, 0.1 * (1 + 1e-12)};
  c.total = c.sessions["s1"];
  o.total = o.sessions["s1"];
  auto same = CompareUsage(c, o);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->agree) << same->first_difference;
  o.sessions["s1"].cost = 0.1 * (1 + 1e-6);
  EXPECT_FALSE(CompareUsage(c, o)->agree);
  o.sessions["s1"] = c.sessions["s1"];
  o.sessions["s1"].cache_read += 1;
  auto d = CompareUsage(c, o);
  EXPECT_FALSE(d->agree);
  EXPECT_EQ(d->sessions_differing, 1u);
  o.sessions["s1"] = c.sessions["s1"];
  o.sessions["s2"] = UsageTotals{0, 1, 0, 0, 0};  // a session ccusage does not know
  EXPECT_FALSE(CompareUsage(c, o)->agree);
}

TEST(ImportBenchSmoke, AgentperfAndCcusageAgreeOnTheReplicatedDb) {
  const std::string ccusage = CcusageBinary();
  if (::access(ccusage.c_str(), X_OK) != 0) {
    FAIL() << "ccusage " << kCcusageVersion << " is not installed at " << ccusage
           << ". Install it with: " << kCcusageInstallCommand << " (needs npm and the npm registry once)";
  }
  testing::TempDir tmp;
  ImportBenchOptions o;
  o.sessions = 60;
  o.runs = 2;  // both orders
  o.work_dir = tmp.path();
  o.template_db = TemplatePath();
  o.agentperf = testing::AgentperfBin();
  o.keep = true;  // the TempDir removes it
  std::vector<std::string> lines;
  auto r = RunImportBenchRounds(o, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_TRUE(r.ok()) << r.status().message();

  // Every line is JSON: replicate, 2 rounds, summary.
  ASSERT_EQ(lines.size(), 4u);
  simdjson::dom::parser parser;
  for (const auto& l : lines) {
    simdjson::dom::element e;
    EXPECT_EQ(parser.parse(l).get(e), simdjson::SUCCESS) << l;
  }
  simdjson::dom::element summary;
  ASSERT_EQ(parser.parse(lines.back()).get(summary), simdjson::SUCCESS);
  EXPECT_TRUE(summary["summary"].get_bool().value());
  EXPECT_EQ(r->runs.size(), 2u);
  EXPECT_TRUE(r->runs[0].ccusage_first);
  EXPECT_FALSE(r->runs[1].ccusage_first);
  for (const auto& run : r->runs) {
    EXPECT_TRUE(run.cold.agree) << run.cold.first_difference;
    EXPECT_TRUE(run.warm.agree) << run.warm.first_difference;
  }
  EXPECT_TRUE(r->agree);

  // Ground truth from the replicated db itself: the assistant messages with
  // tokens (what ccusage counts), per session.
  const auto truth = Query(
      r->db_path,
      "SELECT session_id, sum(json_extract(data,'$.tokens.input')), sum(json_extract(data,'$.tokens.output')), "
      "sum(json_extract(data,'$.tokens.cache.read')), sum(json_extract(data,'$.tokens.cache.write')), "
      "sum(json_extract(data,'$.cost')) FROM message WHERE json_extract(data,'$.role')='assistant' "
      "GROUP BY session_id HAVING sum(json_extract(data,'$.tokens.input') + json_extract(data,'$.tokens.output')) > 0");
  ASSERT_FALSE(truth.empty());
  EXPECT_EQ(r->ccusage_sessions, truth.size());
  EXPECT_EQ(r->ccusage_sessions, r->replica.sessions) << "every recorded session has model calls";
  UsageTotals t;
  for (const auto& row : truth) {
    t.Add(
        UsageTotals{std::stoll(row[1]), std::stoll(row[2]), std::stoll(row[3]), std::stoll(row[4]), std::stod(row[5])});
  }
  EXPECT_EQ(r->ccusage_total.input, t.input);
  EXPECT_EQ(r->ccusage_total.output, t.output);
  EXPECT_EQ(r->ccusage_total.cache_read, t.cache_read);
  EXPECT_EQ(r->ccusage_total.cache_write, t.cache_write);
  EXPECT_NEAR(r->ccusage_total.cost, t.cost, 1e-9 * t.cost);
  EXPECT_EQ(r->agentperf_total.input, t.input);
  EXPECT_EQ(r->agentperf_total.cache_read, t.cache_read);
  EXPECT_GT(t.input, 0);
  EXPECT_GT(t.cache_read, 0);
  EXPECT_GT(t.cost, 0);
  EXPECT_GE(r->replica.sessions, 60u);
  EXPECT_GE(r->replica.messages, 3000u);
  EXPECT_GE(r->replica.parts, 9000u);
}

}  // namespace
}  // namespace agentperf::bench
