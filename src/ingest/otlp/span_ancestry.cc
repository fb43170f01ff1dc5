#include "ingest/otlp/span_ancestry.h"

#include <string>

#include "core/hash.h"

namespace agentperf::otlp {

namespace {
constexpr int kMaxDepth = 256;  // cycles in bad input must not loop forever
}

uint64_t SpanAncestry::Key(std::string_view trace_id, std::string_view span_id) {
  std::string k;
  k.reserve(trace_id.size() + 1 + span_id.size());
  k.append(trace_id).append(1, ':').append(span_id);
  uint64_t h = Hash64(k);
  return h == 0 ? 1 : h;  // 0 means "no parent"
}

void SpanAncestry::Add(std::string_view trace_id, std::string_view span_id, std::string_view parent_span_id,
                       bool is_title, int64_t now_us) {
  if (max_entries_ == 0) return;
  uint64_t key = Key(trace_id, span_id);
  Node n;
  n.parent = parent_span_id.empty() ? 0 : Key(trace_id, parent_span_id);
  n.title = is_title;
  n.added_us = now_us;
  nodes_.insert_or_assign(key, n);
  // A re-added span gets a new order entry; the old one is then stale (its
  // time differs) and dropping it leaves the node alone.
  order_.emplace_back(now_us, key);
  while (nodes_.size() > max_entries_ && !order_.empty()) DropFront();
}

void SpanAncestry::DropFront() {
  auto [added, key] = order_.front();
  order_.pop_front();
  auto it = nodes_.find(key);
  if (it != nodes_.end() && it->second.added_us == added) nodes_.erase(it);
}

SpanAncestry::Verdict SpanAncestry::UnderTitle(std::string_view trace_id, std::string_view parent_span_id) const {
  if (parent_span_id.empty()) return Verdict::kNotTitle;
  uint64_t key = Key(trace_id, parent_span_id);
  for (int depth = 0; depth < kMaxDepth && key != 0; ++depth) {
    auto it = nodes_.find(key);
    if (it == nodes_.end()) return Verdict::kUnknown;
    if (it->second.title) return Verdict::kTitle;
    key = it->second.parent;
  }
  return key == 0 ? Verdict::kNotTitle : Verdict::kUnknown;
}

void SpanAncestry::Expire(int64_t now_us) {
  while (!order_.empty() && order_.front().first + ttl_us_ <= now_us) DropFront();
}

}  // namespace agentperf::otlp
