#include "event/json_encoder.h"

#include <cmath>

#include "core/json_writer.h"
#include "event/fields.h"

namespace agentperf::event {

void EncodeEventJson(const Event& e, const Attr* attrs, std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  w.Field("id", std::string(kRawIdPrefix) + e.id.ToHex());
  w.Field("kind", KindName(e.kind));
  w.Key("start_ms").Double(static_cast<double>(e.start_us) / 1000.0);
  w.Key("end_ms").Double(static_cast<double>(e.end_us) / 1000.0);
  if (e.status != SpanStatus::kOk) w.Field("status", StatusName(e.status));
  for (const auto& f : kStrFields) {
    std::string_view v = e.Str(f.field);
    if (!v.empty()) w.Field(f.json_name, v);
  }
  bool tokens_open = false;
  for (const auto& f : kIntFields) {
    int64_t v = e.Int(f.field);
    if (v == kAbsentInt || f.json_object.empty()) continue;
    if (!tokens_open) {
      w.Key("tokens").BeginObject();
      tokens_open = true;
    }
    w.Field(f.json_key, v);
  }
  if (tokens_open) w.EndObject();
  for (const auto& f : kIntFields) {
    int64_t v = e.Int(f.field);
    if (v != kAbsentInt && f.json_object.empty()) w.Field(f.json_key, v);
  }
  for (const auto& f : kFloatFields) {
    double v = e.Float(f.field);
    if (!std::isnan(v)) w.Field(f.name, v);
  }
  if (e.attr_count > 0) {
    w.Key("attrs").BeginObject();
    for (uint32_t i = 0; i < e.attr_count; ++i) {
      const Attr& a = attrs[i];
      w.Key(a.key);
      if (a.type == AttrType::kString) w.String(a.str);
      else if (a.type == AttrType::kBool) w.Bool(a.num != 0);
      else w.Double(a.num);
    }
    w.EndObject();
  }
  w.EndObject();
}

void EncodeBatchNdjson(const EventBatch& batch, std::string* out) {
  for (const Event& e : batch.events) {
    EncodeEventJson(e, batch.AttrsOf(e), out);
    out->push_back('\n');
  }
}

}  // namespace agentperf::event
