#include "event/event_id.h"

#include <cstring>
#include <string>

namespace agentperf::event {
namespace {

Hash128 NonZero(Hash128 h) {
  if (h.IsZero()) h.lo = 1;
  return h;
}

void AppendPart(std::string* buf, std::string_view part) {
  buf->append(part.data(), part.size());
  buf->push_back('\0');
}

void AppendNum(std::string* buf, const void* p, size_t n) {
  buf->append(static_cast<const char*>(p), n);
  buf->push_back('\0');
}

}  // namespace

Hash128 ExplicitEventId(std::string_view id) {
  std::string buf("x");
  buf.push_back('\0');
  buf.append(id.data(), id.size());
  return NonZero(Murmur3_128(buf));
}

Hash128 SpanEventId(SpanKind kind, std::string_view session_id, std::string_view span_id) {
  thread_local std::string buf;
  buf.clear();
  AppendPart(&buf, "s");
  AppendPart(&buf, KindName(kind));
  AppendPart(&buf, session_id);
  AppendPart(&buf, span_id);
  return NonZero(Murmur3_128(buf));
}

Hash128 DerivedEventId(const Event& e, const Attr* attrs) {
  std::string_view span = e.Str(StrField::kSpanId);
  if (!span.empty()) return SpanEventId(e.kind, e.Str(StrField::kSessionId), span);
  thread_local std::string buf;
  buf.clear();
  AppendPart(&buf, "c");
  AppendPart(&buf, KindName(e.kind));
  AppendPart(&buf, StatusName(e.status));
  AppendNum(&buf, &e.start_us, sizeof e.start_us);
  AppendNum(&buf, &e.end_us, sizeof e.end_us);
  for (auto s : e.str) AppendPart(&buf, s);
  for (auto v : e.ints) AppendNum(&buf, &v, sizeof v);
  for (auto v : e.floats) {
    if (v != v) v = -1;  // all NaNs hash alike
    AppendNum(&buf, &v, sizeof v);
  }
  for (uint32_t i = 0; i < e.attr_count; ++i) {
    const Attr& a = attrs[i];
    AppendPart(&buf, a.key);
    auto t = static_cast<uint8_t>(a.type);
    AppendNum(&buf, &t, 1);
    if (a.type == AttrType::kString) AppendPart(&buf, a.str);
    else AppendNum(&buf, &a.num, sizeof a.num);
  }
  return NonZero(Murmur3_128(buf));
}

}  // namespace agentperf::event
