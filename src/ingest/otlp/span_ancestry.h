// SpanAncestry: a small, bounded memory of recent spans' parents, used to
// tell whether a model call ran under OpenCode's `SessionPrompt.ensureTitle`
// (the title call, an auxiliary llm_call with agent "title", design §6.4).
// Parents usually end, and are exported, after their children, so the chain
// of a span is often complete only one or two OTLP requests later; entries
// are kept for `ttl_us` (10 min by default) and at most `max_entries`
// (oldest dropped first). A span is stored as 64-bit hashes of
// (trace id, span id), ~60 bytes per span.
//
// Thread-safety: NOT thread-safe; the owner (StepJoin) locks.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace agentperf::otlp {

class SpanAncestry {
 public:
  enum class Verdict { kTitle, kNotTitle, kUnknown };

  SpanAncestry(size_t max_entries, int64_t ttl_us) : max_entries_(max_entries), ttl_us_(ttl_us) {}

  // Records a span: its parent (empty for a root) and whether it is itself a
  // title span.
  void Add(std::string_view trace_id, std::string_view span_id, std::string_view parent_span_id, bool is_title,
           int64_t now_us);
  // Walks up from `parent_span_id` (the parent of the span in question):
  // kTitle if some ancestor is a title span, kNotTitle if the chain reaches a
  // root without one, kUnknown if an ancestor is not (yet) known.
  Verdict UnderTitle(std::string_view trace_id, std::string_view parent_span_id) const;
  // Forgets spans recorded more than ttl_us before now_us.
  void Expire(int64_t now_us);
  size_t size() const { return nodes_.size(); }

 private:
  struct Node {
    uint64_t parent = 0;  // 0: root
    bool title = false;
    int64_t added_us = 0;
  };
  static uint64_t Key(std::string_view trace_id, std::string_view span_id);
  void DropFront();

  size_t max_entries_;
  int64_t ttl_us_;
  std::unordered_map<uint64_t, Node> nodes_;
  std::deque<std::pair<int64_t, uint64_t>> order_;  // (added_us, key), oldest first
};

}  // namespace agentperf::otlp
