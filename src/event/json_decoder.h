// JsonBatchDecoder: turns a request body (a JSON array of events, or NDJSON with
// one event object per line) into a validated EventBatch, all or nothing.
//
// Every limit in Limits is checked here, plus: known fields only, right types,
// valid UTF-8, finite non-negative numbers, timestamps in range, end >= start.
// The first invalid event stops decoding and is reported with its position
// (array index or NDJSON line) and field; the caller then stores nothing.
//
// Thread-safety: NOT thread-safe (owns a reusable simdjson parser); use one per
// thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "event/event.h"
#include "event/fields.h"

namespace agentperf::event {

struct DecodeError {
  int64_t index = -1;   // 0-based position in a JSON array, -1 if not applicable
  int64_t line = -1;    // 1-based NDJSON line, -1 if not applicable
  int64_t offset = -1;  // byte offset in the body, when known
  std::string field;    // e.g. "tokens.input"; empty when the event as a whole is bad
  std::string message;
  // "event 3: field 'start_ms': must be a number" (for logs and CLI errors).
  std::string ToString() const;
};

// Bytes simdjson may read past the end of the input. Bodies decoded in place
// must have this many readable bytes after their end.
size_t JsonPadding();

class JsonBatchDecoder {
 public:
  explicit JsonBatchDecoder(Limits limits = {});
  ~JsonBatchDecoder();
  JsonBatchDecoder(const JsonBatchDecoder&) = delete;
  JsonBatchDecoder& operator=(const JsonBatchDecoder&) = delete;

  // Appends the events of `body` to `out`. `capacity` is how many bytes are
  // readable from body.data() (>= body.size()); if it is less than
  // body.size() + JsonPadding() the body is copied first. `now_us` bounds
  // future timestamps. On error returns InvalidArgument (or TooLarge when the
  // batch has too many events), fills *err, and leaves `out` with no events.
  Status Decode(std::string_view body, size_t capacity, int64_t now_us, EventBatch* out, DecodeError* err);

  const Limits& limits() const { return limits_; }

 private:
  struct Impl;
  Limits limits_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentperf::event
