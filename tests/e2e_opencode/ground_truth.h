// What OpenCode itself recorded (its opencode.db, read-only) and what
// agentperf stored (the NDJSON of `agentperf export`), as plain values, plus
// the field-by-field comparison the end-to-end test asserts
// (docs/design/opencode-integration.md §8.3).
//
// Header-only (the test suite compiles only *_test.cc files). Thread-safety:
// plain functions over values.
#pragma once

#include <simdjson.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace agentperf::e2e {

struct Tokens {
  int64_t input = 0, output = 0, reasoning = 0, cache_read = 0, cache_write = 0;
  bool operator==(const Tokens&) const = default;
};

inline std::string ToString(const Tokens& t) {
  return fmt::format("in={} out={} reas={} cr={} cw={}", t.input, t.output, t.reasoning, t.cache_read, t.cache_write);
}

struct DbSession {
  std::string id, parent_id, agent, model, provider;
  double cost = 0;
  Tokens tokens;
  int64_t created = 0, updated = 0;
};

struct DbStep {  // one assistant message
  std::string id, session_id, user_id, agent, model, provider, finish, error_name;
  int64_t created = 0, completed = 0;
  double cost = 0;
  Tokens tokens;
  int step_finishes = 0;
};

struct DbTool {  // one tool part
  std::string id, session_id, message_id, call_id, tool, status, child_session;
  int64_t start = 0, end = 0;
};

struct DbTurn {  // one user message
  std::string id, session_id, agent;
  int64_t created = 0;
};

struct GroundTruth {
  std::map<std::string, DbSession> sessions;
  std::map<std::string, DbStep> steps;
  std::map<std::string, DbTool> tools;
  std::map<std::string, DbTurn> turns;
};

namespace detail {

inline std::string Text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t));
}

// Runs `sql`, calling `row` per result row; returns "" or an error message.
template <typename Fn>
std::string ForEachRow(sqlite3* db, const char* sql, Fn&& row) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
    return fmt::format("prepare failed: {}: {}", sqlite3_errmsg(db), sql);
  }
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
  std::string err = rc == SQLITE_DONE ? "" : fmt::format("step failed: {}", sqlite3_errmsg(db));
  sqlite3_finalize(s);
  return err;
}

inline Tokens TokensAt(sqlite3_stmt* s, int first) {
  return Tokens{sqlite3_column_int64(s, first), sqlite3_column_int64(s, first + 1),
                sqlite3_column_int64(s, first + 2), sqlite3_column_int64(s, first + 3),
                sqlite3_column_int64(s, first + 4)};
}

}  // namespace detail

// Reads OpenCode's own record of every session, step, tool call and turn.
// Returns "" or an error message.
inline std::string ReadGroundTruth(const std::string& db_path, GroundTruth* out) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string e = fmt::format("cannot open {}: {}", db_path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return e;
  }
  std::string err = detail::ForEachRow(
      db,
      "SELECT id, coalesce(parent_id,''), coalesce(agent,''), coalesce(json_extract(model,'$.id'),''),"
      " coalesce(json_extract(model,'$.providerID'),''), cost, tokens_input, tokens_output, tokens_reasoning,"
      " tokens_cache_read, tokens_cache_write, time_created, time_updated FROM session",
      [&](sqlite3_stmt* s) {
        DbSession x{detail::Text(s, 0), detail::Text(s, 1), detail::Text(s, 2), detail::Text(s, 3), detail::Text(s, 4),
                    sqlite3_column_double(s, 5), detail::TokensAt(s, 6), sqlite3_column_int64(s, 11),
                    sqlite3_column_int64(s, 12)};
        out->sessions[x.id] = x;
      });
  if (err.empty()) {
    err = detail::ForEachRow(
        db,
        "SELECT id, session_id, coalesce(json_extract(data,'$.parentID'),''), coalesce(json_extract(data,'$.agent'),''),"
        " coalesce(json_extract(data,'$.modelID'),''), coalesce(json_extract(data,'$.providerID'),''),"
        " coalesce(json_extract(data,'$.finish'),''), coalesce(json_extract(data,'$.error.name'),''),"
        " coalesce(json_extract(data,'$.time.created'),0), coalesce(json_extract(data,'$.time.completed'),0),"
        " coalesce(json_extract(data,'$.cost'),0), coalesce(json_extract(data,'$.tokens.input'),0),"
        " coalesce(json_extract(data,'$.tokens.output'),0), coalesce(json_extract(data,'$.tokens.reasoning'),0),"
        " coalesce(json_extract(data,'$.tokens.cache.read'),0), coalesce(json_extract(data,'$.tokens.cache.write'),0)"
        " FROM message WHERE json_extract(data,'$.role')='assistant'",
        [&](sqlite3_stmt* s) {
          DbStep x;
          x.id = detail::Text(s, 0);
          x.session_id = detail::Text(s, 1);
          x.user_id = detail::Text(s, 2);
          x.agent = detail::Text(s, 3);
          x.model = detail::Text(s, 4);
          x.provider = detail::Text(s, 5);
          x.finish = detail::Text(s, 6);
          x.error_name = detail::Text(s, 7);
          x.created = sqlite3_column_int64(s, 8);
          x.completed = sqlite3_column_int64(s, 9);
          x.cost = sqlite3_column_double(s, 10);
          x.tokens = detail::TokensAt(s, 11);
          out->steps[x.id] = x;
        });
  }
  if (err.empty()) {
    err = detail::ForEachRow(db, "SELECT message_id, count(*) FROM part WHERE json_extract(data,'$.type')='step-finish'"
                                 " GROUP BY message_id",
                             [&](sqlite3_stmt* s) {
                               auto it = out->steps.find(detail::Text(s, 0));
                               if (it != out->steps.end()) it->second.step_finishes = sqlite3_column_int(s, 1);
                             });
  }
  if (err.empty()) {
    err = detail::ForEachRow(
        db,
        "SELECT id, session_id, message_id, coalesce(json_extract(data,'$.callID'),''),"
        " coalesce(json_extract(data,'$.tool'),''), coalesce(json_extract(data,'$.state.status'),''),"
        " coalesce(json_extract(data,'$.state.metadata.sessionId'),''),"
        " coalesce(json_extract(data,'$.state.time.start'),0), coalesce(json_extract(data,'$.state.time.end'),0)"
        " FROM part WHERE json_extract(data,'$.type')='tool'",
        [&](sqlite3_stmt* s) {
          DbTool x{detail::Text(s, 0), detail::Text(s, 1), detail::Text(s, 2), detail::Text(s, 3), detail::Text(s, 4),
                   detail::Text(s, 5), detail::Text(s, 6), sqlite3_column_int64(s, 7), sqlite3_column_int64(s, 8)};
          out->tools[x.id] = x;
        });
  }
  if (err.empty()) {
    err = detail::ForEachRow(db,
                             "SELECT id, session_id, coalesce(json_extract(data,'$.agent'),''),"
                             " coalesce(json_extract(data,'$.time.created'),0)"
                             " FROM message WHERE json_extract(data,'$.role')='user'",
                             [&](sqlite3_stmt* s) {
                               DbTurn x{detail::Text(s, 0), detail::Text(s, 1), detail::Text(s, 2),
                                        sqlite3_column_int64(s, 3)};
                               out->turns[x.id] = x;
                             });
  }
  sqlite3_close(db);
  return err;
}

// One exported event (the ingest schema of docs/events.md).
struct Record {
  std::string kind, id, span_id, session_id, parent_session_id, parent_span_id, message_id;
  std::string agent, model, provider, tool, status = "ok", error_class, source;
  double start_ms = 0, end_ms = 0;
  std::optional<double> cost, ttfc_ms;
  Tokens tokens;
  std::map<std::string, std::string> attrs;  // values as JSON text
  double duration_ms() const { return end_ms - start_ms; }
};

// Parses `agentperf export` NDJSON. Returns "" or an error message.
inline std::string ParseExport(const std::string& ndjson, std::vector<Record>* out) {
  simdjson::dom::parser parser;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < ndjson.size()) {
    size_t nl = ndjson.find('\n', pos);
    if (nl == std::string::npos) nl = ndjson.size();
    std::string line = ndjson.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    simdjson::dom::element e;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) return fmt::format("export line {}: bad JSON", line_no);
    Record r;
    for (auto [key, value] : e.get_object()) {
      std::string k(key);
      auto str = [&]() { return std::string(value.get_string().value_unsafe()); };
      if (k == "kind") r.kind = str();
      else if (k == "id") r.id = str();
      else if (k == "span_id") r.span_id = str();
      else if (k == "session_id") r.session_id = str();
      else if (k == "parent_session_id") r.parent_session_id = str();
      else if (k == "parent_span_id") r.parent_span_id = str();
      else if (k == "message_id") r.message_id = str();
      else if (k == "agent") r.agent = str();
      else if (k == "model") r.model = str();
      else if (k == "provider") r.provider = str();
      else if (k == "tool") r.tool = str();
      else if (k == "status") r.status = str();
      else if (k == "error_class") r.error_class = str();
      else if (k == "source") r.source = str();
      else if (k == "start_ms") r.start_ms = double(value);
      else if (k == "end_ms") r.end_ms = double(value);
      else if (k == "duration_ms") r.end_ms = r.start_ms + double(value);  // start comes first in export
      else if (k == "cost") r.cost = double(value);
      else if (k == "ttfc_ms") r.ttfc_ms = double(value);
      else if (k == "tokens") {
        for (auto [tk, tv] : value.get_object()) {
          int64_t n = int64_t(double(tv));
          if (tk == "input") r.tokens.input = n;
          else if (tk == "output") r.tokens.output = n;
          else if (tk == "reasoning") r.tokens.reasoning = n;
          else if (tk == "cache_read") r.tokens.cache_read = n;
          else if (tk == "cache_write") r.tokens.cache_write = n;
        }
      } else if (k == "attrs") {
        for (auto [ak, av] : value.get_object()) {
          r.attrs[std::string(ak)] =
              av.is_string() ? std::string(av.get_string().value_unsafe()) : simdjson::minify(av);
        }
      }
    }
    out->push_back(std::move(r));
  }
  return "";
}

// Records by kind, then by span_id (the OpenCode id of the span).
using RecordIndex = std::map<std::string, std::map<std::string, Record>>;

// Indexes records; a second record with the same (kind, span_id) is reported
// in `duplicates`.
inline RecordIndex IndexRecords(const std::vector<Record>& records, std::vector<std::string>* duplicates) {
  RecordIndex idx;
  for (const Record& r : records) {
    auto [it, fresh] = idx[r.kind].emplace(r.span_id, r);
    if (!fresh) duplicates->push_back(fmt::format("{} {}", r.kind, r.span_id));
  }
  return idx;
}

inline bool SameCost(double a, double b) { return std::fabs(a - b) <= 1e-12 + 1e-9 * std::fabs(b); }

// Compares what a source stored with OpenCode's record (§8.3 assertion 1):
// one session/llm_call/tool_call/turn per db row with equal fields. Tool end
// times may be earlier by a permission wait when `allow_permission_adjust`
// (then duration + attrs.permission_wait_ms must equal the db's duration
// within 5 ms). Returns one line per mismatch.
inline std::vector<std::string> CompareWithDb(const GroundTruth& gt, const RecordIndex& idx,
                                              bool allow_permission_adjust) {
  std::vector<std::string> bad;
  auto kind = [&](const char* k) -> const std::map<std::string, Record>& {
    static const std::map<std::string, Record> empty;
    auto it = idx.find(k);
    return it == idx.end() ? empty : it->second;
  };
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) bad.push_back(what);
  };
  const auto& sessions = kind("session");
  check(sessions.size() == gt.sessions.size(),
        fmt::format("session count: stored {} vs db {}", sessions.size(), gt.sessions.size()));
  for (const auto& [id, s] : gt.sessions) {
    auto it = sessions.find(id);
    if (it == sessions.end()) {
      bad.push_back("session missing: " + id);
      continue;
    }
    const Record& r = it->second;
    check(r.session_id == id, fmt::format("session {} session_id {}", id, r.session_id));
    check(r.parent_session_id == s.parent_id,
          fmt::format("session {} parent '{}' vs db '{}'", id, r.parent_session_id, s.parent_id));
    check(r.agent == s.agent, fmt::format("session {} agent {} vs db {}", id, r.agent, s.agent));
    check(r.model == s.model && r.provider == s.provider,
          fmt::format("session {} model {}/{} vs db {}/{}", id, r.provider, r.model, s.provider, s.model));
    check(r.tokens == s.tokens, fmt::format("session {} tokens {} vs db {}", id, ToString(r.tokens), ToString(s.tokens)));
    check(r.cost && SameCost(*r.cost, s.cost), fmt::format("session {} cost {} vs db {}", id, r.cost.value_or(-1), s.cost));
    check(r.start_ms == double(s.created), fmt::format("session {} start {} vs db {}", id, r.start_ms, s.created));
    check(r.end_ms == double(s.updated), fmt::format("session {} end {} vs db {}", id, r.end_ms, s.updated));
  }
  // OpenCode's own llm_calls; auxiliary calls (title generation, known only
  // from OTLP: attrs.aux) are not messages in opencode.db.
  std::map<std::string, Record> calls;
  for (const auto& [span, r] : kind("llm_call")) {
    if (!r.attrs.count("aux")) calls.emplace(span, r);
  }
  check(calls.size() == gt.steps.size(),
        fmt::format("llm_call count: stored {} vs db {}", calls.size(), gt.steps.size()));
  for (const auto& [id, s] : gt.steps) {
    check(s.step_finishes <= 1, fmt::format("db message {} has {} step-finish parts", id, s.step_finishes));
    auto it = calls.find(id);
    if (it == calls.end()) {
      bad.push_back(fmt::format("llm_call missing: {} (session {}, agent {}, finish '{}', error '{}', {}..{})", id,
                                s.session_id, s.agent, s.finish, s.error_name, s.created, s.completed));
      continue;
    }
    const Record& r = it->second;
    check(r.session_id == s.session_id, fmt::format("llm_call {} session {} vs db {}", id, r.session_id, s.session_id));
    check(r.parent_span_id == s.user_id, fmt::format("llm_call {} parent {} vs db {}", id, r.parent_span_id, s.user_id));
    check(r.agent == s.agent && r.model == s.model && r.provider == s.provider,
          fmt::format("llm_call {} labels {}/{}/{} vs db {}/{}/{}", id, r.agent, r.provider, r.model, s.agent,
                      s.provider, s.model));
    check(r.start_ms == double(s.created), fmt::format("llm_call {} start {} vs db {}", id, r.start_ms, s.created));
    check(s.completed == 0 || r.end_ms == double(s.completed),
          fmt::format("llm_call {} end {} vs db {}", id, r.end_ms, s.completed));
    check(r.tokens == s.tokens, fmt::format("llm_call {} tokens {} vs db {}", id, ToString(r.tokens), ToString(s.tokens)));
    check(r.cost && SameCost(*r.cost, s.cost), fmt::format("llm_call {} cost {} vs db {}", id, r.cost.value_or(-1), s.cost));
  }
  const auto& tools = kind("tool_call");
  check(tools.size() == gt.tools.size(),
        fmt::format("tool_call count: stored {} vs db {}", tools.size(), gt.tools.size()));
  for (const auto& [id, t] : gt.tools) {
    auto it = tools.find(id);
    if (it == tools.end()) {
      bad.push_back(fmt::format("tool_call missing: {} ({} {})", id, t.tool, t.status));
      continue;
    }
    const Record& r = it->second;
    check(r.session_id == t.session_id && r.parent_span_id == t.message_id,
          fmt::format("tool_call {} session/parent {}/{} vs db {}/{}", id, r.session_id, r.parent_span_id,
                      t.session_id, t.message_id));
    check(r.tool == t.tool, fmt::format("tool_call {} tool {} vs db {}", id, r.tool, t.tool));
    check((t.status == "completed") == (r.status == "ok"),
          fmt::format("tool_call {} status {} vs db {}", id, r.status, t.status));
    check(r.start_ms == double(t.start), fmt::format("tool_call {} start {} vs db {}", id, r.start_ms, t.start));
    double db_ms = double(t.end - t.start);
    auto wait = r.attrs.find("permission_wait_ms");
    if (allow_permission_adjust && wait != r.attrs.end()) {
      double w = std::stod(wait->second);
      check(std::fabs(r.duration_ms() + w - db_ms) <= 5.0,
            fmt::format("tool_call {} duration {} + wait {} vs db {}", id, r.duration_ms(), w, db_ms));
    } else {
      check(r.end_ms == double(t.end), fmt::format("tool_call {} end {} vs db {}", id, r.end_ms, t.end));
    }
    if (!t.child_session.empty()) {
      auto c = r.attrs.find("child_session_id");
      check(c != r.attrs.end() && c->second == t.child_session,
            fmt::format("tool_call {} child_session_id missing or wrong (db {})", id, t.child_session));
    }
  }
  const auto& turns = kind("turn");
  check(turns.size() == gt.turns.size(), fmt::format("turn count: stored {} vs db {}", turns.size(), gt.turns.size()));
  for (const auto& [id, t] : gt.turns) {
    auto it = turns.find(id);
    if (it == turns.end()) {
      bad.push_back("turn missing: " + id);
      continue;
    }
    check(it->second.start_ms == double(t.created),
          fmt::format("turn {} start {} vs db {}", id, it->second.start_ms, t.created));
    check(it->second.agent == t.agent, fmt::format("turn {} agent {} vs db {}", id, it->second.agent, t.agent));
  }
  return bad;
}

}  // namespace agentperf::e2e
