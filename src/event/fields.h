// The field registry: JSON names, OpenTelemetry GenAI names and size limits of
// every event field, in one place. The JSON decoder, the binary codec, the
// store's columns, the query language and docs/events.md all follow these
// tables. Thread-safety: constants.
#pragma once

#include <array>
#include <string_view>

#include "event/event.h"

namespace agentperf::event {

struct StrFieldInfo {
  StrField field;
  std::string_view json_name;  // top-level JSON key, also the query label name
  bool is_label;               // low-cardinality label (cardinality-guarded) vs id
  std::string_view otel;       // OpenTelemetry attribute it corresponds to
};

inline constexpr std::array<StrFieldInfo, kNumStrFields> kStrFields = {{
    {StrField::kSessionId, "session_id", false, "gen_ai.conversation.id"},
    {StrField::kParentSessionId, "parent_session_id", false, "(none; OpenCode session.parentID)"},
    {StrField::kMessageId, "message_id", false, "(none; OpenCode message id)"},
    {StrField::kSpanId, "span_id", false, "span id / gen_ai.tool.call.id"},
    {StrField::kParentSpanId, "parent_span_id", false, "parent span id"},
    {StrField::kAgent, "agent", true, "gen_ai.agent.name"},
    {StrField::kModel, "model", true, "gen_ai.request.model"},
    {StrField::kProvider, "provider", true, "gen_ai.provider.name"},
    {StrField::kTool, "tool", true, "gen_ai.tool.name"},
    {StrField::kErrorClass, "error_class", true, "error.type"},
    {StrField::kSource, "source", true, "(none; which collector sent it)"},
}};

struct IntFieldInfo {
  IntField field;
  std::string_view name;        // query field name, e.g. "tokens.input"
  std::string_view json_object; // enclosing JSON object ("tokens") or empty for top level
  std::string_view json_key;    // key inside it
  std::string_view otel;
};

inline constexpr std::array<IntFieldInfo, kNumIntFields> kIntFields = {{
    {IntField::kTokensInput, "tokens.input", "tokens", "input", "gen_ai.usage.input_tokens"},
    {IntField::kTokensOutput, "tokens.output", "tokens", "output", "gen_ai.usage.output_tokens"},
    {IntField::kTokensReasoning, "tokens.reasoning", "tokens", "reasoning",
     "(no stable name; OpenCode ai.usage.reasoningTokens)"},
    {IntField::kTokensCacheRead, "tokens.cache_read", "tokens", "cache_read",
     "gen_ai.usage.cache_read.input_tokens"},
    {IntField::kTokensCacheWrite, "tokens.cache_write", "tokens", "cache_write",
     "gen_ai.usage.cache_creation.input_tokens"},
    {IntField::kRssBytes, "rss_bytes", "", "rss_bytes", "process.memory.usage"},
    {IntField::kIoReadBytes, "io_read_bytes", "", "io_read_bytes", "process.disk.io (direction=read)"},
    {IntField::kIoWriteBytes, "io_write_bytes", "", "io_write_bytes", "process.disk.io (direction=write)"},
}};

struct FloatFieldInfo {
  FloatField field;
  std::string_view name;  // JSON key and query field name
  std::string_view otel;
};

inline constexpr std::array<FloatFieldInfo, kNumFloatFields> kFloatFields = {{
    {FloatField::kCost, "cost", "(none; USD)"},
    {FloatField::kTtfcMs, "ttfc_ms", "gen_ai.server.time_to_first_token (s) / ai.response.msToFirstChunk"},
    {FloatField::kCpuSeconds, "cpu_s", "process.cpu.time"},
}};

inline constexpr const StrFieldInfo* FindStrField(std::string_view json_name) {
  for (const auto& f : kStrFields) {
    if (f.json_name == json_name) return &f;
  }
  return nullptr;
}

inline constexpr bool IsLabelField(StrField f) { return kStrFields[static_cast<int>(f)].is_label; }

// Limits applied by the decoder; each is documented in docs/events.md.
struct Limits {
  size_t max_label_bytes = 256;        // agent, model, provider, tool, error_class, source
  size_t max_id_bytes = 256;           // session/message/span ids and the event id
  size_t max_attrs = 32;               // attributes per event
  size_t max_attr_key_bytes = 128;
  size_t max_attr_value_bytes = 4096;  // string attribute values
  size_t max_events_per_batch = 100000;
  int64_t min_time_us = 946684800LL * 1000000;  // 2000-01-01T00:00:00Z
  int64_t max_future_us = 24LL * 3600 * 1000000;  // at most 1 day ahead of the server clock
  int64_t max_duration_us = 31LL * 24 * 3600 * 1000000;  // 31 days
  int64_t max_count = int64_t{1} << 53;  // tokens and byte counts
  double max_cost = 1e9;
  size_t max_label_cardinality = 10000;  // distinct values per label (enforced by the store)
};

}  // namespace agentperf::event
