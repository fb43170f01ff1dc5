// StepJoin: joins OpenCode's OTLP step facts (StepFact, from
// `ai.streamText.doStream` spans) into the `llm_call` events that reach
// `agentperf serve` from any source, before they are first written
// (docs/design/opencode-integration.md §6.3, §6.4).
//
//  * Facts are cached per session (bounded: max_facts and max_bytes, oldest
//    dropped first and counted as `evicted`; TTL fact_ttl_us, 30 min).
//  * JoinBatch(batch): every tool_call with attrs.call_id and a
//    parent_span_id is remembered (call id -> its llm_call); every llm_call
//    with session_id and span_id is remembered as a window {start, end,
//    tokens} and matched against the session's facts:
//      1. a fact whose toolCallIds hold a call id of one of this llm_call's
//         tool_calls (exact), else
//      2. a fact starting within [start - 5 ms, end + 5 ms] with equal output,
//         input (= noCache) and cache_read tokens (the nearest start wins).
//    On a match the event gets ttfc_ms (unless it has one) and the attrs
//    ms_to_finish, tokens_per_s, response_id (if absent and under the attrs
//    limit); its id does not change. The fact stays, bound to that span id,
//    so a resent llm_call (client retry) is filled the same way.
//  * AddFacts: a fact matching an llm_call already seen is dropped and
//    counted (`join_late`): that llm_call is already stored. A fact resent
//    (same trace and span id) is counted as `duplicate_facts`. A fact without
//    tools whose ancestor span is SessionPrompt.ensureTitle (SpanAncestry,
//    fed by AddSpans) is a title call: it becomes an auxiliary llm_call at
//    once (`title_calls`).
//  * Expire(now): facts older than the TTL that never matched become
//    auxiliary llm_calls (`aux_calls`) when they had no tools; with tools they
//    are dropped and counted (`unmatched_steps`), as the step may still come
//    through the importer and would be counted twice.
//
// Auxiliary llm_calls: span_id "otlp:<trace>:<span>", source "otlp",
// attrs.aux=true, tokens from the fact, model/provider from the span, agent
// "title" for title calls, no cost.
//
// Thread-safety: all methods are thread-safe (one mutex; each call holds it
// for work proportional to its input, plus the session's cached facts).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "event/event.h"
#include "event/fields.h"
#include "ingest/otlp/event_draft.h"
#include "ingest/otlp/otlp_json.h"
#include "ingest/otlp/span_ancestry.h"
#include "ingest/otlp/step_fact.h"

namespace agentperf::otlp {

struct StepJoinOptions {
  size_t max_facts = 100000;
  size_t max_bytes = size_t{32} << 20;        // facts' approximate heap bytes
  int64_t fact_ttl_us = 30LL * 60 * 1000000;  // also how long llm_call windows are remembered
  size_t max_calls = 100000;                  // remembered llm_call windows
  size_t max_tool_calls = 200000;             // remembered call id -> llm_call links
  size_t max_ancestry = 100000;               // remembered spans (title detection)
  int64_t ancestry_ttl_us = 10LL * 60 * 1000000;
  int64_t slack_us = 5000;        // rule 2's time tolerance
  size_t max_unresolved = 10000;  // tool-less facts waiting for their ancestors
  event::Limits limits;
};

struct StepJoinStats {
  uint64_t facts_added = 0;       // cached
  uint64_t duplicate_facts = 0;   // same trace and span id again
  uint64_t joined = 0;            // llm_calls filled (first time per fact)
  uint64_t join_late = 0;         // facts that arrived after their llm_call
  uint64_t unmatched_steps = 0;   // expired unmatched facts with tools
  uint64_t aux_calls = 0;         // auxiliary llm_calls emitted (including title calls)
  uint64_t title_calls = 0;       // of which title calls
  uint64_t evicted = 0;           // unmatched facts dropped by the memory bound
  uint64_t cached_facts = 0;      // now
  uint64_t cached_bytes = 0;      // now (approximate)
  uint64_t llm_call_windows = 0;  // now
  uint64_t tool_call_links = 0;   // now
  uint64_t ancestry_spans = 0;    // now
};

class StepJoin {
 public:
  explicit StepJoin(StepJoinOptions options = {});

  // Records every span's parent and name, for title detection.
  void AddSpans(const TracesRequest& req, int64_t now_us);
  // Caches facts (failed ones must be filtered out by the caller). Title
  // calls recognised now are appended to *aux as auxiliary llm_calls.
  void AddFacts(std::vector<StepFact> facts, int64_t now_us, event::EventBatch* aux);
  // Fills the batch's llm_calls from cached facts (see above).
  void JoinBatch(event::EventBatch* batch, int64_t now_us);
  // Expires facts, windows, links and ancestry; auxiliary llm_calls are
  // appended to *aux.
  void Expire(int64_t now_us, event::EventBatch* aux);

  StepJoinStats Stats() const;

 private:
  struct FactEntry {
    StepFact fact;
    int64_t added_us = 0;
    std::string joined_span;  // span_id of the llm_call it filled, if any
  };
  struct CallWindow {
    std::string span_id;
    int64_t start_us = 0, end_us = 0;
    int64_t input = -1, output = -1, cache_read = -1;
    int64_t added_us = 0;
    bool filled = false;  // got ttfc (from a fact or its sender)
  };
  struct ToolLink {
    std::string llm_span_id;
    int64_t added_us = 0;
  };
  struct Session {
    std::vector<FactEntry> facts;
    std::vector<CallWindow> calls;
    std::unordered_map<std::string, ToolLink> tool_links;  // call id -> link
  };
  struct Ref {
    int64_t added_us;
    std::string session;
    std::string key;  // fact: trace:span; window: span id; link: call id
  };

  bool ToolMatch(const Session& s, const StepFact& f, const std::string& llm_span_id) const;
  bool WindowMatch(const StepFact& f, const CallWindow& w) const;
  void EmitAux(const StepFact& f, bool title, int64_t now_us, event::EventBatch* aux);
  void RemoveFact(Session* s, size_t index);
  void ResolveTitles(int64_t now_us, event::EventBatch* aux);
  void EnforceBounds();
  void DropSessionIfEmpty(const std::string& id);
  static std::string FactKey(const StepFact& f) { return f.trace_id + ":" + f.span_id; }

  const StepJoinOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Session> sessions_;
  std::deque<Ref> fact_order_, call_order_, link_order_;
  std::deque<Ref> unresolved_;  // tool-less facts whose ancestry is unknown yet
  SpanAncestry ancestry_;
  StepJoinStats stats_;
  size_t fact_count_ = 0, call_count_ = 0, link_count_ = 0;
  size_t bytes_ = 0;
};

// Builds the auxiliary llm_call draft of a fact (exposed for tests).
EventDraft AuxCallDraft(const StepFact& f, bool title);

}  // namespace agentperf::otlp
