// OTLP/HTTP JSON decoding (ExportTraceServiceRequest, ExportLogsServiceRequest,
// ExportMetricsServiceRequest) into flat, read-only views.
//
// Lenient, as OTLP/JSON senders differ: `intValue` and `*UnixNano` may be JSON
// numbers or strings; `doubleValue` may be a number or a string; trace and span
// ids are hex (any case) or base64 (16/8 bytes) and come out as lowercase hex;
// both lowerCamelCase and snake_case field names are read; the old
// `instrumentationLibrarySpans` is read like `scopeSpans`. A span whose ids
// are unusable is skipped and counted (`invalid_spans`); only a body that is
// not JSON, or not shaped like the request at all, is an error.
//
// Strings are views into the decoder's parse buffers: a decoded request is
// valid until the next Decode* call on the same decoder. Nothing here copies
// attribute values; what gets stored is chosen by the mappers (step_fact,
// genai_map), which read only named attributes, so prompt and response texts
// are never copied anywhere.
//
// Thread-safety: OtlpJsonDecoder is NOT thread-safe (it owns a simdjson
// parser); use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace agentperf::otlp {

enum class ValueType : uint8_t { kEmpty, kString, kInt, kDouble, kBool, kArray, kKvList, kBytes };

// One OTLP AnyValue, flattened: arrays and kvlists keep only their size and
// their first string element (enough for presence checks and finish reasons).
struct Value {
  ValueType type = ValueType::kEmpty;
  std::string_view str;  // kString, kBytes (as sent), kArray: first string element
  int64_t i = 0;         // kInt
  double d = 0;          // kDouble
  bool b = false;        // kBool
  size_t size = 0;       // kArray, kKvList: number of elements

  // Numeric view of kInt/kDouble (and of a numeric kString); false otherwise.
  bool AsDouble(double* out) const;
  // kInt, or a kDouble/kString holding a whole number; false otherwise.
  bool AsInt(int64_t* out) const;
};

struct KeyValue {
  std::string_view key;
  Value value;
};

struct SpanEventRecord {
  std::string_view name;
  int64_t time_ns = 0;
  uint32_t attr_begin = 0;  // into TracesRequest::attrs
  uint32_t attr_count = 0;
};

struct Resource {
  std::string_view service_name;  // resource attribute service.name ("" if absent)
  uint32_t attr_begin = 0;
  uint32_t attr_count = 0;
};

enum class SpanStatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

struct Span {
  std::string trace_id;        // 32 lowercase hex digits
  std::string span_id;         // 16 lowercase hex digits
  std::string parent_span_id;  // 16 hex digits, or empty for a root span
  std::string_view name;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  SpanStatusCode status = SpanStatusCode::kUnset;
  uint32_t resource = 0;  // index into TracesRequest::resources
  uint32_t attr_begin = 0;
  uint32_t attr_count = 0;
  uint32_t event_begin = 0;  // into TracesRequest::events
  uint32_t event_count = 0;
};

struct TracesRequest {
  std::vector<Resource> resources;
  std::vector<Span> spans;
  std::vector<KeyValue> attrs;
  std::vector<SpanEventRecord> events;
  uint64_t invalid_spans = 0;  // skipped: missing or malformed ids

  void Clear();
  // The value of attribute `key` of the span (or resource, event), or null.
  const Value* Attr(const Span& s, std::string_view key) const;
  const Value* Attr(const Resource& r, std::string_view key) const;
  const Value* Attr(const SpanEventRecord& e, std::string_view key) const;
  const Resource& ResourceOf(const Span& s) const { return resources[s.resource]; }
};

// What /v1/logs and /v1/metrics keep: counts only (docs/design §6.6).
struct SignalCounts {
  struct PerService {
    std::string service;  // resource service.name ("" if absent)
    uint64_t items = 0;   // log records, or metric data points
  };
  uint64_t items = 0;   // log records, or metrics
  uint64_t points = 0;  // metric data points (metrics only)
  std::vector<PerService> services;
};

// Normalises an OTLP/JSON id (hex of `bytes` bytes, or base64 of them) to
// lowercase hex. False if it is neither, or all zero.
bool NormalizeId(std::string_view in, size_t bytes, std::string* out);

class OtlpJsonDecoder {
 public:
  OtlpJsonDecoder();
  ~OtlpJsonDecoder();
  OtlpJsonDecoder(const OtlpJsonDecoder&) = delete;
  OtlpJsonDecoder& operator=(const OtlpJsonDecoder&) = delete;

  // `capacity` = readable bytes from body.data() (>= body.size()); the body is
  // copied first when it lacks simdjson's padding. InvalidArgument for
  // malformed JSON or a body that is not an ExportTraceServiceRequest.
  Status DecodeTraces(std::string_view body, size_t capacity, TracesRequest* out);
  Status DecodeLogs(std::string_view body, size_t capacity, SignalCounts* out);
  Status DecodeMetrics(std::string_view body, size_t capacity, SignalCounts* out);

  // Bytes of padding the body needs after its end to be parsed in place.
  static size_t Padding();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentperf::otlp
