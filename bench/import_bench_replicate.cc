#include "bench/import_bench_replicate.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "core/clock.h"

namespace agentperf::bench {
namespace {

constexpr size_t kIdLen = 30;  // "ses_" + 12 hex + 14 base62
constexpr uint64_t kMask48 = (uint64_t{1} << 48) - 1;

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}
bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// splitmix64: the random id characters.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  void Suffix(char* out14) {
    static constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t a = Next(), b = Next();
    for (int i = 0; i < 14; ++i) {
      uint64_t& w = i < 7 ? a : b;
      out14[i] = kBase62[w % 62];
      w /= 62;
    }
  }

 private:
  uint64_t s_;
};

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};
struct Stmt {
  sqlite3_stmt* st = nullptr;
  ~Stmt() { sqlite3_finalize(st); }
};

Status SqlError(sqlite3* db, std::string_view what) {
  return Status::Internal(fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    Status s = Status::Internal(fmt::format("{}: {}", sql.substr(0, 120), err != nullptr ? err : "?"));
    sqlite3_free(err);
    return s;
  }
  return Status::OK();
}

// One value of a template row.
struct Value {
  int type = SQLITE_NULL;
  int64_t i = 0;
  double d = 0;
  std::string text;  // TEXT and BLOB
};

enum class ColKind { kPlain, kId, kIdRef, kTime };

struct Table {
  std::string name;
  std::vector<std::string> columns;
  std::vector<ColKind> kinds;
  std::vector<bool> json;  // per column: texts that start with '{' or '[' are JSON
  std::vector<std::vector<Value>> rows;
  bool per_session = false;  // replicated (session, or has a session_id column)
};

Result<Table> LoadTable(sqlite3* db, const std::string& name) {
  Table t;
  t.name = name;
  Stmt st;
  if (sqlite3_prepare_v2(db, fmt::format("SELECT * FROM \"{}\"", name).c_str(), -1, &st.st, nullptr) != SQLITE_OK) {
    return SqlError(db, "reading table " + name);
  }
  const int n = sqlite3_column_count(st.st);
  for (int c = 0; c < n; ++c) {
    std::string col = sqlite3_column_name(st.st, c);
    ColKind k = ColKind::kPlain;
    if (col == "id")
      k = ColKind::kId;
    else if (col == "session_id" || col == "parent_id" || col == "message_id")
      k = ColKind::kIdRef;
    else if (col.rfind("time_", 0) == 0)
      k = ColKind::kTime;
    if (col == "session_id") t.per_session = true;
    t.columns.push_back(col);
    t.kinds.push_back(k);
  }
  if (name == "session") t.per_session = true;
  int rc;
  while ((rc = sqlite3_step(st.st)) == SQLITE_ROW) {
    std::vector<Value> row(n);
    for (int c = 0; c < n; ++c) {
      Value& v = row[c];
      v.type = sqlite3_column_type(st.st, c);
      if (v.type == SQLITE_INTEGER)
        v.i = sqlite3_column_int64(st.st, c);
      else if (v.type == SQLITE_FLOAT)
        v.d = sqlite3_column_double(st.st, c);
      else if (v.type != SQLITE_NULL) {
        const void* p = v.type == SQLITE_BLOB ? sqlite3_column_blob(st.st, c) : sqlite3_column_text(st.st, c);
        v.text.assign(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st.st, c)));
      }
    }
    t.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return SqlError(db, "reading table " + name);
  return t;
}

// The template's time range: session time_created .. time_updated.
void TimeRange(const Table& sessions, int64_t* lo, int64_t* hi) {
  *lo = std::numeric_limits<int64_t>::max();
  *hi = std::numeric_limits<int64_t>::min();
  for (const auto& row : sessions.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (sessions.kinds[c] != ColKind::kTime || row[c].type != SQLITE_INTEGER) continue;
      if (sessions.columns[c] != "time_created" && sessions.columns[c] != "time_updated") continue;
      *lo = std::min(*lo, row[c].i);
      *hi = std::max(*hi, row[c].i);
    }
  }
}

}  // namespace

bool LooksLikeOpencodeId(std::string_view s) {
  if (s.size() != kIdLen || s[3] != '_') return false;
  for (int i = 0; i < 3; ++i) {
    if (s[i] < 'a' || s[i] > 'z') return false;
  }
  for (size_t i = 4; i < 16; ++i) {
    if (!IsLowerHex(s[i])) return false;
  }
  for (size_t i = 16; i < kIdLen; ++i) {
    if (!IsAlnum(s[i])) return false;
  }
  return true;
}

std::string ShiftOpencodeId(std::string_view id, int64_t delta_ms, std::string_view suffix) {
  if (!LooksLikeOpencodeId(id) || suffix.size() != 14) return "";
  uint64_t v = 0;
  for (size_t i = 4; i < 16; ++i) {
    char c = id[i];
    v = (v << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  const bool descending = id.substr(0, 4) == "ses_";
  if (descending) v = ~v & kMask48;
  v = (v + static_cast<uint64_t>(delta_ms) * 4096) & kMask48;  // two's complement: a negative delta subtracts
  if (descending) v = ~v & kMask48;
  std::string out(id.substr(0, 4));
  out += fmt::format("{:012x}", v);
  out += suffix;
  return out;
}

uint64_t RewriteText(std::string_view in, const std::unordered_map<std::string, std::string>& ids, bool json,
                     int64_t time_lo, int64_t time_hi, int64_t delta_ms, std::string* out) {
  out->clear();
  out->reserve(in.size() + 16);
  uint64_t replaced = 0;
  std::string key;
  bool in_string = !json;  // a plain text is one big "string"
  size_t i = 0;
  const size_t n = in.size();
  while (i < n) {
    const char c = in[i];
    if (in_string) {
      if (json && c == '\\') {  // an escape: copy it and the next character
        out->push_back(c);
        if (i + 1 < n) out->push_back(in[i + 1]);
        i += 2;
        continue;
      }
      if (json && c == '"') {
        in_string = false;
        out->push_back(c);
        ++i;
        continue;
      }
      if (c >= 'a' && c <= 'z' && i + kIdLen <= n && in[i + 3] == '_' && (i == 0 || !IsAlnum(in[i - 1]))) {
        std::string_view cand = in.substr(i, kIdLen);
        if (LooksLikeOpencodeId(cand)) {
          key.assign(cand);
          auto it = ids.find(key);
          if (it != ids.end()) {
            out->append(it->second);
            ++replaced;
            i += kIdLen;
            continue;
          }
        }
      }
      out->push_back(c);
      ++i;
      continue;
    }
    // JSON, outside strings.
    if (c == '"') {
      in_string = true;
      out->push_back(c);
      ++i;
      continue;
    }
    if (IsDigit(c) || c == '-') {
      size_t j = i + 1;
      while (j < n &&
             (IsDigit(in[j]) || in[j] == '.' || in[j] == 'e' || in[j] == 'E' || in[j] == '+' || in[j] == '-')) {
        ++j;
      }
      std::string_view num = in.substr(i, j - i);
      bool integer = num.size() >= 10 && num.size() <= 16;
      for (char d : num) integer = integer && IsDigit(d);
      if (integer) {
        int64_t v = 0;
        for (char d : num) v = v * 10 + (d - '0');
        if (v >= time_lo && v <= time_hi) {
          out->append(fmt::format("{}", v + delta_ms));
          i = j;
          continue;
        }
      }
      out->append(num);
      i = j;
      continue;
    }
    out->push_back(c);
    ++i;
  }
  return replaced;
}

Result<ReplicateStats> ReplicateOpencodeDb(const ReplicateOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  ReplicateStats stats;
  std::error_code ec;
  if (std::filesystem::exists(o.out_db, ec)) return Status::InvalidArgument(o.out_db + " already exists");

  Db src;
  if (sqlite3_open_v2(o.template_db.c_str(), &src.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return SqlError(src.db, "opening the template " + o.template_db);
  }
  // The DDL, in creation order; the table names.
  std::vector<std::string> ddl, tables;
  {
    Stmt st;
    if (sqlite3_prepare_v2(src.db,
                           "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE "
                           "'sqlite_%' ORDER BY rowid",
                           -1, &st.st, nullptr) != SQLITE_OK) {
      return SqlError(src.db, "reading the template's schema");
    }
    while (sqlite3_step(st.st) == SQLITE_ROW) {
      std::string type = reinterpret_cast<const char*>(sqlite3_column_text(st.st, 0));
      if (type == "table") tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st.st, 1)));
      ddl.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st.st, 2)));
    }
  }
  std::vector<Table> data;
  const Table* sessions = nullptr;
  for (const auto& name : tables) {
    AP_ASSIGN_OR_RETURN(Table t, LoadTable(src.db, name));
    data.push_back(std::move(t));
  }
  for (const auto& t : data) {
    if (t.name == "session") sessions = &t;
    if (t.name == "message") stats.template_messages = t.rows.size();
    if (t.name == "part") stats.template_parts = t.rows.size();
  }
  if (sessions == nullptr || sessions->rows.empty()) {
    return Status::InvalidArgument(o.template_db + " has no sessions (is it an opencode.db?)");
  }
  stats.template_sessions = sessions->rows.size();
  const uint64_t need_copies = std::max(
      {(o.min_sessions + stats.template_sessions - 1) / stats.template_sessions,
       stats.template_messages == 0 ? 1 : (o.min_messages + stats.template_messages - 1) / stats.template_messages,
       stats.template_parts == 0 ? 1 : (o.min_parts + stats.template_parts - 1) / stats.template_parts, uint64_t{1}});
  if ((o.min_messages > 0 && stats.template_messages == 0) || (o.min_parts > 0 && stats.template_parts == 0)) {
    return Status::InvalidArgument(o.template_db + " has no messages or no parts");
  }
  int64_t lo = 0, hi = 0;
  TimeRange(*sessions, &lo, &hi);
  stats.template_first_ms = lo;
  stats.template_last_ms = hi;
  constexpr int64_t kDay = 86400000;
  const int64_t newest = o.newest_ms != 0 ? o.newest_ms : WallMicros() / kMicrosPerMilli - 3600000;
  stats.copy_stride_ms = (hi - lo) + 60000;  // copies one minute apart, never overlapping
  stats.first_shift_ms = newest - hi;

  Db dst;
  if (sqlite3_open_v2(o.out_db.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    return SqlError(dst.db, "creating " + o.out_db);
  }
  AP_RETURN_IF_ERROR(Exec(dst.db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536"));
  AP_RETURN_IF_ERROR(Exec(dst.db, "BEGIN"));
  for (const auto& sql : ddl) AP_RETURN_IF_ERROR(Exec(dst.db, sql));

  // Tables without sessions: copied once, unchanged.
  std::vector<std::unique_ptr<Stmt>> inserts(data.size());
  for (size_t t = 0; t < data.size(); ++t) {
    std::string cols, qs;
    for (size_t c = 0; c < data[t].columns.size(); ++c) {
      cols += fmt::format("{}\"{}\"", c ? "," : "", data[t].columns[c]);
      qs += c ? ",?" : "?";
    }
    inserts[t] = std::make_unique<Stmt>();
    const std::string sql = fmt::format("INSERT INTO \"{}\" ({}) VALUES ({})", data[t].name, cols, qs);
    if (sqlite3_prepare_v2(dst.db, sql.c_str(), -1, &inserts[t]->st, nullptr) != SQLITE_OK) {
      return SqlError(dst.db, "preparing " + sql);
    }
  }
  auto bind_plain = [](sqlite3_stmt* st, int col, const Value& v) {
    switch (v.type) {
      case SQLITE_INTEGER:
        sqlite3_bind_int64(st, col, v.i);
        break;
      case SQLITE_FLOAT:
        sqlite3_bind_double(st, col, v.d);
        break;
      case SQLITE_TEXT:
        sqlite3_bind_text(st, col, v.text.data(), static_cast<int>(v.text.size()), SQLITE_STATIC);
        break;
      case SQLITE_BLOB:
        sqlite3_bind_blob(st, col, v.text.data(), static_cast<int>(v.text.size()), SQLITE_STATIC);
        break;
      default:
        sqlite3_bind_null(st, col);
    }
  };
  auto step = [&](sqlite3_stmt* st, const std::string& table) -> Status {
    if (sqlite3_step(st) != SQLITE_DONE) return SqlError(dst.db, "inserting into " + table);
    sqlite3_reset(st);
    return Status::OK();
  };
  for (size_t t = 0; t < data.size(); ++t) {
    if (data[t].per_session) continue;
    for (const auto& row : data[t].rows) {
      for (size_t c = 0; c < row.size(); ++c) bind_plain(inserts[t]->st, static_cast<int>(c) + 1, row[c]);
      AP_RETURN_IF_ERROR(step(inserts[t]->st, data[t].name));
    }
  }

  // The copies.
  Rng rng(o.seed);
  std::unordered_map<std::string, std::string> ids;
  std::vector<std::string> texts;  // the rewritten texts of one row (bound SQLITE_STATIC until the step)
  char suffix[14];
  for (uint64_t k = 0; k < need_copies; ++k) {
    const int64_t delta = stats.first_shift_ms - static_cast<int64_t>(k) * stats.copy_stride_ms;
    ids.clear();
    for (const auto& t : data) {
      if (!t.per_session) continue;
      for (size_t c = 0; c < t.columns.size(); ++c) {
        if (t.kinds[c] != ColKind::kId) continue;
        for (const auto& row : t.rows) {
          if (row[c].type != SQLITE_TEXT || !LooksLikeOpencodeId(row[c].text)) continue;
          rng.Suffix(suffix);
          ids[row[c].text] = ShiftOpencodeId(row[c].text, delta, std::string_view(suffix, 14));
        }
      }
    }
    for (size_t t = 0; t < data.size(); ++t) {
      const Table& tab = data[t];
      if (!tab.per_session) continue;
      sqlite3_stmt* st = inserts[t]->st;
      texts.resize(tab.columns.size());
      for (const auto& row : tab.rows) {
        for (size_t c = 0; c < row.size(); ++c) {
          const Value& v = row[c];
          const int col = static_cast<int>(c) + 1;
          if (tab.kinds[c] == ColKind::kTime && v.type == SQLITE_INTEGER) {
            sqlite3_bind_int64(st, col, v.i + delta);
          } else if (v.type == SQLITE_TEXT && (tab.kinds[c] == ColKind::kId || tab.kinds[c] == ColKind::kIdRef)) {
            auto it = ids.find(v.text);
            if (it == ids.end() && LooksLikeOpencodeId(v.text)) {
              return Status::Internal(fmt::format("{}.{} = {} refers to no session, message or part of the template",
                                                  tab.name, tab.columns[c], v.text));
            }
            const std::string& s = it == ids.end() ? v.text : it->second;
            sqlite3_bind_text(st, col, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
          } else if (v.type == SQLITE_TEXT) {
            const bool json = !v.text.empty() && (v.text[0] == '{' || v.text[0] == '[');
            stats.ids_rewritten += RewriteText(v.text, ids, json, lo - kDay, hi + kDay, delta, &texts[c]);
            if (tab.columns[c] == "data") stats.data_bytes += texts[c].size();
            sqlite3_bind_text(st, col, texts[c].data(), static_cast<int>(texts[c].size()), SQLITE_STATIC);
          } else {
            bind_plain(st, col, v);
          }
        }
        AP_RETURN_IF_ERROR(step(st, tab.name));
      }
    }
    stats.copies = k + 1;
  }
  AP_RETURN_IF_ERROR(Exec(dst.db, "COMMIT"));
  stats.sessions = stats.copies * stats.template_sessions;
  stats.messages = stats.copies * stats.template_messages;
  stats.parts = stats.copies * stats.template_parts;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

}  // namespace agentperf::bench
