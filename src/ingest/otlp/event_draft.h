// EventDraft: an event built by the OTLP mappers (owning its strings), and
// AppendDraft, which turns it into a valid event of an EventBatch under the
// same limits the JSON decoder enforces (docs/events.md "Validation and
// limits"). Instead of refusing, it repairs what a foreign sender may get
// wrong: labels and ids are cut to their byte limit at a UTF-8 boundary,
// strings with invalid UTF-8 or control characters are dropped, negative or
// huge counts and non-finite numbers are dropped, attributes beyond the limit
// are dropped. Only an event whose times are unusable is refused.
//
// The id follows docs/events.md rule 2 (kind, session_id, span_id) when
// span_id is set, rule 3 otherwise.
//
// Thread-safety: pure functions over caller-owned values.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "event/fields.h"

namespace agentperf::otlp {

struct DraftAttr {
  std::string key;
  event::AttrType type = event::AttrType::kString;
  std::string str;
  double num = 0;
};

struct EventDraft {
  event::SpanKind kind = event::SpanKind::kLlmCall;
  event::SpanStatus status = event::SpanStatus::kOk;
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::array<std::string, event::kNumStrFields> str{};
  std::array<int64_t, event::kNumIntFields> ints{event::kAbsentInt, event::kAbsentInt, event::kAbsentInt,
                                                 event::kAbsentInt, event::kAbsentInt, event::kAbsentInt,
                                                 event::kAbsentInt, event::kAbsentInt};
  std::array<double, event::kNumFloatFields> floats{std::numeric_limits<double>::quiet_NaN(),
                                                    std::numeric_limits<double>::quiet_NaN(),
                                                    std::numeric_limits<double>::quiet_NaN()};
  std::vector<DraftAttr> attrs;

  void Set(event::StrField f, std::string_view v) { str[static_cast<int>(f)] = std::string(v); }
  void Set(event::IntField f, int64_t v) { ints[static_cast<int>(f)] = v; }
  void Set(event::FloatField f, double v) { floats[static_cast<int>(f)] = v; }
  void AttrString(std::string_view k, std::string_view v) {
    attrs.push_back({std::string(k), event::AttrType::kString, std::string(v), 0});
  }
  void AttrNumber(std::string_view k, double v) { attrs.push_back({std::string(k), event::AttrType::kNumber, {}, v}); }
  void AttrBool(std::string_view k, bool v) {
    attrs.push_back({std::string(k), event::AttrType::kBool, {}, v ? 1.0 : 0.0});
  }
};

// Appends the draft to *out. False (nothing appended) when its times are out
// of range: start before 2000, start or end more than max_future_us after
// now_us, end before start, or longer than max_duration_us.
bool AppendDraft(const EventDraft& d, const event::Limits& limits, int64_t now_us, event::EventBatch* out);

// Cuts s to at most max_bytes without splitting a UTF-8 sequence; empty if s
// is not valid UTF-8 or holds control characters (when `no_controls`).
std::string_view SafeString(std::string_view s, size_t max_bytes, bool no_controls);

}  // namespace agentperf::otlp
