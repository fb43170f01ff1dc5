#include "event/event.h"

#include <cstring>

namespace agentperf::event {
namespace {
constexpr std::array<std::string_view, kNumKinds> kKindNames = {
    "session", "turn", "llm_call", "tool_call", "permission_wait", "retry", "compaction", "sample"};
constexpr std::array<std::string_view, kNumStatuses> kStatusNames = {"ok", "error", "cancelled"};
}  // namespace

std::string_view KindName(SpanKind kind) { return kKindNames[static_cast<int>(kind)]; }

bool ParseKind(std::string_view name, SpanKind* out) {
  for (int i = 0; i < kNumKinds; ++i) {
    if (kKindNames[i] == name) {
      *out = static_cast<SpanKind>(i);
      return true;
    }
  }
  return false;
}

std::string_view StatusName(SpanStatus status) { return kStatusNames[static_cast<int>(status)]; }

bool ParseStatus(std::string_view name, SpanStatus* out) {
  for (int i = 0; i < kNumStatuses; ++i) {
    if (kStatusNames[i] == name) {
      *out = static_cast<SpanStatus>(i);
      return true;
    }
  }
  return false;
}

std::string_view Arena::Copy(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > left_) {
    size_t n = s.size() > kChunk / 4 ? s.size() : kChunk;
    chunks_.emplace_back(new char[n]);
    cur_ = chunks_.back().get();
    left_ = n;
  }
  std::memcpy(cur_, s.data(), s.size());
  std::string_view v(cur_, s.size());
  cur_ += s.size();
  left_ -= s.size();
  bytes_ += s.size();
  return v;
}

EventBatch SliceView(const EventBatch& parent, size_t begin, size_t end) {
  EventBatch b;
  b.events.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    Event e = parent.events[i];
    const Attr* a = parent.AttrsOf(e);
    e.attr_begin = static_cast<uint32_t>(b.attrs.size());
    b.attrs.insert(b.attrs.end(), a, a + e.attr_count);
    b.events.push_back(e);
  }
  return b;
}

std::string_view Arena::Adopt(std::string buffer) {
  bytes_ += buffer.size();
  adopted_.push_back(std::make_unique<std::string>(std::move(buffer)));
  return *adopted_.back();
}

}  // namespace agentperf::event
