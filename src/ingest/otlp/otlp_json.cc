#include "ingest/otlp/otlp_json.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>

namespace agentperf::otlp {

namespace dom = simdjson::dom;

namespace {

constexpr size_t kMaxServices = 32;  // distinct service names counted per request

// Reads obj[camel] or obj[snake]; false if neither is present (or null).
bool Field(dom::object obj, std::string_view camel, std::string_view snake, dom::element* out) {
  if (obj.at_key(camel).get(*out) == simdjson::SUCCESS && !out->is_null()) return true;
  if (!snake.empty() && obj.at_key(snake).get(*out) == simdjson::SUCCESS && !out->is_null()) return true;
  return false;
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// A JSON number or a string holding one, as int64 (fractions truncated,
// values past int64 clamped). False for anything else.
bool ReadInt(dom::element v, int64_t* out) {
  switch (v.type()) {
    case dom::element_type::INT64:
      *out = v.get_int64().value_unsafe();
      return true;
    case dom::element_type::UINT64: {
      uint64_t u = v.get_uint64().value_unsafe();
      *out = u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
      return true;
    }
    case dom::element_type::DOUBLE: {
      double d = v.get_double().value_unsafe();
      if (!std::isfinite(d) || std::fabs(d) > 9.2e18) return false;
      *out = static_cast<int64_t>(d);
      return true;
    }
    case dom::element_type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      if (ParseInt(s, out)) return true;
      double d;
      if (!ParseDouble(s, &d) || !std::isfinite(d) || std::fabs(d) > 9.2e18) return false;
      *out = static_cast<int64_t>(d);
      return true;
    }
    default:
      return false;
  }
}

bool ReadDouble(dom::element v, double* out) {
  switch (v.type()) {
    case dom::element_type::INT64:
      *out = static_cast<double>(v.get_int64().value_unsafe());
      return true;
    case dom::element_type::UINT64:
      *out = static_cast<double>(v.get_uint64().value_unsafe());
      return true;
    case dom::element_type::DOUBLE:
      *out = v.get_double().value_unsafe();
      return true;
    case dom::element_type::STRING:
      return ParseDouble(v.get_string().value_unsafe(), out);
    default:
      return false;
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Decodes an AnyValue object ({"stringValue": ...} etc.). An unknown or
// malformed value becomes kEmpty (lenient).
void ReadAnyValue(dom::element v, Value* out) {
  *out = Value{};
  dom::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return;
  dom::element x;
  if (Field(obj, "stringValue", "string_value", &x)) {
    if (x.get_string().get(out->str) == simdjson::SUCCESS) out->type = ValueType::kString;
  } else if (Field(obj, "intValue", "int_value", &x)) {
    if (ReadInt(x, &out->i)) out->type = ValueType::kInt;
  } else if (Field(obj, "doubleValue", "double_value", &x)) {
    if (ReadDouble(x, &out->d)) out->type = ValueType::kDouble;
  } else if (Field(obj, "boolValue", "bool_value", &x)) {
    if (x.get_bool().get(out->b) == simdjson::SUCCESS) out->type = ValueType::kBool;
  } else if (Field(obj, "arrayValue", "array_value", &x)) {
    out->type = ValueType::kArray;
    dom::object arr_obj;
    dom::array values;
    if (x.get_object().get(arr_obj) == simdjson::SUCCESS && Field(arr_obj, "values", "", &x) &&
        x.get_array().get(values) == simdjson::SUCCESS) {
      out->size = values.size();
      for (dom::element e : values) {
        Value first;
        ReadAnyValue(e, &first);
        if (first.type == ValueType::kString) {
          out->str = first.str;
          break;
        }
      }
    }
  } else if (Field(obj, "kvlistValue", "kvlist_value", &x)) {
    out->type = ValueType::kKvList;
    dom::object kv_obj;
    dom::array values;
    if (x.get_object().get(kv_obj) == simdjson::SUCCESS && Field(kv_obj, "values", "", &x) &&
        x.get_array().get(values) == simdjson::SUCCESS) {
      out->size = values.size();
    }
  } else if (Field(obj, "bytesValue", "bytes_value", &x)) {
    if (x.get_string().get(out->str) == simdjson::SUCCESS) out->type = ValueType::kBytes;
  }
}

Status Shape(std::string_view what) {
  return Status::InvalidArgument(fmt::format("not an OTLP/JSON request: {}", what));
}

// Appends the KeyValue list `attributes` of obj (if any) to *attrs.
Status ReadAttributes(dom::object obj, std::vector<KeyValue>* attrs, uint32_t* begin, uint32_t* count,
                      std::string_view where) {
  *begin = static_cast<uint32_t>(attrs->size());
  *count = 0;
  dom::element a;
  if (!Field(obj, "attributes", "", &a)) return Status::OK();
  dom::array arr;
  if (a.get_array().get(arr) != simdjson::SUCCESS) return Shape(fmt::format("{}.attributes is not an array", where));
  for (dom::element kv : arr) {
    dom::object kvo;
    std::string_view key;
    dom::element key_el;
    if (kv.get_object().get(kvo) != simdjson::SUCCESS || !Field(kvo, "key", "", &key_el) ||
        key_el.get_string().get(key) != simdjson::SUCCESS) {
      continue;  // lenient: a malformed attribute is skipped
    }
    KeyValue out;
    out.key = key;
    dom::element v;
    if (Field(kvo, "value", "", &v)) ReadAnyValue(v, &out.value);
    attrs->push_back(out);
    ++*count;
  }
  return Status::OK();
}

// obj[camel]/obj[snake] as an array; absent is an empty array.
Status ArrayField(dom::object obj, std::string_view camel, std::string_view snake, std::string_view where,
                  dom::array* out, bool* present) {
  dom::element e;
  *present = Field(obj, camel, snake, &e);
  if (!*present) return Status::OK();
  if (e.get_array().get(*out) != simdjson::SUCCESS) return Shape(fmt::format("{}.{} is not an array", where, camel));
  return Status::OK();
}

std::string_view ServiceName(dom::object resource_list_item) {
  dom::element r;
  dom::object ro;
  if (!Field(resource_list_item, "resource", "", &r) || r.get_object().get(ro) != simdjson::SUCCESS) return {};
  dom::element a;
  dom::array arr;
  if (!Field(ro, "attributes", "", &a) || a.get_array().get(arr) != simdjson::SUCCESS) return {};
  for (dom::element kv : arr) {
    dom::object kvo;
    dom::element k, v;
    std::string_view key;
    if (kv.get_object().get(kvo) != simdjson::SUCCESS || !Field(kvo, "key", "", &k) ||
        k.get_string().get(key) != simdjson::SUCCESS || key != "service.name" || !Field(kvo, "value", "", &v)) {
      continue;
    }
    Value val;
    ReadAnyValue(v, &val);
    if (val.type == ValueType::kString) return val.str;
  }
  return {};
}

void AddService(SignalCounts* out, std::string_view service, uint64_t n) {
  for (auto& s : out->services) {
    if (s.service == service) {
      s.items += n;
      return;
    }
  }
  if (out->services.size() >= kMaxServices) {
    service = "(other)";
    for (auto& s : out->services) {
      if (s.service == service) {
        s.items += n;
        return;
      }
    }
  }
  out->services.push_back({std::string(service), n});
}

}  // namespace

bool Value::AsDouble(double* out) const {
  switch (type) {
    case ValueType::kInt:
      *out = static_cast<double>(i);
      return true;
    case ValueType::kDouble:
      *out = d;
      return std::isfinite(d);
    case ValueType::kString:
      return ParseDouble(str, out) && std::isfinite(*out);
    default:
      return false;
  }
}

bool Value::AsInt(int64_t* out) const {
  double v;
  switch (type) {
    case ValueType::kInt:
      *out = i;
      return true;
    case ValueType::kDouble:
    case ValueType::kString:
      if (type == ValueType::kString && ParseInt(str, out)) return true;
      if (!AsDouble(&v) || v != std::floor(v) || std::fabs(v) > 9.0e15) return false;
      *out = static_cast<int64_t>(v);
      return true;
    default:
      return false;
  }
}

void TracesRequest::Clear() {
  resources.clear();
  spans.clear();
  attrs.clear();
  events.clear();
  invalid_spans = 0;
}

namespace {
const Value* FindAttr(const std::vector<KeyValue>& attrs, uint32_t begin, uint32_t count, std::string_view key) {
  for (uint32_t i = begin; i < begin + count; ++i) {
    if (attrs[i].key == key) return &attrs[i].value;
  }
  return nullptr;
}
}  // namespace

const Value* TracesRequest::Attr(const Span& s, std::string_view key) const {
  return FindAttr(attrs, s.attr_begin, s.attr_count, key);
}
const Value* TracesRequest::Attr(const Resource& r, std::string_view key) const {
  return FindAttr(attrs, r.attr_begin, r.attr_count, key);
}
const Value* TracesRequest::Attr(const SpanEventRecord& e, std::string_view key) const {
  return FindAttr(attrs, e.attr_begin, e.attr_count, key);
}

bool NormalizeId(std::string_view in, size_t bytes, std::string* out) {
  out->clear();
  uint8_t raw[32];
  if (bytes > sizeof(raw)) return false;
  if (in.size() == 2 * bytes) {
    bool hex = true;
    for (size_t i = 0; i < bytes && hex; ++i) {
      int hi = HexDigit(in[2 * i]), lo = HexDigit(in[2 * i + 1]);
      if (hi < 0 || lo < 0)
        hex = false;
      else
        raw[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    if (!hex) {
      // Could still be base64 of the same length (not for 16/8 bytes: their
      // base64 is 24/12 characters), so this is simply invalid.
      return false;
    }
  } else {
    // Base64 (standard or URL alphabet, padding optional).
    while (!in.empty() && in.back() == '=') in.remove_suffix(1);
    if (in.size() != (bytes * 4 + 2) / 3) return false;
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (char c : in) {
      int d = Base64Digit(c);
      if (d < 0) return false;
      acc = (acc << 6) | static_cast<uint32_t>(d);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        if (n >= bytes) return false;
        raw[n++] = static_cast<uint8_t>(acc >> bits);
      }
    }
    if (n != bytes) return false;
  }
  bool zero = true;
  for (size_t i = 0; i < bytes; ++i) zero = zero && raw[i] == 0;
  if (zero) return false;
  static constexpr char kHex[] = "0123456789abcdef";
  out->resize(2 * bytes);
  for (size_t i = 0; i < bytes; ++i) {
    (*out)[2 * i] = kHex[raw[i] >> 4];
    (*out)[2 * i + 1] = kHex[raw[i] & 15];
  }
  return true;
}

struct OtlpJsonDecoder::Impl {
  dom::parser parser;

  Status Parse(std::string_view body, size_t capacity, dom::object* root) {
    dom::element e;
    bool copy = capacity < body.size() + simdjson::SIMDJSON_PADDING;
    auto err = parser.parse(reinterpret_cast<const uint8_t*>(body.data()), body.size(), copy).get(e);
    if (err != simdjson::SUCCESS) {
      return Status::InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
    }
    if (e.get_object().get(*root) != simdjson::SUCCESS) return Shape("the body is not a JSON object");
    return Status::OK();
  }

  bool ReadSpan(dom::object so, uint32_t resource, TracesRequest* out) {
    Span s;
    s.resource = resource;
    dom::element e;
    std::string_view str;
    if (!Field(so, "traceId", "trace_id", &e) || e.get_string().get(str) != simdjson::SUCCESS ||
        !NormalizeId(str, 16, &s.trace_id)) {
      return false;
    }
    if (!Field(so, "spanId", "span_id", &e) || e.get_string().get(str) != simdjson::SUCCESS ||
        !NormalizeId(str, 8, &s.span_id)) {
      return false;
    }
    if (Field(so, "parentSpanId", "parent_span_id", &e) && e.get_string().get(str) == simdjson::SUCCESS &&
        !str.empty() && !NormalizeId(str, 8, &s.parent_span_id)) {
      s.parent_span_id.clear();  // lenient: an unusable parent makes a root span
    }
    if (Field(so, "name", "", &e) && e.get_string().get(s.name) != simdjson::SUCCESS) s.name = {};
    if (!Field(so, "startTimeUnixNano", "start_time_unix_nano", &e) || !ReadInt(e, &s.start_ns)) return false;
    if (!Field(so, "endTimeUnixNano", "end_time_unix_nano", &e) || !ReadInt(e, &s.end_ns)) s.end_ns = s.start_ns;
    if (s.end_ns < s.start_ns) s.end_ns = s.start_ns;
    dom::object st;
    if (Field(so, "status", "", &e) && e.get_object().get(st) == simdjson::SUCCESS && Field(st, "code", "", &e)) {
      int64_t code = 0;
      std::string_view name;
      if (ReadInt(e, &code)) {
        if (code == 1) s.status = SpanStatusCode::kOk;
        if (code == 2) s.status = SpanStatusCode::kError;
      } else if (e.get_string().get(name) == simdjson::SUCCESS) {
        if (name == "STATUS_CODE_OK") s.status = SpanStatusCode::kOk;
        if (name == "STATUS_CODE_ERROR") s.status = SpanStatusCode::kError;
      }
    }
    if (!ReadAttributes(so, &out->attrs, &s.attr_begin, &s.attr_count, "span").ok()) return false;
    s.event_begin = static_cast<uint32_t>(out->events.size());
    dom::array events;
    if (Field(so, "events", "", &e) && e.get_array().get(events) == simdjson::SUCCESS) {
      for (dom::element ev : events) {
        dom::object eo;
        if (ev.get_object().get(eo) != simdjson::SUCCESS) continue;
        SpanEventRecord r;
        if (Field(eo, "name", "", &e) && e.get_string().get(r.name) != simdjson::SUCCESS) r.name = {};
        if (Field(eo, "timeUnixNano", "time_unix_nano", &e)) (void)ReadInt(e, &r.time_ns);
        if (!ReadAttributes(eo, &out->attrs, &r.attr_begin, &r.attr_count, "event").ok()) continue;
        out->events.push_back(r);
        ++s.event_count;
      }
    }
    out->spans.push_back(std::move(s));
    return true;
  }
};

OtlpJsonDecoder::OtlpJsonDecoder() : impl_(std::make_unique<Impl>()) {}
OtlpJsonDecoder::~OtlpJsonDecoder() = default;

size_t OtlpJsonDecoder::Padding() {
  return simdjson::SIMDJSON_PADDING;
}

Status OtlpJsonDecoder::DecodeTraces(std::string_view body, size_t capacity, TracesRequest* out) {
  out->Clear();
  dom::object root;
  AP_RETURN_IF_ERROR(impl_->Parse(body, capacity, &root));
  dom::array rss;
  bool present;
  AP_RETURN_IF_ERROR(ArrayField(root, "resourceSpans", "resource_spans", "request", &rss, &present));
  if (!present) return Status::OK();  // an empty request is valid
  for (dom::element rs : rss) {
    dom::object rso;
    if (rs.get_object().get(rso) != simdjson::SUCCESS) return Shape("resourceSpans[] is not an object");
    Resource res;
    dom::element r;
    dom::object ro;
    if (Field(rso, "resource", "", &r) && r.get_object().get(ro) == simdjson::SUCCESS) {
      AP_RETURN_IF_ERROR(ReadAttributes(ro, &out->attrs, &res.attr_begin, &res.attr_count, "resource"));
    } else {
      res.attr_begin = static_cast<uint32_t>(out->attrs.size());
    }
    const auto resource_index = static_cast<uint32_t>(out->resources.size());
    out->resources.push_back(res);
    if (const Value* sn = out->Attr(out->resources.back(), "service.name"); sn && sn->type == ValueType::kString) {
      out->resources.back().service_name = sn->str;
    }
    dom::array scopes;
    AP_RETURN_IF_ERROR(ArrayField(rso, "scopeSpans", "scope_spans", "resourceSpans[]", &scopes, &present));
    if (!present) {
      AP_RETURN_IF_ERROR(ArrayField(rso, "instrumentationLibrarySpans", "instrumentation_library_spans",
                                    "resourceSpans[]", &scopes, &present));
      if (!present) continue;
    }
    for (dom::element sc : scopes) {
      dom::object sco;
      if (sc.get_object().get(sco) != simdjson::SUCCESS) return Shape("scopeSpans[] is not an object");
      dom::array spans;
      AP_RETURN_IF_ERROR(ArrayField(sco, "spans", "", "scopeSpans[]", &spans, &present));
      if (!present) continue;
      for (dom::element sp : spans) {
        dom::object spo;
        if (sp.get_object().get(spo) != simdjson::SUCCESS) return Shape("spans[] is not an object");
        if (!impl_->ReadSpan(spo, resource_index, out)) ++out->invalid_spans;
      }
    }
  }
  return Status::OK();
}

Status OtlpJsonDecoder::DecodeLogs(std::string_view body, size_t capacity, SignalCounts* out) {
  *out = SignalCounts{};
  dom::object root;
  AP_RETURN_IF_ERROR(impl_->Parse(body, capacity, &root));
  dom::array rls;
  bool present;
  AP_RETURN_IF_ERROR(ArrayField(root, "resourceLogs", "resource_logs", "request", &rls, &present));
  if (!present) return Status::OK();
  for (dom::element rl : rls) {
    dom::object rlo;
    if (rl.get_object().get(rlo) != simdjson::SUCCESS) return Shape("resourceLogs[] is not an object");
    uint64_t n = 0;
    dom::array scopes;
    AP_RETURN_IF_ERROR(ArrayField(rlo, "scopeLogs", "scope_logs", "resourceLogs[]", &scopes, &present));
    if (present) {
      for (dom::element sc : scopes) {
        dom::object sco;
        if (sc.get_object().get(sco) != simdjson::SUCCESS) return Shape("scopeLogs[] is not an object");
        dom::array records;
        AP_RETURN_IF_ERROR(ArrayField(sco, "logRecords", "log_records", "scopeLogs[]", &records, &present));
        if (present) n += records.size();
      }
    }
    out->items += n;
    AddService(out, ServiceName(rlo), n);
  }
  return Status::OK();
}

Status OtlpJsonDecoder::DecodeMetrics(std::string_view body, size_t capacity, SignalCounts* out) {
  *out = SignalCounts{};
  dom::object root;
  AP_RETURN_IF_ERROR(impl_->Parse(body, capacity, &root));
  dom::array rms;
  bool present;
  AP_RETURN_IF_ERROR(ArrayField(root, "resourceMetrics", "resource_metrics", "request", &rms, &present));
  if (!present) return Status::OK();
  for (dom::element rm : rms) {
    dom::object rmo;
    if (rm.get_object().get(rmo) != simdjson::SUCCESS) return Shape("resourceMetrics[] is not an object");
    uint64_t points = 0;
    dom::array scopes;
    AP_RETURN_IF_ERROR(ArrayField(rmo, "scopeMetrics", "scope_metrics", "resourceMetrics[]", &scopes, &present));
    if (!present) continue;
    for (dom::element sc : scopes) {
      dom::object sco;
      if (sc.get_object().get(sco) != simdjson::SUCCESS) return Shape("scopeMetrics[] is not an object");
      dom::array metrics;
      AP_RETURN_IF_ERROR(ArrayField(sco, "metrics", "", "scopeMetrics[]", &metrics, &present));
      if (!present) continue;
      for (dom::element m : metrics) {
        dom::object mo;
        if (m.get_object().get(mo) != simdjson::SUCCESS) return Shape("metrics[] is not an object");
        ++out->items;
        for (std::string_view kind : {"gauge", "sum", "histogram", "exponentialHistogram", "summary"}) {
          dom::element data;
          dom::object dobj;
          dom::array dps;
          if (Field(mo, kind, kind == "exponentialHistogram" ? "exponential_histogram" : "", &data) &&
              data.get_object().get(dobj) == simdjson::SUCCESS &&
              ArrayField(dobj, "dataPoints", "data_points", "metric", &dps, &present).ok() && present) {
            points += dps.size();
          }
        }
      }
    }
    out->points += points;
    AddService(out, ServiceName(rmo), points);
  }
  return Status::OK();
}

}  // namespace agentperf::otlp
