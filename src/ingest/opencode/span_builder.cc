#include "ingest/opencode/span_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

#include "event/event_id.h"
#include "ingest/opencode/event_check.h"
#include "ingest/opencode/id_time.h"

namespace agentperf::ingest::opencode {

using event::FloatField;
using event::IntField;
using event::SpanKind;
using event::SpanStatus;
using event::StrField;

// One span being assembled; strings are views into the SessionUnit (copied
// into the batch's arena by Emit).
class SpanBuilder::Draft {
 public:
  Draft(SpanKind kind, std::string_view session_id, std::string_view span_id) {
    e.kind = kind;
    e.str[static_cast<int>(StrField::kSessionId)] = session_id;
    e.str[static_cast<int>(StrField::kSpanId)] = span_id;
  }
  Draft& Times(int64_t start_ms, int64_t end_ms) {
    e.start_us = start_ms * 1000;
    e.end_us = std::max(end_ms, start_ms) * 1000;
    return *this;
  }
  Draft& Str(StrField f, std::string_view v) {
    e.str[static_cast<int>(f)] = v;
    return *this;
  }
  Draft& Tokens(const opencode::Tokens& t) {
    if (!t.present) return *this;
    e.ints[static_cast<int>(IntField::kTokensInput)] = t.input;
    e.ints[static_cast<int>(IntField::kTokensOutput)] = t.output;
    e.ints[static_cast<int>(IntField::kTokensReasoning)] = t.reasoning;
    e.ints[static_cast<int>(IntField::kTokensCacheRead)] = t.cache_read;
    e.ints[static_cast<int>(IntField::kTokensCacheWrite)] = t.cache_write;
    return *this;
  }
  Draft& Cost(double c) {
    e.floats[static_cast<int>(FloatField::kCost)] = c;
    return *this;
  }
  Draft& Status(SpanStatus s, std::string_view error_class = {}) {
    e.status = s;
    if (s != SpanStatus::kOk) Str(StrField::kErrorClass, error_class);
    return *this;
  }
  Draft& AttrStr(std::string_view k, std::string_view v) {
    if (!v.empty()) attrs.push_back(event::Attr{k, event::AttrType::kString, v, 0});
    return *this;
  }
  Draft& AttrNum(std::string_view k, double v) {
    attrs.push_back(event::Attr{k, event::AttrType::kNumber, {}, v});
    return *this;
  }
  Draft& AttrBool(std::string_view k, bool v) {
    attrs.push_back(event::Attr{k, event::AttrType::kBool, {}, v ? 1.0 : 0.0});
    return *this;
  }

  event::Event e;
  std::vector<event::Attr> attrs;
};

namespace {

constexpr std::string_view kKnownErrors[] = {
    "APIError",
    "ProviderAuthError",
    "UnknownError",
    "MessageOutputLengthError",
    "MessageAbortedError",
    "StructuredOutputError",
    "ContextOverflowError",
    "ContentFilterError",
};

// error_class of a message error: OpenCode's error name (a closed set), else "other".
std::string_view ErrorClass(std::string_view name) {
  for (auto k : kKnownErrors) {
    if (k == name) return k;
  }
  return "other";
}

SpanStatus StatusOfError(std::string_view name) {
  if (name.empty()) return SpanStatus::kOk;
  return name == "MessageAbortedError" ? SpanStatus::kCancelled : SpanStatus::kError;
}

int64_t IdTimeOr(std::string_view id, int64_t ref_ms, int64_t fallback) {
  int64_t t;
  return DecodeIdTime(id, ref_ms, &t) ? t : fallback;
}

bool TerminalTool(const PartInfo& p) {
  return (p.status == "completed" || p.status == "error") && p.start_ms != kNoTime && p.end_ms != kNoTime;
}

}  // namespace

SpanBuilder::SpanBuilder(BuildOptions options) : options_(std::move(options)) {}

void SpanBuilder::Emit(Draft& d, event::EventBatch* out) {
  event::Event& e = d.e;
  e.str[static_cast<int>(StrField::kSource)] = options_.source;
  Status st = CheckEvent(e, d.attrs.data(), options_.limits, options_.now_ms * 1000);
  if (!st.ok()) {
    if (counts_.rejected++ == 0) {
      counts_.first_rejected =
          fmt::format("{} {}: {}", event::KindName(e.kind), e.Str(StrField::kSpanId), st.message());
    }
    return;
  }
  e.id = event::SpanEventId(e.kind, e.Str(StrField::kSessionId), e.Str(StrField::kSpanId));
  for (auto& s : e.str) {
    if (!s.empty()) s = out->arena.Copy(s);
  }
  e.attr_begin = static_cast<uint32_t>(out->attrs.size());
  e.attr_count = static_cast<uint32_t>(d.attrs.size());
  for (event::Attr a : d.attrs) {
    a.key = out->arena.Copy(a.key);
    if (a.type == event::AttrType::kString) a.str = out->arena.Copy(a.str);
    out->attrs.push_back(a);
  }
  out->events.push_back(e);
  counts_.by_kind[static_cast<int>(e.kind)]++;
  counts_.first_ms = std::min(counts_.first_ms, e.start_us / 1000);
  counts_.last_ms = std::max(counts_.last_ms, e.start_us / 1000);
  if (e.kind == SpanKind::kLlmCall) {
    opencode::Tokens t;
    t.input = std::max<int64_t>(0, e.Int(IntField::kTokensInput));
    t.output = std::max<int64_t>(0, e.Int(IntField::kTokensOutput));
    t.reasoning = std::max<int64_t>(0, e.Int(IntField::kTokensReasoning));
    t.cache_read = std::max<int64_t>(0, e.Int(IntField::kTokensCacheRead));
    t.cache_write = std::max<int64_t>(0, e.Int(IntField::kTokensCacheWrite));
    counts_.llm_tokens.Add(t);
    double c = e.Float(FloatField::kCost);
    if (!std::isnan(c)) counts_.llm_cost += c;
  }
}

SessionState SpanBuilder::Build(SessionUnit* unit, event::EventBatch* out) {
  const SessionInfo& s = unit->session;
  if (s.time_updated != kNoTime && options_.now_ms - s.time_updated < options_.settle_ms) return SessionState::kActive;
  auto& msgs = unit->messages;
  auto& parts = unit->parts;
  // Rows usually come in this order already (OpenCode's ids grow with time):
  // checking is cheaper than sorting big structs.
  auto msg_less = [](const MessageInfo& a, const MessageInfo& b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
  };
  auto part_less = [](const PartInfo& a, const PartInfo& b) {
    const int c = a.message_id.compare(b.message_id);
    return c != 0 ? c < 0 : a.id < b.id;
  };
  if (!std::is_sorted(msgs.begin(), msgs.end(), msg_less)) std::sort(msgs.begin(), msgs.end(), msg_less);
  if (!std::is_sorted(parts.begin(), parts.end(), part_less)) std::sort(parts.begin(), parts.end(), part_less);
  // message id -> its parts [begin, end)
  std::unordered_map<std::string_view, std::pair<size_t, size_t>> parts_of;
  for (size_t i = 0; i < parts.size();) {
    size_t j = i;
    while (j < parts.size() && parts[j].message_id == parts[i].message_id) ++j;
    parts_of[parts[i].message_id] = {i, j};
    i = j;
  }
  auto parts_range = [&](const std::string& msg_id) -> std::pair<size_t, size_t> {
    auto it = parts_of.find(msg_id);
    return it == parts_of.end() ? std::pair<size_t, size_t>{0, 0} : it->second;
  };
  const std::string_view sid = s.id;
  bool settled = true;

  // llm_call and tool_call, per assistant message.
  for (const MessageInfo& m : msgs) {
    if (m.role != Role::kAssistant) continue;
    auto [pb, pe] = parts_range(m.id);
    int64_t tools_ms = 0;
    size_t step_finishes = 0;
    int64_t first_part = INT64_MAX;
    for (size_t i = pb; i < pe; ++i) {
      const PartInfo& p = parts[i];
      if (p.type == PartType::kStepFinish) ++step_finishes;
      if (p.type != PartType::kStepStart) first_part = std::min(first_part, IdTimeOr(p.id, m.created_ms, INT64_MAX));
      if (p.type != PartType::kTool) continue;
      if (!TerminalTool(p)) {
        if (p.status == "pending" || p.status == "running") settled = false;
        continue;
      }
      tools_ms += p.end_ms - p.start_ms;
      Draft d(SpanKind::kToolCall, sid, p.id);
      d.Times(p.start_ms, p.end_ms)
          .Str(StrField::kMessageId, m.id)
          .Str(StrField::kParentSpanId, m.id)
          .Str(StrField::kAgent, m.agent)
          .Str(StrField::kModel, m.model_id)
          .Str(StrField::kProvider, m.provider_id)
          .Str(StrField::kTool, p.tool)
          .Status(p.status == "error" ? SpanStatus::kError : SpanStatus::kOk, "tool_error")
          .AttrStr("call_id", p.call_id)
          .AttrStr("child_session_id", p.child_session_id);
      if (p.has_exit) d.AttrNum("exit", p.exit);
      if (p.output_chars >= 0) d.AttrNum("output_chars", static_cast<double>(p.output_chars));
      Emit(d, out);
    }
    if (!m.Terminal()) {
      settled = false;
      continue;
    }
    const SpanStatus status = StatusOfError(m.error_name);
    auto common = [&](Draft& d) {
      d.Str(StrField::kMessageId, m.id)
          .Str(StrField::kParentSpanId, m.parent_id)
          .Str(StrField::kAgent, m.agent)
          .Str(StrField::kModel, m.model_id)
          .Str(StrField::kProvider, m.provider_id)
          .Status(status, ErrorClass(m.error_name))
          .AttrStr("finish", m.finish);
      if (m.error_status_code >= 0) d.AttrNum("status_code", static_cast<double>(m.error_status_code));
    };
    if (step_finishes <= 1) {
      int64_t end = m.completed_ms;
      if (end == kNoTime) {  // an error without completion: the last thing we know of
        end = m.created_ms;
        for (size_t i = pb; i < pe; ++i) {
          end = std::max(end, IdTimeOr(parts[i].id, m.created_ms, end));
          if (parts[i].end_ms != kNoTime) end = std::max(end, parts[i].end_ms);
        }
      }
      opencode::Tokens tokens = m.tokens;
      double cost = m.cost;
      for (size_t i = pb; i < pe; ++i) {
        if (parts[i].type != PartType::kStepFinish) continue;
        if (!tokens.present) tokens = parts[i].tokens;
        if (std::isnan(cost)) cost = parts[i].cost;
      }
      Draft d(SpanKind::kLlmCall, sid, m.id);
      d.Times(m.created_ms, end).Tokens(tokens).Cost(cost);
      common(d);
      if (first_part != INT64_MAX)
        d.AttrNum("first_part_ms", static_cast<double>(std::max<int64_t>(0, first_part - m.created_ms)));
      d.AttrNum("tools_ms", static_cast<double>(tools_ms));
      Emit(d, out);
      continue;
    }
    // Legacy multi-step message (<= 1.1): one llm_call per step-finish, its
    // span id the step-finish part id, times from the step-start/-finish ids.
    int64_t step_start = m.created_ms;
    int64_t step_tools = 0;
    int64_t step_first = INT64_MAX;
    uint64_t step_no = 0;
    for (size_t i = pb; i < pe; ++i) {
      const PartInfo& p = parts[i];
      if (p.type == PartType::kStepStart) {
        step_start = IdTimeOr(p.id, m.created_ms, step_start);
        step_tools = 0;
        step_first = INT64_MAX;
        continue;
      }
      step_first = std::min(step_first, IdTimeOr(p.id, m.created_ms, INT64_MAX));
      if (TerminalTool(p)) step_tools += p.end_ms - p.start_ms;
      if (p.type != PartType::kStepFinish) continue;
      int64_t end = IdTimeOr(p.id, m.created_ms, step_start);
      Draft d(SpanKind::kLlmCall, sid, p.id);
      d.Times(step_start, end).Tokens(p.tokens).Cost(p.cost);
      common(d);
      d.AttrNum("first_part_ms", static_cast<double>(std::max<int64_t>(0, step_first - step_start)));
      d.AttrNum("tools_ms", static_cast<double>(step_tools));
      d.AttrNum("step", static_cast<double>(++step_no));
      Emit(d, out);
      step_start = end;
      step_tools = 0;
      step_first = INT64_MAX;
    }
  }

  // turn, per user message; compaction parts live in user messages.
  const MessageInfo* last_assistant = nullptr;
  const MessageInfo* first_user = nullptr;
  const MessageInfo* first_assistant = nullptr;
  for (const MessageInfo& m : msgs) {
    if (m.role == Role::kAssistant) {
      last_assistant = &m;
      if (!first_assistant) first_assistant = &m;
    } else if (m.role == Role::kUser && !first_user) {
      first_user = &m;
    }
  }
  std::unordered_map<std::string_view, std::vector<const MessageInfo*>> steps_of;  // user id -> assistants
  size_t last_user = msgs.size();
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (msgs[i].role == Role::kAssistant) steps_of[msgs[i].parent_id].push_back(&msgs[i]);
    if (msgs[i].role == Role::kUser) last_user = i;
  }
  static const std::vector<const MessageInfo*> kNone;
  for (size_t ui = 0; ui < msgs.size(); ++ui) {
    const MessageInfo& u = msgs[ui];
    if (u.role != Role::kUser) continue;
    const bool later_user = ui != last_user;
    auto it = steps_of.find(u.id);
    const auto& steps_list = it == steps_of.end() ? kNone : it->second;
    const MessageInfo* last = steps_list.empty() ? nullptr : steps_list.back();
    int64_t end = u.created_ms;
    const uint64_t steps = steps_list.size();
    for (const MessageInfo* a : steps_list) {
      if (a->completed_ms != kNoTime) end = std::max(end, a->completed_ms);
    }
    // Compaction parts of this user message: done when its summary step is.
    auto [pb, pe] = parts_range(u.id);
    for (size_t i = pb; i < pe; ++i) {
      const PartInfo& p = parts[i];
      if (p.type != PartType::kCompaction) continue;
      const MessageInfo* summary = nullptr;
      for (const MessageInfo* a : steps_list) {
        if (a->summary) summary = a;
      }
      if (summary == nullptr || summary->completed_ms == kNoTime) {
        settled = false;
        continue;
      }
      Draft d(SpanKind::kCompaction, sid, p.id);
      d.Times(IdTimeOr(p.id, u.created_ms, u.created_ms), summary->completed_ms)
          .Str(StrField::kMessageId, u.id)
          .Str(StrField::kParentSpanId, u.id)
          .Str(StrField::kAgent, summary->agent)
          .Str(StrField::kModel, summary->model_id)
          .Str(StrField::kProvider, summary->provider_id)
          .Tokens(summary->tokens)
          .Cost(summary->cost)
          .AttrBool("auto", p.is_auto);
      if (p.has_overflow) d.AttrBool("overflow", p.overflow);
      Emit(d, out);
    }
    bool complete = later_user;
    if (last != nullptr && last->Terminal() && (last->finish != "tool-calls" || !last->error_name.empty())) {
      complete = true;
    }
    if (!complete) {
      settled = false;
      continue;
    }
    Draft d(SpanKind::kTurn, sid, u.id);
    d.Times(u.created_ms, end)
        .Str(StrField::kMessageId, u.id)
        .Str(StrField::kAgent, u.agent)
        .Str(StrField::kModel, u.model_id)
        .Str(StrField::kProvider, u.provider_id)
        .AttrNum("steps", static_cast<double>(steps));
    if (last != nullptr) {
      d.Status(StatusOfError(last->error_name), ErrorClass(last->error_name)).AttrStr("finish", last->finish);
    }
    Emit(d, out);
  }

  if (!settled) return SessionState::kUnsettled;
  // session
  opencode::Tokens totals = s.tokens;
  double cost = s.cost;
  if (std::isnan(cost)) cost = 0;
  if (!totals.AnyNonZero() && cost == 0) {
    opencode::Tokens sum;
    double sum_cost = 0;
    for (const MessageInfo& m : msgs) {
      if (m.role != Role::kAssistant) continue;
      sum.Add(m.tokens);
      if (!std::isnan(m.cost)) sum_cost += m.cost;
    }
    if (sum.AnyNonZero() || sum_cost != 0) {
      totals = sum;
      cost = sum_cost;
    }
  }
  totals.present = true;
  std::string_view agent = s.agent;
  if (agent.empty() && first_user) agent = first_user->agent;
  std::string_view model = s.model_id, provider = s.provider_id;
  if (model.empty() && first_assistant) {
    model = first_assistant->model_id;
    provider = first_assistant->provider_id;
  }
  int64_t start = s.time_created != kNoTime ? s.time_created : IdTimeOr(s.id, options_.now_ms, options_.now_ms);
  int64_t end = s.time_updated != kNoTime ? s.time_updated : start;
  Draft d(SpanKind::kSession, sid, s.id);
  d.Times(start, end)
      .Str(StrField::kParentSessionId, s.parent_id)
      .Str(StrField::kAgent, agent)
      .Str(StrField::kModel, model)
      .Str(StrField::kProvider, provider)
      .Tokens(totals)
      .Cost(cost)
      .AttrStr("project_id", s.project_id)
      .AttrStr("version", s.version);
  if (last_assistant != nullptr && !last_assistant->error_name.empty())
    d.Status(SpanStatus::kError, ErrorClass(last_assistant->error_name));
  Emit(d, out);
  return SessionState::kSettled;
}

}  // namespace agentperf::ingest::opencode
