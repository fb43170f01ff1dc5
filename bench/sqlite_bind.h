// Binding agentperf event values to SQLite statement parameters, with
// agentperf's "absent" markers (empty string, event::kAbsentInt, NaN) bound
// as NULL. Used by the SQLite competitor of every benchmark.
// Thread-safety: as the statement.
#pragma once

#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <string_view>

#include "event/event.h"

namespace agentperf::bench {

// The text must stay valid until the statement is stepped (SQLITE_STATIC).
inline void BindText(sqlite3_stmt* st, int col, std::string_view s) {
  if (s.empty()) sqlite3_bind_null(st, col);
  else sqlite3_bind_text(st, col, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}
inline void BindInt(sqlite3_stmt* st, int col, int64_t v) {
  if (v == event::kAbsentInt) sqlite3_bind_null(st, col);
  else sqlite3_bind_int64(st, col, v);
}
inline void BindReal(sqlite3_stmt* st, int col, double v) {
  if (std::isnan(v)) sqlite3_bind_null(st, col);
  else sqlite3_bind_double(st, col, v);
}

}  // namespace agentperf::bench
