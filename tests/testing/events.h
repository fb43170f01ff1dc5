// Building test events: EventJson gives one valid event object in the ingest
// schema (docs/events.md) with sensible defaults that a test overrides with
// Set(); Decode turns NDJSON into a validated batch (failing the test if it
// is invalid).
//
//   std::string line = EventJson().Set("agent", "coder").Set("duration_ms", 250).Str();
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "event/event.h"

namespace agentperf::testing {

// A fixed "now" in the past (2026-01-01T00:00:00Z) so tests are deterministic.
constexpr int64_t kBaseMs = 1767225600000;

class EventJson {
 public:
  EventJson();  // kind llm_call, start kBaseMs, duration 1000 ms, agent coder, session s1
  // Sets a top-level field to a raw JSON value (numbers, objects...).
  EventJson& Raw(const std::string& key, const std::string& json_value);
  EventJson& Set(const std::string& key, const std::string& value);  // string value
  EventJson& Set(const std::string& key, const char* value) { return Set(key, std::string(value)); }
  EventJson& Set(const std::string& key, double value);
  EventJson& Set(const std::string& key, int64_t value);
  EventJson& Set(const std::string& key, int value) { return Set(key, static_cast<int64_t>(value)); }
  EventJson& Remove(const std::string& key);
  std::string Str() const;

 private:
  std::map<std::string, std::string> fields_;  // key -> JSON value
};

// A span of `kind` in `session` with span_id `id`, starting `start_ms` after
// kBaseMs and lasting `duration_ms` (session spans: span_id = session id).
EventJson SpanEvent(const std::string& kind, const std::string& session, const std::string& id, int64_t start_ms,
                    int64_t duration_ms);

// Joins lines with '\n'.
std::string Ndjson(const std::vector<std::string>& lines);
// Decodes NDJSON or a JSON array into a batch; ADD_FAILURE on error.
event::EventBatch Decode(const std::string& body, int64_t now_ms = kBaseMs + 86400000);

}  // namespace agentperf::testing
