#include "ingest/opencode/db_reader.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <thread>
#include <unordered_map>

#include "core/json_writer.h"
#include "ingest/opencode/row_parse_pool.h"

namespace agentperf::ingest::opencode {
namespace {

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) { rc_ = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Status Prepared() const {
    return rc_ == SQLITE_OK ? Status::OK() : Status::Unavailable(fmt::format("sqlite: {}", sqlite3_errmsg(db_)));
  }
  void BindText(int i, std::string_view v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
  // SQLITE_ROW -> true; SQLITE_DONE -> false; errors -> *st.
  bool Step(Status* st) {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) *st = Status::Unavailable(fmt::format("sqlite: {}", sqlite3_errmsg(db_)));
    return false;
  }
  std::string_view Text(int col) const {
    const void* p = sqlite3_column_blob(st_, col);
    int n = sqlite3_column_bytes(st_, col);
    return p == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(p), static_cast<size_t>(n));
  }
  bool IsNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(st_, col); }
  double Double(int col) const { return sqlite3_column_double(st_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  int rc_;
};

// "file:<percent-encoded path>?mode=ro"
std::string ReadOnlyUri(const std::string& path) {
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
      uri.push_back(static_cast<char>(c));
    } else {
      uri += fmt::format("%{:02X}", c);
    }
  }
  return uri + "?mode=ro";
}

}  // namespace

void RowStats::Bad(std::string_view table, std::string_view id, std::string_view why) {
  if (bad++ == 0) first_bad = fmt::format("{} {}: {}", table, id, why);
}

Result<std::unique_ptr<DbReader>> DbReader::Open(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) return Status::NotFound(fmt::format("{} does not exist", path));
  std::unique_ptr<DbReader> r(new DbReader());
  int rc = sqlite3_open_v2(ReadOnlyUri(path).c_str(), &r->db_,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    return Status::Unavailable(
        fmt::format("cannot open {} read-only: {}", path, r->db_ ? sqlite3_errmsg(r->db_) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(r->db_, 5000);
  AP_RETURN_IF_ERROR(r->Exec("PRAGMA query_only=1"));
  // Read pages straight from the page cache instead of copying them in with
  // pread (read-only: SQLite never writes through the map; WAL frames are
  // still read from the -wal file).
  AP_RETURN_IF_ERROR(r->Exec("PRAGMA mmap_size=2147418112"));
  AP_RETURN_IF_ERROR(r->Exec("BEGIN"));
  r->in_txn_ = true;
  const unsigned cores = std::thread::hardware_concurrency();
  r->SetParseThreads(static_cast<int>(std::clamp(cores, 1u, 4u)));
  // The snapshot starts at the first read; take it now.
  Stmt check(r->db_, "SELECT count(*) FROM sqlite_master WHERE name IN ('session','message','part')");
  Status st = check.Prepared();
  if (!st.ok()) {
    return Status::Unavailable(fmt::format(
        "cannot read {}: {} (a WAL database needs its -shm file: is the directory writable?)", path, st.message()));
  }
  if (!check.Step(&st)) return st.ok() ? Status::Internal("no row") : st;
  if (check.Int(0) != 3) {
    return Status::InvalidArgument(
        fmt::format("{} is not an OpenCode database (no session/message/part tables)", path));
  }
  return r;
}

DbReader::~DbReader() {
  if (in_txn_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (db_ != nullptr) sqlite3_close(db_);
}

Status DbReader::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::OK();
  Status st = Status::Unavailable(fmt::format("sqlite: {}: {}", sql, err ? err : sqlite3_errstr(rc)));
  sqlite3_free(err);
  return st;
}

Result<uint64_t> DbReader::CountSessions() {
  Stmt s(db_, "SELECT count(*) FROM session");
  AP_RETURN_IF_ERROR(s.Prepared());
  Status st;
  if (!s.Step(&st)) return st.ok() ? Status::Internal("no row") : st;
  return static_cast<uint64_t>(s.Int(0));
}

Status DbReader::ReadSessions(int64_t after_ms, const std::vector<std::string>& also, std::vector<SessionInfo>* out,
                              RowStats* stats) {
  Stmt s(db_,
         "SELECT id, parent_id, project_id, agent, model, version, cost, tokens_input, tokens_output, "
         "tokens_reasoning, tokens_cache_read, tokens_cache_write, time_created, time_updated FROM session "
         "WHERE time_updated > ?1 OR id IN (SELECT value FROM json_each(?2)) ORDER BY time_updated, id");
  AP_RETURN_IF_ERROR(s.Prepared());
  JsonWriter ids;
  ids.BeginArray();
  for (const auto& id : also) ids.String(id);
  ids.EndArray();
  s.BindInt(1, after_ms);
  s.BindText(2, ids.str());
  Status st;
  while (s.Step(&st)) {
    SessionInfo si;
    si.id = s.Text(0);
    si.parent_id = s.Text(1);
    si.project_id = s.Text(2);
    si.agent = s.Text(3);
    if (!s.IsNull(4)) {
      Status ms = parser_.ParseModel(s.Text(4), &si.model_id, &si.provider_id);
      if (!ms.ok()) stats->Bad("session", si.id, fmt::format("model: {}", ms.message()));
    }
    si.version = s.Text(5);
    si.cost = s.Double(6);
    si.tokens.present = true;
    si.tokens.input = s.Int(7);
    si.tokens.output = s.Int(8);
    si.tokens.reasoning = s.Int(9);
    si.tokens.cache_read = s.Int(10);
    si.tokens.cache_write = s.Int(11);
    si.time_created = s.Int(12);
    si.time_updated = s.Int(13);
    ++stats->sessions;
    out->push_back(std::move(si));
  }
  return st;
}

Status DbReader::ScanMessages(const char* sql, const std::string* session_id,
                              const std::function<void(MessageInfo&&)>& add, RowStats* stats) {
  Stmt s(db_, sql);
  AP_RETURN_IF_ERROR(s.Prepared());
  if (session_id != nullptr) s.BindText(1, *session_id);
  Status st;
  while (s.Step(&st)) {
    MessageInfo m;
    m.id = s.Text(0);
    m.session_id = s.Text(1);
    ++stats->messages;
    Status ps = parser_.ParseMessage(s.Text(2), &m);
    if (!ps.ok()) {
      stats->Bad("message", m.id, ps.message());
      continue;
    }
    add(std::move(m));
  }
  return st;
}

Status DbReader::ScanParts(const char* sql, const std::string* session_id, const std::function<void(PartInfo&&)>& add,
                           RowStats* stats) {
  Stmt s(db_, sql);
  AP_RETURN_IF_ERROR(s.Prepared());
  if (session_id != nullptr) s.BindText(1, *session_id);
  Status st;
  while (s.Step(&st)) {
    PartInfo p;
    p.id = s.Text(0);
    p.message_id = s.Text(1);
    p.session_id = s.Text(2);
    ++stats->parts;
    Status ps = parser_.ParsePart(s.Text(3), &p);
    if (!ps.ok()) {
      stats->Bad("part", p.id, ps.message());
      continue;
    }
    add(std::move(p));
  }
  return st;
}

Status DbReader::ForEachUnit(std::vector<SessionInfo> sessions, bool full_scan,
                             const std::function<Status(SessionUnit*)>& fn, RowStats* stats) {
  if (!full_scan) {
    for (SessionInfo& si : sessions) {
      SessionUnit u;
      u.session = std::move(si);
      AP_RETURN_IF_ERROR(ScanMessages(
          "SELECT id, session_id, data FROM message WHERE session_id = ?1", &u.session.id,
          [&](MessageInfo&& m) { u.messages.push_back(std::move(m)); }, stats));
      AP_RETURN_IF_ERROR(ScanParts(
          "SELECT id, message_id, session_id, data FROM part WHERE session_id = ?1", &u.session.id,
          [&](PartInfo&& p) { u.parts.push_back(std::move(p)); }, stats));
      AP_RETURN_IF_ERROR(fn(&u));
    }
    return Status::OK();
  }
  std::vector<SessionUnit> units(sessions.size());
  std::unordered_map<std::string_view, uint32_t> index;
  index.reserve(sessions.size());
  for (size_t i = 0; i < sessions.size(); ++i) {
    units[i].session = std::move(sessions[i]);
    index.emplace(units[i].session.id, static_cast<uint32_t>(i));
  }
  // This thread steps SQLite and copies the rows of the sessions asked for
  // into chunks; the pool parses their JSON meanwhile (row_parse_pool.h).
  // Rows of sessions not asked for are skipped before their JSON is parsed.
  RowParsePool pool(parse_helpers_);
  auto scan = [&](RowChunk::Table table, const char* sql) -> Status {
    const bool is_part = table == RowChunk::Table::kPart;
    const int session_col = is_part ? 2 : 1;
    Stmt s(db_, sql);
    AP_RETURN_IF_ERROR(s.Prepared());
    auto chunk = std::make_unique<RowChunk>(table);
    Status st;
    while (s.Step(&st)) {
      auto it = index.find(s.Text(session_col));
      if (it == index.end()) continue;
      ++(is_part ? stats->parts : stats->messages);
      chunk->Add(it->second, s.Text(0), s.Text(session_col), is_part ? s.Text(1) : std::string_view(),
                 s.Text(is_part ? 3 : 2));
      if (chunk->bytes() >= chunk_bytes_) {
        pool.Submit(std::move(chunk));
        chunk = std::make_unique<RowChunk>(table);
      }
    }
    if (chunk->rows() > 0) pool.Submit(std::move(chunk));
    return st;
  };
  Status read = scan(RowChunk::Table::kMessage, "SELECT id, session_id, data FROM message");
  if (read.ok()) read = scan(RowChunk::Table::kPart, "SELECT id, message_id, session_id, data FROM part");
  std::vector<std::unique_ptr<RowChunk>> chunks = pool.Finish();
  AP_RETURN_IF_ERROR(read);
  // Hand the parsed rows to their units, in table order; size every vector
  // first so that no row is moved twice.
  std::vector<uint32_t> n_messages(units.size()), n_parts(units.size());
  for (const auto& c : chunks) {
    auto& n = c->table() == RowChunk::Table::kPart ? n_parts : n_messages;
    for (uint32_t u : c->units()) ++n[u];
  }
  for (size_t i = 0; i < units.size(); ++i) {
    units[i].messages.reserve(n_messages[i]);
    units[i].parts.reserve(n_parts[i]);
  }
  for (auto& c : chunks) {
    const bool is_part = c->table() == RowChunk::Table::kPart;
    for (const auto& b : c->bad()) stats->Bad(is_part ? "part" : "message", b.id, b.why);
    const auto& us = c->units();
    for (size_t i = 0; i < us.size(); ++i) {
      if (is_part) {
        units[us[i]].parts.push_back(std::move(c->parts()[i]));
      } else {
        units[us[i]].messages.push_back(std::move(c->messages()[i]));
      }
    }
    c.reset();
  }
  for (SessionUnit& u : units) {
    AP_RETURN_IF_ERROR(fn(&u));
    u = SessionUnit{};  // free as we go
  }
  return Status::OK();
}

}  // namespace agentperf::ingest::opencode
