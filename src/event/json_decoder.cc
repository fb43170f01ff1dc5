#include "event/json_decoder.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "event/event_id.h"
#include "event/json_encoder.h"
#include "fmt/format.h"

namespace agentperf::event {
namespace dom = simdjson::dom;

std::string DecodeError::ToString() const {
  std::string s;
  if (line >= 0) s = fmt::format("line {}", line);
  else if (index >= 0) s = fmt::format("event {}", index);
  else if (offset >= 0) s = fmt::format("byte {}", offset);
  else s = "body";
  if (!field.empty()) s += fmt::format(": field '{}'", field);
  s += ": ";
  s += message;
  return s;
}

size_t JsonPadding() { return simdjson::SIMDJSON_PADDING; }

namespace {

// Top-level keys of an event object.
enum class Key : uint8_t {
  kUnknown,
  kId,
  kKind,
  kStartMs,
  kEndMs,
  kDurationMs,
  kStatus,
  kTokens,
  kAttrs,
  kStr,    // + index into kStrFields
  kInt,    // + index into kIntFields (top-level ones)
  kFloat,  // + index into kFloatFields
};
struct KeyInfo {
  std::string_view name;
  Key key;
  uint8_t index;
  uint8_t slot;  // unique per key, for duplicate detection
};

// Keys grouped by length, for a switch-free lookup without hashing.
class KeyTable {
 public:
  KeyTable() {
    Add("id", Key::kId, 0);
    Add("kind", Key::kKind, 0);
    Add("start_ms", Key::kStartMs, 0);
    Add("end_ms", Key::kEndMs, 0);
    Add("duration_ms", Key::kDurationMs, 0);
    Add("status", Key::kStatus, 0);
    Add("tokens", Key::kTokens, 0);
    Add("attrs", Key::kAttrs, 0);
    for (size_t i = 0; i < kStrFields.size(); ++i) Add(kStrFields[i].json_name, Key::kStr, i);
    for (size_t i = 0; i < kIntFields.size(); ++i) {
      if (kIntFields[i].json_object.empty()) Add(kIntFields[i].json_key, Key::kInt, i);
    }
    for (size_t i = 0; i < kFloatFields.size(); ++i) Add(kFloatFields[i].name, Key::kFloat, i);
  }
  const KeyInfo* Find(std::string_view k) const {
    if (k.size() >= by_len_.size()) return nullptr;
    for (const KeyInfo& ki : by_len_[k.size()]) {
      if (std::memcmp(ki.name.data(), k.data(), k.size()) == 0) return &ki;
    }
    return nullptr;
  }

 private:
  void Add(std::string_view name, Key key, size_t index) {
    by_len_[name.size()].push_back(KeyInfo{name, key, static_cast<uint8_t>(index), slots_++});
  }
  std::array<std::vector<KeyInfo>, 32> by_len_;
  uint8_t slots_ = 0;
};

const KeyTable& Keys() {
  static const KeyTable table;
  return table;
}

// A field-level failure while decoding one event.
struct FieldError {
  std::string field;
  std::string message;
};

std::string SimdjsonMessage(simdjson::error_code ec) {
  switch (ec) {
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::DEPTH_ERROR: return "nesting too deep";
    case simdjson::NUMBER_ERROR: return "malformed or out-of-range number";
    case simdjson::STRING_ERROR: return "malformed string (bad escape or surrogate)";
    case simdjson::UNCLOSED_STRING: return "unclosed string";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR: return "malformed literal (only true, false and null are allowed; NaN and Infinity are not JSON)";
    case simdjson::TRAILING_CONTENT: return "unexpected content after the JSON value";
    case simdjson::EMPTY: return "empty input";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "truncated JSON (unclosed array or object)";
    default: return std::string("malformed JSON: ") + simdjson::error_message(ec);
  }
}

bool HasControlChars(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Index of the first byte that starts an invalid UTF-8 sequence, or npos.
size_t FirstInvalidUtf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return i;
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace

struct JsonBatchDecoder::Impl {
  dom::parser parser;
  std::string padded;  // copy of bodies that lack padding
  const Limits* limits = nullptr;
  int64_t now_us = 0;

  Impl() {
    // Events nest three levels deep; anything much deeper is refused early.
    auto ec = parser.allocate(1 << 16, kMaxDepth);
    (void)ec;
  }
  static constexpr size_t kMaxDepth = 32;

  // Decodes one event object into out; on failure fills fe and returns false.
  bool DecodeEvent(dom::object obj, EventBatch* out, FieldError* fe);
  bool DecodeEventFields(dom::object obj, Event* e, EventBatch* out, FieldError* fe);
  bool ReadNumber(dom::element v, std::string_view field, double* d, FieldError* fe);
  bool ReadCount(dom::element v, std::string_view field, int64_t* n, FieldError* fe);
  bool ReadString(dom::element v, std::string_view field, size_t max_bytes, std::string_view* s, FieldError* fe);
  bool ReadTokens(dom::element v, Event* e, FieldError* fe);
  bool ReadAttrs(dom::element v, Event* e, EventBatch* out, FieldError* fe);
};

namespace {
inline bool Fail(FieldError* fe, std::string_view field, std::string message) {
  fe->field = std::string(field);
  fe->message = std::move(message);
  return false;
}

// Byte ranges of the top-level elements of a JSON array, found with a small
// structural scan (strings and escapes respected). Used only to locate the
// element of a malformed array body; stops at the first element it cannot
// delimit (which is then the last range, running to the end).
std::vector<std::pair<size_t, size_t>> SplitArray(std::string_view s) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t i = s.find('[');
  if (i == std::string_view::npos) return out;
  ++i;
  int depth = 0;
  bool in_str = false;
  size_t begin = std::string_view::npos;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (in_str) {
      if (c == '\\') ++i;
      else if (c == '"') in_str = false;
      continue;
    }
    if (begin == std::string_view::npos) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',') continue;
      if (c == ']' && depth == 0) return out;
      begin = i;
    }
    if (c == '"') in_str = true;
    else if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') {
      if (depth == 0) {  // closing the outer array right after a scalar
        out.emplace_back(begin, i);
        return out;
      }
      --depth;
    } else if (c == ',' && depth == 0) {
      out.emplace_back(begin, i);
      begin = std::string_view::npos;
      continue;
    }
    if (depth == 0 && (c == '}' || c == ']')) {
      out.emplace_back(begin, i + 1);
      begin = std::string_view::npos;
    }
  }
  if (begin != std::string_view::npos) out.emplace_back(begin, s.size());
  return out;
}
}  // namespace

bool JsonBatchDecoder::Impl::ReadNumber(dom::element v, std::string_view field, double* d, FieldError* fe) {
  if (!v.is_number()) return Fail(fe, field, "must be a number");
  *d = v.get_double().value_unsafe();
  if (!std::isfinite(*d)) return Fail(fe, field, "must be finite");
  if (*d < 0) return Fail(fe, field, "must not be negative");
  return true;
}

bool JsonBatchDecoder::Impl::ReadCount(dom::element v, std::string_view field, int64_t* n, FieldError* fe) {
  double d;
  if (!ReadNumber(v, field, &d, fe)) return false;
  if (d != std::floor(d)) return Fail(fe, field, "must be a whole number");
  // JSON integers are compared exactly: as a double, 2^53 + 1 would round
  // down to 2^53 and slip under the limit.
  bool too_big = d > static_cast<double>(limits->max_count);
  if (v.type() == dom::element_type::INT64) {
    too_big = v.get_int64().value_unsafe() > limits->max_count;
  } else if (v.type() == dom::element_type::UINT64) {
    too_big = v.get_uint64().value_unsafe() > static_cast<uint64_t>(limits->max_count);
  }
  if (too_big) return Fail(fe, field, fmt::format("must be at most {}", limits->max_count));
  *n = v.type() == dom::element_type::INT64 ? v.get_int64().value_unsafe() : static_cast<int64_t>(d);
  return true;
}

bool JsonBatchDecoder::Impl::ReadString(dom::element v, std::string_view field, size_t max_bytes, std::string_view* s,
                                        FieldError* fe) {
  if (!v.is_string()) return Fail(fe, field, "must be a string");
  std::string_view raw = v.get_string().value_unsafe();
  if (raw.size() > max_bytes) {
    return Fail(fe, field, fmt::format("is {} bytes; the limit is {}", raw.size(), max_bytes));
  }
  if (HasControlChars(raw)) return Fail(fe, field, "must not contain control characters");
  *s = raw;
  return true;
}

bool JsonBatchDecoder::Impl::ReadTokens(dom::element v, Event* e, FieldError* fe) {
  if (!v.is_object()) return Fail(fe, "tokens", "must be an object");
  uint32_t seen = 0;
  dom::object obj = v.get_object().value_unsafe();
  for (dom::key_value_pair kv : obj) {
    std::string_view key = kv.key;
    int idx = -1;
    for (size_t i = 0; i < kIntFields.size(); ++i) {
      if (kIntFields[i].json_object == "tokens" && kIntFields[i].json_key == key) idx = static_cast<int>(i);
    }
    std::string name = "tokens." + std::string(key.substr(0, 64));
    if (idx < 0) return Fail(fe, name, "unknown token kind (expected input, output, reasoning, cache_read, cache_write)");
    if (seen & (1u << idx)) return Fail(fe, name, "duplicate field");
    seen |= 1u << idx;
    if (kv.value.is_null()) continue;
    if (!ReadCount(kv.value, name, &e->ints[idx], fe)) return false;
  }
  return true;
}

bool JsonBatchDecoder::Impl::ReadAttrs(dom::element v, Event* e, EventBatch* out, FieldError* fe) {
  if (!v.is_object()) return Fail(fe, "attrs", "must be an object");
  e->attr_begin = static_cast<uint32_t>(out->attrs.size());
  dom::object obj = v.get_object().value_unsafe();
  for (dom::key_value_pair kv : obj) {
    std::string_view key = kv.key;
    std::string name = "attrs." + std::string(key.substr(0, 64));
    if (key.empty()) return Fail(fe, "attrs", "empty attribute name");
    if (key.size() > limits->max_attr_key_bytes) {
      return Fail(fe, name, fmt::format("attribute name is {} bytes; the limit is {}", key.size(),
                                        limits->max_attr_key_bytes));
    }
    if (HasControlChars(key)) return Fail(fe, name, "attribute name must not contain control characters");
    if (e->attr_count >= limits->max_attrs) {
      return Fail(fe, "attrs", fmt::format("more than {} attributes", limits->max_attrs));
    }
    for (uint32_t i = 0; i < e->attr_count; ++i) {
      if (out->attrs[e->attr_begin + i].key == key) return Fail(fe, name, "duplicate attribute");
    }
    Attr a;
    dom::element val = kv.value;
    switch (val.type()) {
      case dom::element_type::STRING: {
        std::string_view str = val.get_string().value_unsafe();
        if (str.size() > limits->max_attr_value_bytes) {
          return Fail(fe, name, fmt::format("value is {} bytes; the limit is {}", str.size(),
                                            limits->max_attr_value_bytes));
        }
        a.type = AttrType::kString;
        a.str = out->arena.Copy(str);
        break;
      }
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
      case dom::element_type::DOUBLE:
        a.type = AttrType::kNumber;
        a.num = val.get_double().value_unsafe();
        if (!std::isfinite(a.num)) return Fail(fe, name, "must be finite");
        break;
      case dom::element_type::BOOL:
        a.type = AttrType::kBool;
        a.num = val.get_bool().value_unsafe() ? 1 : 0;
        break;
      case dom::element_type::NULL_VALUE:
        continue;  // absent
      default:
        return Fail(fe, name, "attribute values must be strings, numbers or booleans (no nesting)");
    }
    a.key = out->arena.Copy(key);
    out->attrs.push_back(a);
    ++e->attr_count;
  }
  return true;
}

bool JsonBatchDecoder::Impl::DecodeEvent(dom::object obj, EventBatch* out, FieldError* fe) {
  // Built in place: an Event is large, and copying it costs more than filling it.
  Event& e = out->events.emplace_back();
  if (!DecodeEventFields(obj, &e, out, fe)) {
    out->events.pop_back();
    return false;
  }
  return true;
}

bool JsonBatchDecoder::Impl::DecodeEventFields(dom::object obj, Event* ep, EventBatch* out, FieldError* fe) {
  Event& e = *ep;
  std::string_view explicit_id;
  bool have_kind = false, have_start = false, have_end = false, have_duration = false;
  double start_ms = 0, end_ms = 0, duration_ms = 0;
  uint64_t seen = 0;  // bit per KeyInfo::slot
  size_t attrs_before = out->attrs.size();

  for (dom::key_value_pair kv : obj) {
    std::string_view key = kv.key;
    const KeyInfo* ki = Keys().Find(key);
    if (ki == nullptr) {
      return Fail(fe, key.substr(0, 64), "unknown field (see docs/events.md for the schema)");
    }
    const unsigned bit = ki->slot;  // fewer than 64 keys
    if (seen & (uint64_t{1} << bit)) return Fail(fe, ki->name, "duplicate field");
    seen |= uint64_t{1} << bit;
    dom::element v = kv.value;
    if (v.is_null()) {
      if (ki->key == Key::kKind || ki->key == Key::kStartMs) return Fail(fe, ki->name, "is required");
      continue;  // null = absent
    }
    switch (ki->key) {
      case Key::kId:
        if (!ReadString(v, "id", limits->max_id_bytes, &explicit_id, fe)) return false;
        if (explicit_id.empty()) return Fail(fe, "id", "must not be empty");
        explicit_id = out->arena.Copy(explicit_id);
        break;
      case Key::kKind: {
        std::string_view s;
        if (!ReadString(v, "kind", 64, &s, fe)) return false;
        if (!ParseKind(s, &e.kind)) {
          return Fail(fe, "kind",
                      "must be one of session, turn, llm_call, tool_call, permission_wait, retry, compaction, sample");
        }
        have_kind = true;
        break;
      }
      case Key::kStatus: {
        std::string_view s;
        if (!ReadString(v, "status", 64, &s, fe)) return false;
        if (!ParseStatus(s, &e.status)) return Fail(fe, "status", "must be one of ok, error, cancelled");
        break;
      }
      case Key::kStartMs:
        if (!ReadNumber(v, "start_ms", &start_ms, fe)) return false;
        have_start = true;
        break;
      case Key::kEndMs:
        if (!ReadNumber(v, "end_ms", &end_ms, fe)) return false;
        have_end = true;
        break;
      case Key::kDurationMs:
        if (!ReadNumber(v, "duration_ms", &duration_ms, fe)) return false;
        have_duration = true;
        break;
      case Key::kTokens:
        if (!ReadTokens(v, &e, fe)) return false;
        break;
      case Key::kAttrs:
        if (!ReadAttrs(v, &e, out, fe)) return false;
        break;
      case Key::kStr: {
        const StrFieldInfo& info = kStrFields[ki->index];
        size_t max = info.is_label ? limits->max_label_bytes : limits->max_id_bytes;
        std::string_view s;
        if (!ReadString(v, info.json_name, max, &s, fe)) return false;
        e.str[static_cast<int>(info.field)] = out->arena.Copy(s);
        break;
      }
      case Key::kInt: {
        const IntFieldInfo& info = kIntFields[ki->index];
        if (!ReadCount(v, info.name, &e.ints[static_cast<int>(info.field)], fe)) return false;
        break;
      }
      case Key::kFloat: {
        const FloatFieldInfo& info = kFloatFields[ki->index];
        double d;
        if (!ReadNumber(v, info.name, &d, fe)) return false;
        if (info.field == FloatField::kCost && d > limits->max_cost) {
          return Fail(fe, "cost", fmt::format("must be at most {}", limits->max_cost));
        }
        e.floats[static_cast<int>(info.field)] = d;
        break;
      }
      case Key::kUnknown:
        break;
    }
  }

  if (!have_kind) return Fail(fe, "kind", "is required");
  if (!have_start) return Fail(fe, "start_ms", "is required");
  if (have_end && have_duration) return Fail(fe, "duration_ms", "give end_ms or duration_ms, not both");
  if (!have_end && !have_duration && e.kind != SpanKind::kSample) {
    return Fail(fe, "end_ms", "is required (or duration_ms); only sample events may omit it");
  }
  // Milliseconds (possibly fractional) to microseconds.
  const double max_ms = 9.2e15;  // keeps microseconds inside int64
  if (start_ms > max_ms) return Fail(fe, "start_ms", "is out of range");
  e.start_us = static_cast<int64_t>(std::llround(start_ms * 1000.0));
  if (have_end) {
    if (end_ms > max_ms) return Fail(fe, "end_ms", "is out of range");
    e.end_us = static_cast<int64_t>(std::llround(end_ms * 1000.0));
  } else if (have_duration) {
    if (duration_ms > max_ms) return Fail(fe, "duration_ms", "is out of range");
    const int64_t duration_us = static_cast<int64_t>(std::llround(duration_ms * 1000.0));
    // Checked before the addition, which could otherwise overflow int64.
    if (duration_us > limits->max_duration_us) {
      return Fail(fe, "duration_ms", fmt::format("is longer than {} days", limits->max_duration_us / 86400000000LL));
    }
    if (__builtin_add_overflow(e.start_us, duration_us, &e.end_us)) return Fail(fe, "duration_ms", "is out of range");
  } else {
    e.end_us = e.start_us;
  }
  if (e.start_us < limits->min_time_us) {
    return Fail(fe, "start_ms", "is before 2000-01-01 (timestamps are milliseconds since the Unix epoch)");
  }
  if (e.start_us > now_us + limits->max_future_us) {
    return Fail(fe, "start_ms", "is more than a day in the future");
  }
  if (e.end_us < e.start_us) return Fail(fe, "end_ms", "is before start_ms (negative duration)");
  if (e.end_us > now_us + limits->max_future_us) return Fail(fe, "end_ms", "is more than a day in the future");
  if (e.end_us - e.start_us > limits->max_duration_us) {
    return Fail(fe, "duration_ms", fmt::format("is longer than {} days", limits->max_duration_us / 86400000000LL));
  }

  if (explicit_id.empty()) {
    e.id = DerivedEventId(e, out->attrs.data() + e.attr_begin);
  } else if (explicit_id.size() == kRawIdPrefix.size() + 32 && explicit_id.substr(0, kRawIdPrefix.size()) == kRawIdPrefix &&
             Hash128::FromHex(explicit_id.substr(kRawIdPrefix.size()), &e.id) && !e.id.IsZero()) {
    // A raw id written by agentperf itself (export, CLI ingest via a server).
  } else {
    e.id = ExplicitEventId(explicit_id);
  }
  if (e.attr_count == 0) e.attr_begin = static_cast<uint32_t>(attrs_before);
  return true;
}

JsonBatchDecoder::JsonBatchDecoder(Limits limits) : limits_(limits), impl_(std::make_unique<Impl>()) {
  impl_->limits = &limits_;
}
JsonBatchDecoder::~JsonBatchDecoder() = default;

Status JsonBatchDecoder::Decode(std::string_view body, size_t capacity, int64_t now_us, EventBatch* out,
                                DecodeError* err) {
  Impl& im = *impl_;
  im.now_us = now_us;
  *err = DecodeError{};
  const size_t events_before = out->events.size();
  const size_t attrs_before = out->attrs.size();
  auto fail = [&](Status st) {
    out->events.resize(events_before);
    out->attrs.resize(attrs_before);
    return st;
  };
  auto invalid = [&](std::string message) {
    err->message = std::move(message);
    return fail(Status::InvalidArgument(err->ToString()));
  };
  auto too_many = [&] {
    err->message = fmt::format("more than {} events in one batch", limits_.max_events_per_batch);
    return fail(Status::TooLarge(err->ToString()));
  };

  if (capacity < body.size() + JsonPadding()) {
    im.padded.assign(body.data(), body.size());
    im.padded.reserve(body.size() + JsonPadding());
    body = im.padded;
    capacity = im.padded.capacity();
  }
  size_t first = 0;
  while (first < body.size() && (body[first] == ' ' || body[first] == '\n' || body[first] == '\r' || body[first] == '\t')) {
    ++first;
  }
  if (first == body.size()) return invalid("empty body: expected a JSON array of events or NDJSON");

  auto utf8_error = [&](size_t base, size_t len) {
    size_t bad = FirstInvalidUtf8(body.substr(base, len));
    if (bad != std::string_view::npos) err->offset = static_cast<int64_t>(base + bad);
    return invalid("invalid UTF-8");
  };

  out->events.reserve(out->events.size() + body.size() / 256 + 1);
  FieldError fe;
  if (body[first] == '[') {
    dom::element root;
    auto ec = im.parser.parse(body.data(), body.size(), false).get(root);
    if (ec) {
      // Locate the element that does not parse.
      auto ranges = SplitArray(body);
      for (size_t k = 0; k < ranges.size(); ++k) {
        auto [b, e] = ranges[k];
        dom::element el;
        auto eec = im.parser.parse(body.data() + b, e - b, false).get(el);
        if (eec) {
          err->index = static_cast<int64_t>(k);
          return eec == simdjson::UTF8_ERROR ? utf8_error(b, e - b) : invalid(SimdjsonMessage(eec));
        }
      }
      return ec == simdjson::UTF8_ERROR ? utf8_error(0, body.size()) : invalid(SimdjsonMessage(ec));
    }
    int64_t index = 0;
    dom::array arr = root.get_array().value_unsafe();
    for (dom::element el : arr) {
      err->index = index;
      if (!el.is_object()) return invalid("each event must be a JSON object");
      if (out->events.size() - events_before >= limits_.max_events_per_batch) return too_many();
      if (!im.DecodeEvent(el.get_object().value_unsafe(), out, &fe)) {
        err->field = fe.field;
        return invalid(fe.message);
      }
      ++index;
    }
    err->index = -1;
    return Status::OK();
  }

  // NDJSON: one object per line; blank lines are skipped. The fast path
  // parses the whole body as a document stream; if anything in it is
  // malformed, a line-by-line pass finds and reports the exact line.
  {
    dom::document_stream stream;
    size_t window = std::max<size_t>(body.size() + 1, size_t{1} << 20);
    auto ec = im.parser.parse_many(body.data(), body.size(), window).get(stream);
    bool malformed = ec != simdjson::SUCCESS;
    // Line numbers are only needed for errors: count newlines then.
    auto set_line = [&](size_t at) {
      err->line = 1 + std::count(body.begin(), body.begin() + static_cast<long>(at), '\n');
    };
    if (!malformed) {
      for (auto it = stream.begin(); it != stream.end(); ++it) {
        const size_t at = it.current_index();
        dom::element root;
        if ((*it).get(root) != simdjson::SUCCESS) {
          malformed = true;
          break;
        }
        if (!root.is_object()) {
          set_line(at);
          return invalid("each line must be one JSON object (or send a JSON array)");
        }
        if (out->events.size() - events_before >= limits_.max_events_per_batch) {
          set_line(at);
          return too_many();
        }
        if (!im.DecodeEvent(root.get_object().value_unsafe(), out, &fe)) {
          set_line(at);
          err->field = fe.field;
          return invalid(fe.message);
        }
      }
      if (!malformed && stream.truncated_bytes() > 0) malformed = true;
    }
    if (!malformed) {
      err->line = -1;
      return Status::OK();
    }
    out->events.resize(events_before);
    out->attrs.resize(attrs_before);
    *err = DecodeError{};
  }
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    size_t end = nl == std::string_view::npos ? body.size() : nl;
    ++line_no;
    std::string_view line = body.substr(pos, end - pos);
    size_t line_start = pos;
    pos = end + 1;
    size_t a = 0;
    while (a < line.size() && (line[a] == ' ' || line[a] == '\t' || line[a] == '\r')) ++a;
    if (a == line.size()) continue;
    err->line = line_no;
    if (line[a] != '{') return invalid("each line must be one JSON object (or send a JSON array)");
    dom::element root;
    auto ec = im.parser.parse(line.data(), line.size(), false).get(root);
    if (ec) return ec == simdjson::UTF8_ERROR ? utf8_error(line_start, line.size()) : invalid(SimdjsonMessage(ec));
    if (!root.is_object()) return invalid("each line must be one JSON object");
  }
  err->line = -1;
  return invalid("malformed JSON (could not locate the line)");
}


}  // namespace agentperf::event
