// SseParser: incremental framing of a text/event-stream body (the WHATWG
// "server-sent events" format), as sent by `opencode serve` on /global/event
// and /event (docs/watch.md, design §5.1).
//
// Feed() takes the body in arbitrary pieces (a line, an event or a CR/LF pair
// may be split anywhere) and calls `on_data` once per complete event with its
// data: the `data:` field values of the event joined by '\n'. Lines end with
// LF, CR or CRLF; a leading UTF-8 BOM is skipped; one space after the colon is
// removed; comments (":...") and the `event`, `id` and `retry` fields are
// ignored; an event without data lines is not delivered. An event whose data
// grows beyond `max_event_bytes` is dropped (counted), never delivered cut.
//
// Thread-safety: not thread-safe; one parser per stream. Reset() between
// connections (a partial event of a dropped connection is discarded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace agentperf::ingest::opencode {

class SseParser {
 public:
  explicit SseParser(size_t max_event_bytes = size_t{64} << 20) : max_event_bytes_(max_event_bytes) {}

  using DataFn = std::function<void(std::string_view data)>;
  void Feed(std::string_view bytes, const DataFn& on_data);
  // Forgets a partial line or event (call on a new connection).
  void Reset();

  uint64_t events() const { return events_; }
  uint64_t dropped_oversized() const { return dropped_; }

 private:
  void FeedLines(std::string_view bytes, const DataFn& on_data);
  void Line(std::string_view line, const DataFn& on_data);

  size_t max_event_bytes_;
  std::string line_;        // the current, incomplete line
  std::string data_;        // data lines of the current event, '\n'-joined
  bool has_data_ = false;   // at least one data line in the current event
  bool oversized_ = false;  // the current event passed the limit: drop it
  bool after_cr_ = false;   // the last byte was CR: a following LF ends nothing
  bool at_start_ = true;    // still checking for a leading BOM
  std::string bom_;         // the first bytes while at_start_
  uint64_t events_ = 0, dropped_ = 0;
};

}  // namespace agentperf::ingest::opencode
