#include "analysis/decompose/span.h"

#include <cmath>
#include <string_view>

namespace agentperf::analysis::decompose {
namespace {

double NumberOrAbsent(double v) { return std::isfinite(v) && v >= 0 ? v : -1; }

}  // namespace

int64_t MsToUs(double ms) { return std::llround(ms * 1000.0); }

int64_t Span::RealEndUs() const {
  if (kind == event::SpanKind::kToolCall && wall_ms >= 0) {
    int64_t wall = MsToUs(wall_ms);
    return wall > 0 ? start_us + wall : start_us;
  }
  return end_us;
}

int64_t Span::TtfcUs() const {
  if (!std::isfinite(ttfc_ms) || ttfc_ms < 0) return -1;
  return MsToUs(ttfc_ms);
}

Span SpanFromEvent(const event::EventBatch& batch, const event::Event& e) {
  using event::StrField;
  Span s;
  s.kind = e.kind;
  s.status = e.status;
  s.start_us = e.start_us;
  s.end_us = e.end_us;
  s.session_id = e.Str(StrField::kSessionId);
  s.parent_session_id = e.Str(StrField::kParentSessionId);
  s.span_id = e.Str(StrField::kSpanId);
  s.parent_span_id = e.Str(StrField::kParentSpanId);
  s.message_id = e.Str(StrField::kMessageId);
  s.agent = e.Str(StrField::kAgent);
  s.model = e.Str(StrField::kModel);
  s.provider = e.Str(StrField::kProvider);
  s.tool = e.Str(StrField::kTool);
  if (s.kind == event::SpanKind::kSession && s.span_id.empty()) s.span_id = s.session_id;
  double ttfc = e.Float(event::FloatField::kTtfcMs);
  if (std::isfinite(ttfc) && ttfc >= 0) s.ttfc_ms = ttfc;

  const event::Attr* attrs = batch.AttrsOf(e);
  for (uint32_t i = 0; i < e.attr_count; ++i) {
    const event::Attr& a = attrs[i];
    if (a.type == event::AttrType::kString) {
      if (a.key == "child_session_id") s.child_session_id = a.str;
    } else if (a.type == event::AttrType::kNumber) {
      if (a.key == "wall_ms") {
        s.wall_ms = NumberOrAbsent(a.num);
      } else if (a.key == "permission_wait_ms") {
        s.permission_wait_ms = NumberOrAbsent(a.num);
      } else if (a.key == "tools_ms") {
        s.tools_ms = NumberOrAbsent(a.num);
      } else if (a.key == "first_part_ms") {
        s.first_part_ms = NumberOrAbsent(a.num);
      }
    }
  }
  return s;
}

std::vector<Span> SpansFromBatch(const event::EventBatch& batch) {
  std::vector<Span> out;
  out.reserve(batch.size());
  for (const event::Event& e : batch.events) {
    if (e.kind == event::SpanKind::kSample) continue;
    out.push_back(SpanFromEvent(batch, e));
  }
  return out;
}

}  // namespace agentperf::analysis::decompose
