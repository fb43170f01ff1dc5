#include "ingest/otlp/event_draft.h"

#include <cmath>

#include "event/event_id.h"

namespace agentperf::otlp {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8Len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0)
    n = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    n = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    n = 4, cp = c & 0x07;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  return n;
}

}  // namespace

std::string_view SafeString(std::string_view s, size_t max_bytes, bool no_controls) {
  size_t keep = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8Len(s, i);
    if (n == 0) return {};
    if (no_controls && n == 1 && (static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7F)) return {};
    if (i + n <= max_bytes) keep = i + n;
    i += n;
  }
  return s.substr(0, keep);
}

bool AppendDraft(const EventDraft& d, const event::Limits& limits, int64_t now_us, event::EventBatch* out) {
  if (d.start_us < limits.min_time_us || d.end_us < d.start_us || d.start_us > now_us + limits.max_future_us ||
      d.end_us > now_us + limits.max_future_us || d.end_us - d.start_us > limits.max_duration_us) {
    return false;
  }
  event::Event e;
  e.kind = d.kind;
  e.status = d.status;
  e.start_us = d.start_us;
  e.end_us = d.end_us;
  for (int i = 0; i < event::kNumStrFields; ++i) {
    const bool label = event::kStrFields[i].is_label;
    std::string_view v = SafeString(d.str[i], label ? limits.max_label_bytes : limits.max_id_bytes, true);
    e.str[i] = out->arena.Copy(v);
  }
  for (int i = 0; i < event::kNumIntFields; ++i) {
    if (d.ints[i] >= 0 && d.ints[i] <= limits.max_count) e.ints[i] = d.ints[i];
  }
  for (int i = 0; i < event::kNumFloatFields; ++i) {
    double v = d.floats[i];
    if (!std::isfinite(v) || v < 0) continue;
    if (static_cast<event::FloatField>(i) == event::FloatField::kCost && v > limits.max_cost) continue;
    e.floats[i] = v;
  }
  e.attr_begin = static_cast<uint32_t>(out->attrs.size());
  for (const DraftAttr& a : d.attrs) {
    if (e.attr_count >= limits.max_attrs) break;
    std::string_view key = SafeString(a.key, limits.max_attr_key_bytes, true);
    if (key.empty() || key.size() != a.key.size()) continue;
    event::Attr attr;
    attr.type = a.type;
    if (a.type == event::AttrType::kString) {
      std::string_view v = SafeString(a.str, limits.max_attr_value_bytes, false);
      if (v.size() != a.str.size()) continue;  // never store a cut or broken value
      attr.str = out->arena.Copy(v);
    } else {
      if (!std::isfinite(a.num)) continue;
      attr.num = a.num;
    }
    attr.key = out->arena.Copy(key);
    out->attrs.push_back(attr);
    ++e.attr_count;
  }
  std::string_view span_id = e.Str(event::StrField::kSpanId);
  e.id = span_id.empty() ? event::DerivedEventId(e, out->attrs.data() + e.attr_begin)
                         : event::SpanEventId(e.kind, e.Str(event::StrField::kSessionId), span_id);
  out->events.push_back(e);
  return true;
}

}  // namespace agentperf::otlp
