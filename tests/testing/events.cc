#include "testing/events.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/json_writer.h"
#include "event/json_decoder.h"

namespace agentperf::testing {

EventJson::EventJson() {
  Set("kind", "llm_call");
  Set("start_ms", kBaseMs);
  Set("duration_ms", static_cast<int64_t>(1000));
  Set("agent", "coder");
  Set("session_id", "s1");
}

EventJson& EventJson::Raw(const std::string& key, const std::string& json_value) {
  fields_[key] = json_value;
  return *this;
}

EventJson& EventJson::Set(const std::string& key, const std::string& value) {
  std::string v;
  AppendJsonString(&v, value);
  fields_[key] = v;
  return *this;
}

EventJson& EventJson::Set(const std::string& key, double value) {
  fields_[key] = fmt::format("{}", value);
  return *this;
}

EventJson& EventJson::Set(const std::string& key, int64_t value) {
  fields_[key] = fmt::format("{}", value);
  return *this;
}

EventJson& EventJson::Remove(const std::string& key) {
  fields_.erase(key);
  return *this;
}

std::string EventJson::Str() const {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : fields_) {
    if (!first) s += ",";
    first = false;
    AppendJsonString(&s, k);
    s += ":";
    s += v;
  }
  return s + "}";
}

std::string Ndjson(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

event::EventBatch Decode(const std::string& body, int64_t now_ms) {
  event::JsonBatchDecoder decoder;
  event::EventBatch batch;
  event::DecodeError err;
  Status st = decoder.Decode(body, body.size(), now_ms * 1000, &batch, &err);
  if (!st.ok()) ADD_FAILURE() << "test events do not decode: " << st.ToString();
  // Keep the strings alive with the batch: the decoder copied them into its arena.
  return batch;
}

EventJson SpanEvent(const std::string& kind, const std::string& session, const std::string& id, int64_t start_ms,
                    int64_t duration_ms) {
  EventJson e;
  e.Set("kind", kind).Set("session_id", session).Set("span_id", id);
  e.Set("start_ms", kBaseMs + start_ms).Set("duration_ms", duration_ms);
  return e;
}

}  // namespace agentperf::testing
