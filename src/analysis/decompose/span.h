// Span: one OpenCode span (session, turn, llm_call, tool_call, permission_wait,
// retry, compaction) as the time decomposition needs it, owning its strings
// (an event::Event only holds views into its batch's arena).
//
// Contract. SpanFromEvent copies the event's interval, labels and ids, and
// reads the attributes the decomposition uses:
//   child_session_id     string attr on `task` tool calls ("" when absent)
//   wall_ms              number attr on tool calls: the tool's real duration
//                        including permission waits (-1 when absent)
//   permission_wait_ms   number attr on tool calls (-1 when absent)
//   tools_ms             number attr on llm calls (-1 when absent)
//   first_part_ms        number attr on llm calls: from the step's start to
//                        its first part (-1 when absent)
//   ttfc_ms              FloatField::kTtfcMs (NaN when absent)
// Number attributes that are negative or not finite count as absent. A
// session span whose span_id is empty gets span_id = session_id.
//
// A tool_call's stored end has its permission waits subtracted; RealEndUs()
// gives the end of its real interval [start, start + wall_ms) when wall_ms is
// known (clamped to >= start), else the stored end.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "event/event.h"

namespace agentperf::analysis::decompose {

struct Span {
  event::SpanKind kind = event::SpanKind::kSession;
  event::SpanStatus status = event::SpanStatus::kOk;
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::string session_id;
  std::string parent_session_id;
  std::string span_id;
  std::string parent_span_id;
  std::string message_id;
  std::string agent;
  std::string model;
  std::string provider;
  std::string tool;
  std::string child_session_id;
  double wall_ms = -1;
  double permission_wait_ms = -1;
  double tools_ms = -1;
  double first_part_ms = -1;
  double ttfc_ms = std::numeric_limits<double>::quiet_NaN();

  // End of the real interval: start + wall_ms for tool calls that carry it.
  int64_t RealEndUs() const;
  // Time to first chunk in whole microseconds, or -1 when unknown.
  int64_t TtfcUs() const;
};

// Milliseconds (a double attribute) to whole microseconds, rounded.
int64_t MsToUs(double ms);

Span SpanFromEvent(const event::EventBatch& batch, const event::Event& e);
// Every event of the batch except resource samples (kind kSample).
std::vector<Span> SpansFromBatch(const event::EventBatch& batch);

}  // namespace agentperf::analysis::decompose
