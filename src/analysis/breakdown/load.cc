#include "analysis/breakdown/load.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace agentperf::analysis {

namespace {

store::ScanFilter SpanKinds(int64_t from_us, int64_t to_us) {
  store::ScanFilter f;
  f.from_us = from_us;
  f.to_us = to_us;
  for (int k = 0; k < event::kNumKinds; ++k) {
    const auto kind = static_cast<event::SpanKind>(k);
    if (kind != event::SpanKind::kSample) f.kinds.push_back(kind);
  }
  return f;
}

}  // namespace

Result<std::vector<decompose::Span>> LoadWindowSpans(store::Store* store, int64_t from_us, int64_t to_us,
                                                     LoadStats* stats) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<decompose::Span> spans;
  AP_RETURN_IF_ERROR(store->Scan(SpanKinds(from_us, to_us), [&](const event::EventBatch& b) {
    for (const event::Event& e : b.events) spans.push_back(decompose::SpanFromEvent(b, e));
    return Status::OK();
  }));
  if (stats != nullptr) {
    stats->events += spans.size();
    stats->elapsed_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  return spans;
}

Result<std::vector<decompose::Span>> LoadSessionSpans(store::Store* store, std::string_view session_id,
                                                      LoadStats* stats) {
  // The session's time range: per minute, its spans' count and longest duration.
  query::QuerySpec q;
  query::Matcher m;
  m.label.type = query::Label::kStr;
  m.label.str = event::StrField::kSessionId;
  m.values.emplace_back(session_id);
  q.matchers.push_back(std::move(m));
  q.step_us = 60'000'000;
  AP_ASSIGN_OR_RETURN(query::Aggregate count, query::ParseAggregate("count"));
  AP_ASSIGN_OR_RETURN(query::Aggregate longest, query::ParseAggregate("max(duration_ms)"));
  q.aggregates = {count, longest};
  q.limit = query::QuerySpec::kMaxCells;
  AP_ASSIGN_OR_RETURN(query::QueryResult r, store->Query(q));
  int64_t from = INT64_MAX, to = INT64_MIN;
  for (const auto& s : r.series) {
    for (const auto& p : s.points) {
      if (!(p.values[0] > 0)) continue;
      from = std::min(from, p.t_us);
      const double longest_ms = std::isfinite(p.values[1]) ? p.values[1] : 0;
      to = std::max(to, p.t_us + q.step_us + static_cast<int64_t>(longest_ms * 1000) + 1);
    }
  }
  if (from == INT64_MAX) return Status::NotFound(fmt::format("no stored span of session '{}'", session_id));
  return LoadWindowSpans(store, from, to, stats);
}

}  // namespace agentperf::analysis
