#include "ingest/otlp/receiver.h"

#include "core/json_writer.h"
#include "ingest/otlp/event_draft.h"
#include "ingest/otlp/genai_map.h"
#include "ingest/otlp/step_fact.h"

namespace agentperf::otlp {

namespace {
constexpr size_t kMaxServices = 64;
}

OtlpReceiver::OtlpReceiver(ReceiverOptions options) : options_(std::move(options)), join_(options_.join) {}

void OtlpReceiver::OnTraces(const TracesRequest& req, int64_t now_us, event::EventBatch* out) {
  trace_requests_.fetch_add(1, std::memory_order_relaxed);
  traces_seen_.store(true, std::memory_order_relaxed);
  spans_.fetch_add(req.spans.size(), std::memory_order_relaxed);
  invalid_spans_.fetch_add(req.invalid_spans, std::memory_order_relaxed);
  std::vector<StepFact> facts;
  uint64_t failed = 0, genai = 0, dropped = 0, tools = 0, other = 0;
  for (const Span& s : req.spans) {
    StepFact f;
    if (ExtractStepFact(req, s, &f)) {
      if (f.failed) {
        ++failed;
      } else {
        facts.push_back(std::move(f));
      }
      continue;
    }
    if (auto d = GenAiDraft(req, s)) {
      if (AppendDraft(*d, options_.join.limits, now_us, out))
        ++genai;
      else
        ++dropped;
      continue;
    }
    if (s.name == "ai.toolCall" || s.name == "Tool.execute")
      ++tools;
    else
      ++other;
  }
  step_facts_.fetch_add(facts.size(), std::memory_order_relaxed);
  failed_calls_.fetch_add(failed, std::memory_order_relaxed);
  genai_events_.fetch_add(genai, std::memory_order_relaxed);
  dropped_events_.fetch_add(dropped, std::memory_order_relaxed);
  tool_spans_.fetch_add(tools, std::memory_order_relaxed);
  other_spans_.fetch_add(other, std::memory_order_relaxed);
  // Spans first: a fact's ancestors may be in the same request.
  join_.AddSpans(req, now_us);
  join_.AddFacts(std::move(facts), now_us, out);
}

void OtlpReceiver::OnLogs(const SignalCounts& c) {
  log_requests_.fetch_add(1, std::memory_order_relaxed);
  log_records_.fetch_add(c.items, std::memory_order_relaxed);
  std::lock_guard lock(services_mu_);
  for (const auto& s : c.services) {
    std::string name = s.service;
    if (log_services_.size() >= kMaxServices && log_services_.count(name) == 0) name = "(other)";
    log_services_[name] += s.items;
  }
}

void OtlpReceiver::OnMetrics(const SignalCounts& c) {
  metric_requests_.fetch_add(1, std::memory_order_relaxed);
  metrics_.fetch_add(c.items, std::memory_order_relaxed);
  metric_points_.fetch_add(c.points, std::memory_order_relaxed);
}

std::string OtlpReceiver::StatsJson() const {
  StepJoinStats j = join_.Stats();
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  JsonWriter w;
  w.BeginObject();
  w.Key("requests").BeginObject();
  w.Field("traces", get(trace_requests_));
  w.Field("logs", get(log_requests_));
  w.Field("metrics", get(metric_requests_));
  w.Field("rejected", get(rejected_));
  w.EndObject();
  w.Field("spans", get(spans_));
  w.Field("invalid_spans", get(invalid_spans_));
  w.Field("step_facts", get(step_facts_));
  w.Field("failed_calls", get(failed_calls_));
  w.Field("genai_events", get(genai_events_));
  w.Field("dropped_events", get(dropped_events_));
  w.Field("tool_spans", get(tool_spans_));
  w.Field("other_spans", get(other_spans_));
  w.Field("joined", j.joined);
  w.Field("join_late", j.join_late);
  w.Field("duplicate_facts", j.duplicate_facts);
  w.Field("unmatched_steps", j.unmatched_steps);
  w.Field("aux_calls", j.aux_calls);
  w.Field("title_calls", j.title_calls);
  w.Field("evicted", j.evicted);
  w.Key("cache").BeginObject();
  w.Field("facts", j.cached_facts);
  w.Field("bytes", j.cached_bytes);
  w.Field("llm_call_windows", j.llm_call_windows);
  w.Field("tool_call_links", j.tool_call_links);
  w.Field("ancestry_spans", j.ancestry_spans);
  w.EndObject();
  w.Field("log_records", get(log_records_));
  w.Key("log_records_by_service").BeginObject();
  {
    std::lock_guard lock(services_mu_);
    for (const auto& [name, n] : log_services_) w.Field(name, n);
  }
  w.EndObject();
  w.Field("metrics", get(metrics_));
  w.Field("metric_points", get(metric_points_));
  w.EndObject();
  return w.Take();
}

}  // namespace agentperf::otlp
