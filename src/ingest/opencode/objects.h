// Views of OpenCode's stored objects (Session, Message, Part; FACTS §1b) with
// only the scalar fields the span mapping needs (docs/import.md). Texts,
// tool inputs and outputs are never copied. ObjectParser fills them from the
// JSON of a db `data` column or a legacy storage/*.json file, with simdjson
// on-demand; keys it does not need are skipped.
//
// Thread-safety: the structs are plain values; an ObjectParser is not
// thread-safe (it owns a reusable simdjson parser and buffer).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace agentperf::ingest::opencode {

constexpr int64_t kNoTime = -1;

struct Tokens {
  bool present = false;
  int64_t input = 0, output = 0, reasoning = 0, cache_read = 0, cache_write = 0;
  bool AnyNonZero() const { return input || output || reasoning || cache_read || cache_write; }
  void Add(const Tokens& o) {
    present = present || o.present;
    input += o.input, output += o.output, reasoning += o.reasoning;
    cache_read += o.cache_read, cache_write += o.cache_write;
  }
};

struct SessionInfo {
  std::string id, parent_id, project_id, agent, model_id, provider_id, version;
  double cost = 0;
  Tokens tokens;  // the session's own totals (db columns; legacy: from the JSON if present)
  int64_t time_created = kNoTime, time_updated = kNoTime;
};

enum class Role : uint8_t { kOther, kUser, kAssistant };

struct MessageInfo {
  std::string id, session_id;
  Role role = Role::kOther;
  int64_t created_ms = kNoTime;
  int64_t completed_ms = kNoTime;  // assistant only
  std::string parent_id;           // assistant: its user message
  std::string agent;               // user: agent; assistant: agent, else mode
  std::string model_id, provider_id;
  std::string finish;
  std::string error_name;          // empty = no error
  int64_t error_status_code = -1;  // error.data.statusCode, -1 = absent
  bool summary = false;            // assistant summary (compaction)
  double cost = std::numeric_limits<double>::quiet_NaN();
  Tokens tokens;
  bool Terminal() const { return completed_ms != kNoTime || !error_name.empty(); }
};

enum class PartType : uint8_t {
  kOther,  // text, reasoning, file, patch, snapshot, agent, subtask, ... (only the id matters)
  kStepStart,
  kStepFinish,
  kTool,
  kCompaction,
  kRetry,
};

struct PartInfo {
  std::string id, message_id, session_id;
  PartType type = PartType::kOther;
  // tool
  std::string tool, call_id, status, child_session_id;
  int64_t start_ms = kNoTime, end_ms = kNoTime;
  bool has_exit = false;
  double exit = 0;
  // state.output's length in UTF-16 code units (what JavaScript's
  // String.length gives, so the plugin reports the same), or -1.
  int64_t output_chars = -1;
  // step-finish
  double cost = std::numeric_limits<double>::quiet_NaN();
  Tokens tokens;
  // compaction
  bool is_auto = false, has_overflow = false, overflow = false;
};

class ObjectParser {
 public:
  ObjectParser();
  ~ObjectParser();
  ObjectParser(const ObjectParser&) = delete;
  ObjectParser& operator=(const ObjectParser&) = delete;

  // Parse one JSON object into *out (fields not in the JSON keep their
  // values; ids given by the caller from db columns are kept unless the JSON
  // has them, as legacy files do). Corruption if the JSON is not an object of
  // the expected shape.
  Status ParseMessage(std::string_view json, MessageInfo* out);
  Status ParsePart(std::string_view json, PartInfo* out);
  // The same without copying the JSON first. REQUIRES: at least kPadding
  // readable bytes after json.data() + json.size() (any contents).
  static constexpr size_t kPadding = 64;
  Status ParseMessagePadded(std::string_view json, MessageInfo* out);
  Status ParsePartPadded(std::string_view json, PartInfo* out);
  // A legacy storage/session/<project>/<id>.json file.
  Status ParseSession(std::string_view json, SessionInfo* out);
  // The db `session.model` column: {"id":..,"providerID":..}.
  Status ParseModel(std::string_view json, std::string* model_id, std::string* provider_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentperf::ingest::opencode
