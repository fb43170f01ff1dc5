// Pacing: when each piece of a successful answer is sent. The first chunk
// (the assistant role) goes out at the sampled time to first chunk; then the
// output units (text words, 4-byte pieces of tool-call arguments) are spread
// evenly over the generation time (completion tokens / tokens per second),
// grouped so that emissions are at least `min_gap_ms` apart. The last
// emission also carries the finish reason, the usage and [DONE].
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/plan.h"

namespace agentperf::sim {

struct Piece {
  enum class Kind { kRole, kText, kToolStart, kToolArgs };
  Kind kind = Kind::kText;
  int tool = 0;      // index into ResponsePlan::tool_calls (tool pieces)
  std::string data;  // text or argument bytes
};

struct Emission {
  double at_ms = 0;  // after the request arrived
  std::vector<Piece> pieces;
  bool last = false;
};

// REQUIRES: plan.status == 200. At least one emission; at_ms never decreases.
std::vector<Emission> Pace(const ResponsePlan& plan, double min_gap_ms = 5.0);

// "Plan complete: ok" -> "Plan ", "complete: ", "ok" (leading whitespace stays
// with the first piece; the pieces concatenate to the input).
std::vector<std::string> SplitWords(std::string_view text);
// Pieces of about `bytes` bytes that never split a UTF-8 sequence.
std::vector<std::string> SplitBytes(std::string_view s, size_t bytes);

}  // namespace agentperf::sim
