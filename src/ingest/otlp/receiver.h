// OtlpReceiver: what `agentperf serve` does with decoded OTLP requests
// (docs/design/opencode-integration.md §6), without HTTP or the store:
//  * traces: OpenCode's `ai.streamText.doStream` spans become step facts for
//    the StepJoin (failed ones are only counted); generic gen_ai spans of
//    other agents become events (genai_map); every span is remembered for
//    title detection; all other spans are counted;
//  * logs and metrics: counted (per service.name for logs), nothing stored;
//  * llm_call events reaching serve from any source go through Join();
//  * Expire() turns expired facts into auxiliary llm_calls.
// The events it produces are returned to the caller, which appends them to
// the store. Counters: StatsJson() (GET /v1/status "otlp").
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "event/event.h"
#include "ingest/otlp/otlp_json.h"
#include "ingest/otlp/step_join.h"

namespace agentperf::otlp {

struct ReceiverOptions {
  StepJoinOptions join;
};

class OtlpReceiver {
 public:
  explicit OtlpReceiver(ReceiverOptions options = {});

  // Handles one decoded ExportTraceServiceRequest; events to store (generic
  // gen_ai events and title calls) are appended to *out.
  void OnTraces(const TracesRequest& req, int64_t now_us, event::EventBatch* out);
  void OnLogs(const SignalCounts& counts);
  void OnMetrics(const SignalCounts& counts);
  // Counts a request refused before it was decoded (bad JSON, protobuf...).
  void OnRejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }

  // Fills llm_calls of a batch about to be stored (StepJoin::JoinBatch).
  // Does nothing until the first traces request arrived: a serve without
  // OTLP senders pays nothing on its ingest path (a sender's facts usually
  // arrive before the llm_calls they fill, which senders hold for 7 s).
  void Join(event::EventBatch* batch, int64_t now_us) {
    if (traces_seen_.load(std::memory_order_relaxed)) join_.JoinBatch(batch, now_us);
  }
  // Expired facts -> auxiliary llm_calls appended to *out.
  void Expire(int64_t now_us, event::EventBatch* out) { join_.Expire(now_us, out); }

  // {"requests": {...}, "spans": ..., "step_facts": ..., "join_late": ..., ...}
  std::string StatsJson() const;
  StepJoinStats JoinStats() const { return join_.Stats(); }
  const event::Limits& limits() const { return options_.join.limits; }

 private:
  ReceiverOptions options_;
  StepJoin join_;
  std::atomic<bool> traces_seen_{false};
  std::atomic<uint64_t> trace_requests_{0}, log_requests_{0}, metric_requests_{0}, rejected_{0};
  std::atomic<uint64_t> spans_{0}, invalid_spans_{0}, step_facts_{0}, failed_calls_{0}, genai_events_{0},
      dropped_events_{0}, tool_spans_{0}, other_spans_{0};
  std::atomic<uint64_t> log_records_{0}, metrics_{0}, metric_points_{0};
  mutable std::mutex services_mu_;
  std::map<std::string, uint64_t> log_services_;  // bounded: kMaxServices, then "(other)"
};

}  // namespace agentperf::otlp
