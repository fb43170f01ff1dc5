// Builds a large opencode.db for `agentperf bench import` by replicating the
// sessions of a small template database recorded by the real OpenCode
// (tests/fixtures/opencode/template.db, scripts/record-opencode-template.sh).
//
// The new database gets the template's DDL (sqlite_master, in order), the
// template's rows of tables not tied to a session (project, migration, ...)
// once, and K copies of every row of `session` and of every table with a
// `session_id` column (message, part, todo, ...), K the smallest number of
// copies that reaches all three minimums. Copy k is shifted back in time by
// its own offset (copies do not overlap; the newest ends before `newest_ms`):
//   * every OpenCode id (`ses_`, `msg_`, `prt_`, ... of the template's
//     session, message and part rows, and the `id` of other copied rows) gets
//     a fresh id: the time encoded in it is shifted by the same offset, its
//     counter kept, its 14 random characters drawn anew (ShiftOpencodeId);
//   * every occurrence of an old id in any text column (ids, `parent_id`,
//     JSON `data`: `parentID`, `metadata.sessionId`, the `<task id=...>`
//     output text) is rewritten through one old->new map per copy;
//   * integer `time_*` columns, and 13-digit integers inside JSON texts that
//     lie within a day of the template's time range, are shifted;
//   * everything else (tokens, cost, texts) is copied unchanged.
// All inserts run in one transaction with prepared statements.
//
// Thread-safety: ReplicateOpencodeDb is a blocking call; the helpers are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace agentperf::bench {

struct ReplicateOptions {
  std::string template_db;  // read-only
  std::string out_db;       // created; REQUIRES: does not exist yet
  uint64_t min_sessions = 2000;
  uint64_t min_messages = 100000;
  uint64_t min_parts = 300000;
  int64_t newest_ms = 0;  // the newest time of the newest copy; 0: now - 1 h
  uint64_t seed = 1;      // for the random id characters
};

struct ReplicateStats {
  uint64_t copies = 0;
  uint64_t template_sessions = 0, template_messages = 0, template_parts = 0;
  uint64_t sessions = 0, messages = 0, parts = 0;
  uint64_t data_bytes = 0;     // bytes of message.data + part.data written
  uint64_t ids_rewritten = 0;  // old ids replaced inside text columns (not counting the id columns)
  int64_t template_first_ms = 0, template_last_ms = 0;
  int64_t copy_stride_ms = 0;  // copy k is shifted by newest_ms - template_last_ms - k * copy_stride_ms
  int64_t first_shift_ms = 0;  // the shift of copy 0
  double seconds = 0;
};

Result<ReplicateStats> ReplicateOpencodeDb(const ReplicateOptions& options);

// `id` ("<prefix>_<12 hex><14 base62>") with the time encoded in it moved by
// `delta_ms` (for `ses_` ids, which hold the complement, too) and its last 14
// characters replaced by `suffix`. Returns "" if `id` does not have that
// shape. REQUIRES: suffix.size() == 14.
std::string ShiftOpencodeId(std::string_view id, int64_t delta_ms, std::string_view suffix);

// True if `s` has the shape of an OpenCode id: 3 lowercase letters, '_',
// 12 lowercase hex digits, 14 ASCII letters or digits (30 characters).
bool LooksLikeOpencodeId(std::string_view s);

// Rewrites `in` into `*out`: every 30-character OpenCode id that is a key of
// `ids` is replaced by its value; when `json` is true, integers outside
// strings within [time_lo, time_hi] are increased by `delta_ms`. Returns the
// number of ids replaced.
uint64_t RewriteText(std::string_view in, const std::unordered_map<std::string, std::string>& ids, bool json,
                     int64_t time_lo, int64_t time_hi, int64_t delta_ms, std::string* out);

}  // namespace agentperf::bench
