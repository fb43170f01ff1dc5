#include "ingest/otlp/step_join.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace agentperf::otlp {

using event::Attr;
using event::AttrType;
using event::Event;
using event::EventBatch;
using event::FloatField;
using event::IntField;
using event::SpanKind;
using event::StrField;

namespace {

int64_t Norm(int64_t tokens) {
  return tokens < 0 ? 0 : tokens;
}

std::string_view StringAttr(const EventBatch& b, const Event& e, std::string_view key) {
  const Attr* a = b.AttrsOf(e);
  for (uint32_t i = 0; i < e.attr_count; ++i) {
    if (a[i].key == key && a[i].type == AttrType::kString) return a[i].str;
  }
  return {};
}

bool HasAttr(const std::vector<Attr>& attrs, std::string_view key) {
  return std::any_of(attrs.begin(), attrs.end(), [&](const Attr& a) { return a.key == key; });
}

// Sets ttfc_ms and adds the join's attrs to batch->events[index]. The event's
// attrs move to the end of the batch's attr array (other events keep theirs).
void Fill(EventBatch* b, size_t index, const StepFact& f, size_t max_attrs) {
  Event& e = b->events[index];
  if (std::isnan(e.Float(FloatField::kTtfcMs)) && std::isfinite(f.ms_to_first_chunk)) {
    e.floats[static_cast<int>(FloatField::kTtfcMs)] = f.ms_to_first_chunk;
  }
  std::vector<Attr> attrs(b->AttrsOf(e), b->AttrsOf(e) + e.attr_count);
  const size_t before = attrs.size();
  auto add_num = [&](std::string_view key, double v) {
    if (!std::isfinite(v) || attrs.size() >= max_attrs || HasAttr(attrs, key)) return;
    Attr a;
    a.key = key;  // static strings: no copy needed
    a.type = AttrType::kNumber;
    a.num = v;
    attrs.push_back(a);
  };
  add_num("ms_to_finish", f.ms_to_finish);
  add_num("tokens_per_s", f.tokens_per_s);
  if (!f.response_id.empty() && f.response_id.size() <= 256 && attrs.size() < max_attrs &&
      !HasAttr(attrs, "response_id")) {
    Attr a;
    a.key = "response_id";
    a.type = AttrType::kString;
    a.str = b->arena.Copy(f.response_id);
    attrs.push_back(a);
  }
  if (attrs.size() == before) return;
  e.attr_begin = static_cast<uint32_t>(b->attrs.size());
  e.attr_count = static_cast<uint32_t>(attrs.size());
  b->attrs.insert(b->attrs.end(), attrs.begin(), attrs.end());
}

}  // namespace

EventDraft AuxCallDraft(const StepFact& f, bool title) {
  EventDraft d;
  d.kind = SpanKind::kLlmCall;
  d.start_us = f.start_us;
  d.end_us = f.end_us;
  d.Set(StrField::kSessionId, f.session_id);
  d.Set(StrField::kParentSessionId, f.parent_session_id);
  d.Set(StrField::kSpanId, f.OtlpSpanId());
  if (!f.parent_span_id.empty()) d.Set(StrField::kParentSpanId, "otlp:" + f.trace_id + ":" + f.parent_span_id);
  d.Set(StrField::kModel, f.model);
  d.Set(StrField::kProvider, f.provider);
  d.Set(StrField::kSource, "otlp");
  if (title) d.Set(StrField::kAgent, "title");
  d.Set(IntField::kTokensInput, f.input_no_cache);
  d.Set(IntField::kTokensOutput, f.output);
  d.Set(IntField::kTokensReasoning, f.reasoning);
  d.Set(IntField::kTokensCacheRead, f.cache_read);
  d.Set(FloatField::kTtfcMs, f.ms_to_first_chunk);
  d.AttrBool("aux", true);
  if (std::isfinite(f.ms_to_finish)) d.AttrNumber("ms_to_finish", f.ms_to_finish);
  if (std::isfinite(f.tokens_per_s)) d.AttrNumber("tokens_per_s", f.tokens_per_s);
  if (!f.response_id.empty()) d.AttrString("response_id", f.response_id);
  if (!f.finish_reason.empty()) d.AttrString("finish", f.finish_reason);
  return d;
}

StepJoin::StepJoin(StepJoinOptions options)
    : options_(std::move(options)), ancestry_(options_.max_ancestry, options_.ancestry_ttl_us) {}

bool StepJoin::ToolMatch(const Session& s, const StepFact& f, const std::string& llm_span_id) const {
  for (const std::string& id : f.tool_call_ids) {
    auto it = s.tool_links.find(id);
    if (it != s.tool_links.end() && it->second.llm_span_id == llm_span_id) return true;
  }
  return false;
}

bool StepJoin::WindowMatch(const StepFact& f, const CallWindow& w) const {
  if (w.output < 0 || f.output < 0) return false;
  if (f.start_us < w.start_us - options_.slack_us || f.start_us > w.end_us + options_.slack_us) return false;
  return f.output == w.output && Norm(f.input_no_cache) == Norm(w.input) && Norm(f.cache_read) == Norm(w.cache_read);
}

void StepJoin::EmitAux(const StepFact& f, bool title, int64_t now_us, EventBatch* aux) {
  if (AppendDraft(AuxCallDraft(f, title), options_.limits, now_us, aux)) {
    ++stats_.aux_calls;
    if (title) ++stats_.title_calls;
  }
}

void StepJoin::RemoveFact(Session* s, size_t index) {
  bytes_ -= std::min(bytes_, s->facts[index].fact.ApproxBytes());
  --fact_count_;
  s->facts.erase(s->facts.begin() + static_cast<long>(index));
}

void StepJoin::DropSessionIfEmpty(const std::string& id) {
  auto it = sessions_.find(id);
  if (it != sessions_.end() && it->second.facts.empty() && it->second.calls.empty() && it->second.tool_links.empty()) {
    sessions_.erase(it);
  }
}

void StepJoin::AddSpans(const TracesRequest& req, int64_t now_us) {
  std::lock_guard lock(mu_);
  for (const Span& s : req.spans) {
    ancestry_.Add(s.trace_id, s.span_id, s.parent_span_id, s.name == kEnsureTitleSpan, now_us);
  }
}

void StepJoin::AddFacts(std::vector<StepFact> facts, int64_t now_us, EventBatch* aux) {
  std::lock_guard lock(mu_);
  for (StepFact& f : facts) {
    Session& s = sessions_[f.session_id];
    const std::string key = FactKey(f);
    bool dup = std::any_of(s.facts.begin(), s.facts.end(), [&](const FactEntry& e) {
      return e.fact.span_id == f.span_id && e.fact.trace_id == f.trace_id;
    });
    if (dup) {
      ++stats_.duplicate_facts;
      continue;
    }
    bool late = std::any_of(s.calls.begin(), s.calls.end(),
                            [&](const CallWindow& w) { return ToolMatch(s, f, w.span_id) || WindowMatch(f, w); });
    if (late) {
      ++stats_.join_late;
      DropSessionIfEmpty(f.session_id);
      continue;
    }
    if (!f.has_tools) {
      SpanAncestry::Verdict v = ancestry_.UnderTitle(f.trace_id, f.parent_span_id);
      if (v == SpanAncestry::Verdict::kTitle) {
        EmitAux(f, true, now_us, aux);
        DropSessionIfEmpty(f.session_id);
        continue;
      }
      if (v == SpanAncestry::Verdict::kUnknown) unresolved_.push_back({now_us, f.session_id, key});
    }
    FactEntry entry;
    entry.added_us = now_us;
    bytes_ += f.ApproxBytes();
    ++fact_count_;
    ++stats_.facts_added;
    fact_order_.push_back({now_us, f.session_id, key});
    entry.fact = std::move(f);
    s.facts.push_back(std::move(entry));
  }
  ResolveTitles(now_us, aux);
  EnforceBounds();
}

void StepJoin::ResolveTitles(int64_t now_us, EventBatch* aux) {
  while (unresolved_.size() > options_.max_unresolved) unresolved_.pop_front();
  std::deque<Ref> keep;
  for (Ref& r : unresolved_) {
    auto sit = sessions_.find(r.session);
    if (sit == sessions_.end()) continue;
    Session& s = sit->second;
    auto it = std::find_if(s.facts.begin(), s.facts.end(),
                           [&](const FactEntry& e) { return e.added_us == r.added_us && FactKey(e.fact) == r.key; });
    if (it == s.facts.end() || !it->joined_span.empty()) continue;
    SpanAncestry::Verdict v = ancestry_.UnderTitle(it->fact.trace_id, it->fact.parent_span_id);
    if (v == SpanAncestry::Verdict::kUnknown) {
      keep.push_back(std::move(r));
    } else if (v == SpanAncestry::Verdict::kTitle) {
      EmitAux(it->fact, true, now_us, aux);
      RemoveFact(&s, static_cast<size_t>(it - s.facts.begin()));
      DropSessionIfEmpty(r.session);
    }
  }
  unresolved_ = std::move(keep);
}

void StepJoin::EnforceBounds() {
  // Facts: oldest first. Stale order entries (fact already gone) are skipped.
  while ((fact_count_ > options_.max_facts || bytes_ > options_.max_bytes) && !fact_order_.empty()) {
    Ref r = std::move(fact_order_.front());
    fact_order_.pop_front();
    auto sit = sessions_.find(r.session);
    if (sit == sessions_.end()) continue;
    auto& facts = sit->second.facts;
    auto it = std::find_if(facts.begin(), facts.end(),
                           [&](const FactEntry& e) { return e.added_us == r.added_us && FactKey(e.fact) == r.key; });
    if (it == facts.end()) continue;
    if (it->joined_span.empty()) ++stats_.evicted;
    RemoveFact(&sit->second, static_cast<size_t>(it - facts.begin()));
    DropSessionIfEmpty(r.session);
  }
  while (call_count_ > options_.max_calls && !call_order_.empty()) {
    Ref r = std::move(call_order_.front());
    call_order_.pop_front();
    auto sit = sessions_.find(r.session);
    if (sit == sessions_.end()) continue;
    auto& calls = sit->second.calls;
    auto it = std::find_if(calls.begin(), calls.end(),
                           [&](const CallWindow& w) { return w.added_us == r.added_us && w.span_id == r.key; });
    if (it == calls.end()) continue;
    calls.erase(it);
    --call_count_;
    DropSessionIfEmpty(r.session);
  }
  while (link_count_ > options_.max_tool_calls && !link_order_.empty()) {
    Ref r = std::move(link_order_.front());
    link_order_.pop_front();
    auto sit = sessions_.find(r.session);
    if (sit == sessions_.end()) continue;
    auto it = sit->second.tool_links.find(r.key);
    if (it == sit->second.tool_links.end() || it->second.added_us != r.added_us) continue;
    sit->second.tool_links.erase(it);
    --link_count_;
    DropSessionIfEmpty(r.session);
  }
}

void StepJoin::JoinBatch(EventBatch* batch, int64_t now_us) {
  std::lock_guard lock(mu_);
  // Tool calls first: an llm_call and its tool_calls often share a batch.
  for (const Event& e : batch->events) {
    if (e.kind != SpanKind::kToolCall) continue;
    std::string_view session = e.Str(StrField::kSessionId), parent = e.Str(StrField::kParentSpanId);
    std::string_view call_id = StringAttr(*batch, e, "call_id");
    if (session.empty() || parent.empty() || call_id.empty()) continue;
    Session& s = sessions_[std::string(session)];
    auto [it, inserted] = s.tool_links.insert_or_assign(std::string(call_id), ToolLink{std::string(parent), now_us});
    (void)it;
    if (inserted) ++link_count_;
    link_order_.push_back({now_us, std::string(session), std::string(call_id)});
  }
  for (size_t i = 0; i < batch->events.size(); ++i) {
    const Event& e = batch->events[i];
    if (e.kind != SpanKind::kLlmCall) continue;
    std::string_view session = e.Str(StrField::kSessionId), span = e.Str(StrField::kSpanId);
    if (session.empty() || span.empty()) continue;
    const std::string session_id(session), span_id(span);
    Session& s = sessions_[session_id];
    auto wit = std::find_if(s.calls.begin(), s.calls.end(), [&](const CallWindow& w) { return w.span_id == span_id; });
    if (wit == s.calls.end()) {
      CallWindow w;
      w.span_id = span_id;
      w.start_us = e.start_us;
      w.end_us = e.end_us;
      w.input = e.Int(IntField::kTokensInput);
      w.output = e.Int(IntField::kTokensOutput);
      w.cache_read = e.Int(IntField::kTokensCacheRead);
      w.added_us = now_us;
      s.calls.push_back(w);
      ++call_count_;
      call_order_.push_back({now_us, session_id, span_id});
      wit = s.calls.end() - 1;
    }
    if (!std::isnan(e.Float(FloatField::kTtfcMs))) {
      wit->filled = true;  // the sender measured it itself
      continue;
    }
    // A fact already bound to this span (a resent llm_call), else rule 1,
    // else rule 2 (nearest start).
    FactEntry* match = nullptr;
    for (FactEntry& fe : s.facts) {
      if (fe.joined_span == span_id) {
        match = &fe;
        break;
      }
    }
    bool first = match == nullptr;
    if (match == nullptr) {
      for (FactEntry& fe : s.facts) {
        if (fe.joined_span.empty() && ToolMatch(s, fe.fact, span_id)) {
          match = &fe;
          break;
        }
      }
    }
    if (match == nullptr) {
      int64_t best = INT64_MAX;
      for (FactEntry& fe : s.facts) {
        if (!fe.joined_span.empty() || !WindowMatch(fe.fact, *wit)) continue;
        int64_t d = std::llabs(fe.fact.start_us - wit->start_us);
        if (d < best) {
          best = d;
          match = &fe;
        }
      }
    }
    if (match == nullptr) continue;
    Fill(batch, i, match->fact, options_.limits.max_attrs);
    match->joined_span = span_id;
    wit->filled = true;
    if (first) ++stats_.joined;
  }
  EnforceBounds();
}

void StepJoin::Expire(int64_t now_us, EventBatch* aux) {
  std::lock_guard lock(mu_);
  const int64_t ttl = options_.fact_ttl_us;
  while (!fact_order_.empty() && fact_order_.front().added_us + ttl <= now_us) {
    Ref r = std::move(fact_order_.front());
    fact_order_.pop_front();
    auto sit = sessions_.find(r.session);
    if (sit == sessions_.end()) continue;
    auto& facts = sit->second.facts;
    auto it = std::find_if(facts.begin(), facts.end(),
                           [&](const FactEntry& e) { return e.added_us == r.added_us && FactKey(e.fact) == r.key; });
    if (it == facts.end()) continue;
    if (it->joined_span.empty()) {
      if (it->fact.has_tools) {
        ++stats_.unmatched_steps;
      } else {
        bool title = ancestry_.UnderTitle(it->fact.trace_id, it->fact.parent_span_id) == SpanAncestry::Verdict::kTitle;
        EmitAux(it->fact, title, now_us, aux);
      }
    }
    RemoveFact(&sit->second, static_cast<size_t>(it - facts.begin()));
    DropSessionIfEmpty(r.session);
  }
  while (!call_order_.empty() && call_order_.front().added_us + ttl <= now_us) {
    Ref r = std::move(call_order_.front());
    call_order_.pop_front();
    auto sit = sessions_.find(r.session);
    if (sit == sessions_.end()) continue;
    auto& calls = sit->second.calls;
    auto it = std::find_if(calls.begin(), calls.end(),
                           [&](const CallWindow& w) { return w.added_us == r.added_us && w.span_id == r.key; });
    if (it == calls.end()) continue;
    calls.erase(it);
    --call_count_;
    DropSessionIfEmpty(r.session);
  }
  while (!link_order_.empty() && link_order_.front().added_us + ttl <= now_us) {
    Ref r = std::move(link_order_.front());
    link_order_.pop_front();
    auto sit = sessions_.find(r.session);
    if (sit == sessions_.end()) continue;
    auto it = sit->second.tool_links.find(r.key);
    if (it == sit->second.tool_links.end() || it->second.added_us != r.added_us) continue;
    sit->second.tool_links.erase(it);
    --link_count_;
    DropSessionIfEmpty(r.session);
  }
  ancestry_.Expire(now_us);
}

StepJoinStats StepJoin::Stats() const {
  std::lock_guard lock(mu_);
  StepJoinStats s = stats_;
  s.cached_facts = fact_count_;
  s.cached_bytes = bytes_;
  s.llm_call_windows = call_count_;
  s.tool_call_links = link_count_;
  s.ancestry_spans = ancestry_.size();
  return s;
}

}  // namespace agentperf::otlp
