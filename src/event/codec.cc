#include "event/codec.h"

#include <cmath>
#include <cstring>

#include "core/coding.h"

namespace agentperf::event {
namespace {

using namespace agentperf::coding;

// Upper bound of an event's encoded size (attributes excluded).
size_t MaxEventSize(const Event& e) {
  size_t n = 1 + 16 + 10 + 10 + 10 + 1 + kNumIntFields * 10 + 1 + kNumFloatFields * 8;
  for (int i = 0; i < kNumStrFields; ++i) n += e.str[i].size() + 10;
  return n;
}

void EncodeEvent(const EventBatch& batch, const Event& e, int64_t* prev_start, std::string* dst) {
  // Written through a raw cursor into space reserved up front: this runs once
  // per event on the ingest path.
  size_t at = dst->size();
  dst->resize(at + MaxEventSize(e));
  char* p = dst->data() + at;
  *p++ = static_cast<char>(static_cast<uint8_t>(e.kind) | (static_cast<uint8_t>(e.status) << 4));
  EncodeFixed64(p, e.id.lo);
  EncodeFixed64(p + 8, e.id.hi);
  p += 16;
  p = EncodeVarint64(p, ZigZag(e.start_us - *prev_start));
  *prev_start = e.start_us;
  p = EncodeVarint64(p, static_cast<uint64_t>(e.end_us - e.start_us));
  uint32_t str_mask = 0;
  for (int i = 0; i < kNumStrFields; ++i) {
    if (!e.str[i].empty()) str_mask |= 1u << i;
  }
  p = EncodeVarint64(p, str_mask);
  for (int i = 0; i < kNumStrFields; ++i) {
    if (e.str[i].empty()) continue;
    p = EncodeVarint64(p, e.str[i].size());
    std::memcpy(p, e.str[i].data(), e.str[i].size());
    p += e.str[i].size();
  }
  char* int_mask = p++;
  *int_mask = 0;
  for (int i = 0; i < kNumIntFields; ++i) {
    if (e.ints[i] == kAbsentInt) continue;
    *int_mask = static_cast<char>(*int_mask | (1 << i));
    p = EncodeVarint64(p, static_cast<uint64_t>(e.ints[i]));
  }
  char* float_mask = p++;
  *float_mask = 0;
  for (int i = 0; i < kNumFloatFields; ++i) {
    if (std::isnan(e.floats[i])) continue;
    *float_mask = static_cast<char>(*float_mask | (1 << i));
    uint64_t bits;
    std::memcpy(&bits, &e.floats[i], 8);
    EncodeFixed64(p, bits);
    p += 8;
  }
  dst->resize(static_cast<size_t>(p - dst->data()));
  EncodeAttrs(batch.AttrsOf(e), e.attr_count, dst);
}

bool GetAttr(std::string_view* in, Attr* attr) {
  uint8_t type;
  if (!GetLengthPrefixed(in, &attr->key) || !GetByte(in, &type)) return false;
  if (type > static_cast<uint8_t>(AttrType::kBool)) return false;
  attr->type = static_cast<AttrType>(type);
  if (attr->type == AttrType::kString) return GetLengthPrefixed(in, &attr->str);
  return GetDouble(in, &attr->num);
}

Status Bad(const char* what) { return Status::Corruption(std::string("event batch payload: ") + what); }

}  // namespace

void EncodeBatchSubset(const EventBatch& batch, const std::vector<bool>& keep, std::string* dst) {
  size_t n = 0;
  for (size_t i = 0; i < batch.events.size(); ++i) n += keep[i] ? 1 : 0;
  dst->push_back(static_cast<char>(kBatchFormatV1));
  PutVarint64(dst, n);
  int64_t prev_start = 0;
  for (size_t i = 0; i < batch.events.size(); ++i) {
    if (keep[i]) EncodeEvent(batch, batch.events[i], &prev_start, dst);
  }
}

void EncodeBatch(const EventBatch& batch, std::string* dst) {
  dst->push_back(static_cast<char>(kBatchFormatV1));
  PutVarint64(dst, batch.events.size());
  int64_t prev_start = 0;
  for (const Event& e : batch.events) EncodeEvent(batch, e, &prev_start, dst);
}

static Status DecodeBatchImpl(std::string_view in, EventBatch* out);

void EncodeAttrs(const Attr* attrs, uint32_t n, std::string* dst) {
  PutVarint64(dst, n);
  for (uint32_t i = 0; i < n; ++i) {
    PutLengthPrefixed(dst, attrs[i].key);
    dst->push_back(static_cast<char>(attrs[i].type));
    if (attrs[i].type == AttrType::kString) PutLengthPrefixed(dst, attrs[i].str);
    else PutDouble(dst, attrs[i].num);
  }
}

Status DecodeAttrs(std::string_view in, std::vector<Attr>* out) {
  uint64_t n;
  if (!GetVarint64(&in, &n) || n > in.size()) return Bad("bad attribute count");
  size_t before = out->size();
  for (uint64_t i = 0; i < n; ++i) {
    Attr a;
    if (!GetAttr(&in, &a)) {
      out->resize(before);
      return Bad("bad attribute");
    }
    out->push_back(a);
  }
  if (!in.empty()) {
    out->resize(before);
    return Bad("trailing bytes after attributes");
  }
  return Status::OK();
}

Status DecodeBatch(std::string_view in, EventBatch* out) {
  size_t events_before = out->events.size(), attrs_before = out->attrs.size();
  Status st = DecodeBatchImpl(in, out);
  if (!st.ok()) {
    out->events.resize(events_before);
    out->attrs.resize(attrs_before);
  }
  return st;
}

static Status DecodeBatchImpl(std::string_view in, EventBatch* out) {
  uint8_t version;
  if (!GetByte(&in, &version)) return Bad("empty");
  if (version != kBatchFormatV1) return Bad("unknown format version");
  uint64_t n;
  if (!GetVarint64(&in, &n)) return Bad("bad event count");
  // Every event takes at least 21 bytes; reject counts the payload cannot hold.
  if (n > in.size() / 21 + 1) return Bad("event count larger than payload");
  out->events.reserve(out->events.size() + n);
  int64_t prev_start = 0;
  for (uint64_t k = 0; k < n; ++k) {
    Event e;
    uint8_t ks;
    if (!GetByte(&in, &ks)) return Bad("truncated event");
    if ((ks & 0xf) >= kNumKinds || (ks >> 4) >= kNumStatuses) return Bad("bad kind or status");
    e.kind = static_cast<SpanKind>(ks & 0xf);
    e.status = static_cast<SpanStatus>(ks >> 4);
    if (!GetFixed64(&in, &e.id.lo) || !GetFixed64(&in, &e.id.hi)) return Bad("truncated id");
    int64_t delta;
    uint64_t dur, str_mask;
    if (!GetVarsint64(&in, &delta) || !GetVarint64(&in, &dur) || !GetVarint64(&in, &str_mask)) {
      return Bad("truncated times");
    }
    // Checked: a corrupt delta or duration must not overflow int64 (UB).
    if (__builtin_add_overflow(prev_start, delta, &e.start_us)) return Bad("start time out of range");
    prev_start = e.start_us;
    if (dur > (uint64_t{1} << 62)) return Bad("bad duration");
    if (__builtin_add_overflow(e.start_us, static_cast<int64_t>(dur), &e.end_us)) return Bad("end time out of range");
    if (str_mask >> kNumStrFields) return Bad("bad string mask");
    for (int i = 0; i < kNumStrFields; ++i) {
      if (str_mask & (1u << i)) {
        if (!GetLengthPrefixed(&in, &e.str[i]) || e.str[i].empty()) return Bad("bad string");
      }
    }
    uint8_t int_mask, float_mask;
    if (!GetByte(&in, &int_mask)) return Bad("truncated ints");
    for (int i = 0; i < kNumIntFields; ++i) {
      if (int_mask & (1u << i)) {
        uint64_t v;
        if (!GetVarint64(&in, &v) || v > (uint64_t{1} << 62)) return Bad("bad int");
        e.ints[i] = static_cast<int64_t>(v);
      }
    }
    if (!GetByte(&in, &float_mask)) return Bad("truncated floats");
    if (float_mask >> kNumFloatFields) return Bad("bad float mask");
    for (int i = 0; i < kNumFloatFields; ++i) {
      if (float_mask & (1u << i)) {
        if (!GetDouble(&in, &e.floats[i]) || std::isnan(e.floats[i])) return Bad("bad float");
      }
    }
    uint64_t nattrs;
    if (!GetVarint64(&in, &nattrs) || nattrs > in.size()) return Bad("bad attribute count");
    e.attr_begin = static_cast<uint32_t>(out->attrs.size());
    e.attr_count = static_cast<uint32_t>(nattrs);
    for (uint64_t a = 0; a < nattrs; ++a) {
      Attr attr;
      if (!GetAttr(&in, &attr)) return Bad("bad attribute");
      out->attrs.push_back(attr);
    }
    out->events.push_back(e);
  }
  if (!in.empty()) return Bad("trailing bytes");
  return Status::OK();
}

Status DecodeOwnedBatch(std::string payload, EventBatch* out) {
  std::string_view view = out->arena.Adopt(std::move(payload));
  return DecodeBatch(view, out);
}

}  // namespace agentperf::event
