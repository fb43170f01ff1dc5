// The event model: one schema for every source (plugin, importer, SSE, OTLP,
// /proc sampler). An Event is one span (or one resource sample). See
// docs/events.md for every field, its JSON name and its OpenTelemetry GenAI
// counterpart; the tables in fields.h are the single source of truth for names.
//
// Events do not own their strings: string fields are views into the arena of
// the EventBatch that holds them. Thread-safety: plain values; a batch may be
// read from many threads once built.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hash.h"

namespace agentperf::event {

enum class SpanKind : uint8_t {
  kSession = 0,
  kTurn = 1,
  kLlmCall = 2,
  kToolCall = 3,
  kPermissionWait = 4,
  kRetry = 5,
  kCompaction = 6,
  kSample = 7,
};
constexpr int kNumKinds = 8;
std::string_view KindName(SpanKind kind);
bool ParseKind(std::string_view name, SpanKind* out);

enum class SpanStatus : uint8_t { kOk = 0, kError = 1, kCancelled = 2 };
constexpr int kNumStatuses = 3;
std::string_view StatusName(SpanStatus status);
bool ParseStatus(std::string_view name, SpanStatus* out);

// String fields. Labels (low cardinality, guarded) and ids (high cardinality).
enum class StrField : uint8_t {
  kSessionId = 0,
  kParentSessionId,
  kMessageId,
  kSpanId,
  kParentSpanId,
  kAgent,
  kModel,
  kProvider,
  kTool,
  kErrorClass,
  kSource,
};
constexpr int kNumStrFields = 11;

// Integer fields (counts); absent = kAbsentInt.
enum class IntField : uint8_t {
  kTokensInput = 0,
  kTokensOutput,
  kTokensReasoning,
  kTokensCacheRead,
  kTokensCacheWrite,
  kRssBytes,
  kIoReadBytes,
  kIoWriteBytes,
};
constexpr int kNumIntFields = 8;
constexpr int64_t kAbsentInt = -1;

// Floating-point fields; absent = NaN.
enum class FloatField : uint8_t {
  kCost = 0,   // USD
  kTtfcMs,     // time to first chunk, milliseconds
  kCpuSeconds, // CPU time used during a sample interval
};
constexpr int kNumFloatFields = 3;

enum class AttrType : uint8_t { kString = 0, kNumber = 1, kBool = 2 };
struct Attr {
  std::string_view key;
  AttrType type = AttrType::kString;
  std::string_view str;  // kString
  double num = 0;        // kNumber; kBool: 0 or 1
};

struct Event {
  Hash128 id;  // stable id (see event_id.h); never zero once built
  SpanKind kind = SpanKind::kSession;
  SpanStatus status = SpanStatus::kOk;
  int64_t start_us = 0;  // microseconds since the Unix epoch
  int64_t end_us = 0;    // >= start_us
  std::array<std::string_view, kNumStrFields> str{};  // empty = absent
  std::array<int64_t, kNumIntFields> ints{kAbsentInt, kAbsentInt, kAbsentInt, kAbsentInt,
                                          kAbsentInt, kAbsentInt, kAbsentInt, kAbsentInt};
  std::array<double, kNumFloatFields> floats{std::numeric_limits<double>::quiet_NaN(),
                                             std::numeric_limits<double>::quiet_NaN(),
                                             std::numeric_limits<double>::quiet_NaN()};
  uint32_t attr_begin = 0;  // index into EventBatch::attrs
  uint32_t attr_count = 0;

  std::string_view Str(StrField f) const { return str[static_cast<int>(f)]; }
  int64_t Int(IntField f) const { return ints[static_cast<int>(f)]; }
  double Float(FloatField f) const { return floats[static_cast<int>(f)]; }
  int64_t duration_us() const { return end_us - start_us; }
};

// Owns the bytes that events' string views point into. Chunks never move, so
// views stay valid when the arena (or its batch) is moved.
class Arena {
 public:
  Arena() = default;
  // A moved-from arena is empty and reusable (its cursor must not keep
  // pointing into a chunk it no longer owns).
  Arena(Arena&& o) noexcept { *this = std::move(o); }
  Arena& operator=(Arena&& o) noexcept {
    if (this != &o) {
      chunks_ = std::move(o.chunks_);
      adopted_ = std::move(o.adopted_);
      o.chunks_.clear();
      o.adopted_.clear();
      cur_ = std::exchange(o.cur_, nullptr);
      left_ = std::exchange(o.left_, 0);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  std::string_view Copy(std::string_view s);
  // Takes ownership of a whole buffer (e.g. a WAL record) and returns a view of it.
  std::string_view Adopt(std::string buffer);
  size_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kChunk = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<std::unique_ptr<std::string>> adopted_;
  char* cur_ = nullptr;
  size_t left_ = 0;
  size_t bytes_ = 0;
};

struct EventBatch {
  std::vector<Event> events;
  std::vector<Attr> attrs;
  Arena arena;

  size_t size() const { return events.size(); }
  bool empty() const { return events.empty(); }
  const Attr* AttrsOf(const Event& e) const { return attrs.data() + e.attr_begin; }
};

// Events [begin, end) of `parent` as a batch of their own. The strings stay in
// the parent's arena: the parent must outlive the slice.
EventBatch SliceView(const EventBatch& parent, size_t begin, size_t end);

}  // namespace agentperf::event
