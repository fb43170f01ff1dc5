// The legacy OpenCode storage tree (<= 1.1; F§1c, json-migration.ts):
//   storage/session/<projectID>/<sessionID>.json
//   storage/message/<sessionID>/<messageID>.json
//   storage/part/<messageID>/<partID>.json
// Unlike the db rows, the files hold their own ids. Each session is handed to
// `fn` with all its messages and parts, in session-file name order, so the
// same SpanBuilder maps it exactly like a db session. Files that do not
// parse are counted in RowStats and skipped.
// Thread-safety: a free function; reads files only.
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "ingest/opencode/db_reader.h"
#include "ingest/opencode/span_builder.h"

namespace agentperf::ingest::opencode {

// *sessions_total is set (before the first call of fn) to the number of session files.
Status ForEachLegacyUnit(const std::string& storage_dir, const std::function<Status(SessionUnit*)>& fn, RowStats* stats,
                         uint64_t* sessions_total);

}  // namespace agentperf::ingest::opencode
