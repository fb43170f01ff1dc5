#include "ingest/opencode/event_check.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>

namespace agentperf::ingest::opencode {
namespace {

Status Refuse(std::string_view field, std::string_view why) {
  return Status::InvalidArgument(fmt::format("field '{}': {}", field, why));
}

bool CleanString(std::string_view s, bool allow_control) {
  if (!simdjson::validate_utf8(s.data(), s.size())) return false;
  if (allow_control) return true;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

Status CheckEvent(const event::Event& e, const event::Attr* attrs, const event::Limits& limits, int64_t now_us) {
  using event::kStrFields;
  if (e.start_us < limits.min_time_us) return Refuse("start_ms", "before 2000-01-01");
  if (e.start_us > now_us + limits.max_future_us) return Refuse("start_ms", "more than a day in the future");
  if (e.end_us < e.start_us) return Refuse("end_ms", "before start_ms");
  if (e.end_us > now_us + limits.max_future_us) return Refuse("end_ms", "more than a day in the future");
  if (e.end_us - e.start_us > limits.max_duration_us) return Refuse("end_ms", "duration over 31 days");
  for (const auto& f : kStrFields) {
    std::string_view v = e.Str(f.field);
    if (v.empty()) continue;
    size_t max = f.is_label ? limits.max_label_bytes : limits.max_id_bytes;
    if (v.size() > max) return Refuse(f.json_name, fmt::format("longer than {} bytes", max));
    if (!CleanString(v, false)) return Refuse(f.json_name, "invalid UTF-8 or a control character");
  }
  for (const auto& f : event::kIntFields) {
    int64_t v = e.Int(f.field);
    if (v == event::kAbsentInt) continue;
    if (v < 0 || v > limits.max_count) return Refuse(f.name, "must be a whole number in [0, 2^53]");
  }
  for (const auto& f : event::kFloatFields) {
    double v = e.Float(f.field);
    if (std::isnan(v)) continue;
    if (!std::isfinite(v) || v < 0) return Refuse(f.name, "must be finite and >= 0");
    if (f.field == event::FloatField::kCost && v > limits.max_cost) return Refuse(f.name, "over 1e9");
  }
  if (e.attr_count > limits.max_attrs) return Refuse("attrs", "too many attributes");
  for (uint32_t i = 0; i < e.attr_count; ++i) {
    const event::Attr& a = attrs[i];
    if (a.key.empty() || a.key.size() > limits.max_attr_key_bytes || !CleanString(a.key, false)) {
      return Refuse("attrs", "bad attribute name");
    }
    if (a.type == event::AttrType::kString &&
        (a.str.size() > limits.max_attr_value_bytes || !CleanString(a.str, true))) {
      return Refuse(fmt::format("attrs.{}", a.key), "bad string value");
    }
    if (a.type == event::AttrType::kNumber && !std::isfinite(a.num))
      return Refuse(fmt::format("attrs.{}", a.key), "not finite");
  }
  return Status::OK();
}

}  // namespace agentperf::ingest::opencode
