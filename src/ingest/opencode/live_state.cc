#include "ingest/opencode/live_state.h"

#include <simdjson.h>

#include <algorithm>
#include <climits>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ingest/opencode/id_time.h"
#include "ingest/opencode/live_spans.h"
#include "ingest/opencode/objects.h"
#include "ingest/opencode/span_builder.h"

namespace agentperf::ingest::opencode {
namespace od = simdjson::ondemand;
using event::SpanKind;
using event::StrField;

namespace {

#define LS_TRY(expr)                                                                               \
  do {                                                                                             \
    auto ls_err_ = (expr);                                                                         \
    if (ls_err_ != simdjson::SUCCESS) return Status::Corruption(simdjson::error_message(ls_err_)); \
  } while (0)

// A reusable padded buffer + on-demand parser.
struct Json {
  od::parser parser;
  std::string buf;
  Status Start(std::string_view json, od::document* doc) {
    buf.reserve(json.size() + simdjson::SIMDJSON_PADDING);
    buf.assign(json.data(), json.size());
    LS_TRY(parser.iterate(simdjson::padded_string_view(buf.data(), buf.size(), buf.capacity())).get(*doc));
    return Status::OK();
  }
};

od::json_type TypeOf(od::value& v) {
  od::json_type t = od::json_type::null;
  if (v.type().get(t) != simdjson::SUCCESS) return od::json_type::null;
  return t;
}

Status Str(od::value& v, std::string* out) {
  if (TypeOf(v) != od::json_type::string) return Status::OK();
  std::string_view s;
  LS_TRY(v.get_string().get(s));
  out->assign(s);
  return Status::OK();
}

Status Int(od::value& v, int64_t* out) {
  if (TypeOf(v) != od::json_type::number) return Status::OK();
  double d;
  LS_TRY(v.get_double().get(d));
  *out = static_cast<int64_t>(d);
  return Status::OK();
}

Status Raw(od::value& v, std::string_view* out) {
  if (TypeOf(v) != od::json_type::object) return Status::OK();
  od::object o;
  LS_TRY(v.get_object().get(o));
  LS_TRY(o.raw_json().get(*out));
  return Status::OK();
}

template <typename Fn>
Status Fields(od::object& obj, Fn&& fn) {
  for (auto fr : obj) {
    od::field f;
    LS_TRY(std::move(fr).get(f));
    std::string_view key;
    LS_TRY(f.unescaped_key().get(key));
    od::value v = f.value();
    AP_RETURN_IF_ERROR(fn(key, v));
  }
  return Status::OK();
}

template <typename Fn>
Status ObjFields(od::value& v, Fn&& fn) {
  if (TypeOf(v) != od::json_type::object) return Status::OK();
  od::object o;
  LS_TRY(v.get_object().get(o));
  return Fields(o, fn);
}

// The bus event of one data payload.
struct Envelope {
  std::string directory, id, type, sync_aggregate;
  int64_t sync_seq = -1;
  bool has_directory = false;
  std::string_view properties;  // raw JSON (points into the parser's buffer)
};

// The properties the state machine reads (a union over the event types).
struct Props {
  std::string session_id, id, permission, tool_message_id, tool_call_id, request_id, reply, message_id, part_id;
  std::string status_type, status_message, action_reason;
  int64_t attempt = 0, next = 0;
  std::string_view info, part;  // raw JSON
};

struct PendingPerm {
  std::string session_id, message_id, call_id, permission;
  int64_t touched_ms = 0;
};

struct ToolWait {
  int64_t wait_ms = 0;
  bool rejected = false;
};

struct Session {
  SessionInfo info;
  bool has_info = false;
  std::map<std::string, MessageInfo> messages;
  std::map<std::string, PartInfo> parts;
  std::unordered_map<std::string, std::string> call_index;  // msg "\0" call -> part id
  std::unordered_map<std::string, ToolWait> waits;          // part id -> permission waits
  std::unordered_set<std::string> emitted;                  // "<kind>:<span id>"
  bool idle = false;
  bool finalize_pending = false;  // idle seen, session span not yet attempted
  bool session_emitted = false;
  int64_t idle_seen_ms = 0;  // local clock
  int64_t touched_ms = 0;
};

std::string CallKey(std::string_view msg, std::string_view call) {
  std::string k(msg);
  k.push_back('\0');
  k.append(call);
  return k;
}

}  // namespace

struct LiveState::Impl {
  LiveOptions opt;
  LiveStats stats;
  Json env_json, props_json, repair_json;
  ObjectParser objects;
  std::unordered_map<std::string, Session> sessions;
  std::unordered_map<std::string, PendingPerm> perms;  // per id -> request
  std::unordered_map<std::string, int64_t> max_seq;

  Session& Get(const std::string& id, int64_t now_ms) {
    Session& s = sessions[id];
    if (s.info.id.empty()) s.info.id = id;
    s.touched_ms = now_ms;
    return s;
  }

  int64_t IdTime(std::string_view id, int64_t now_ms, bool* clock) const {
    int64_t t;
    if (DecodeIdTime(id, now_ms, &t) && (opt.clock_skew_ms <= 0 || std::llabs(t - now_ms) <= opt.clock_skew_ms))
      return t;
    *clock = true;
    return now_ms;
  }

  SpanContext Ctx(int64_t now_ms) const { return SpanContext{opt.source, &opt.limits, now_ms}; }

  Status ParseEnvelope(std::string_view data, Envelope* env);
  Status ParseProps(std::string_view json, Props* p);
  Status Dispatch(const Envelope& env, int64_t now_ms, event::EventBatch* out);
  void Build(Session& s, bool allow_session, int64_t now_ms, event::EventBatch* out);
  void PermissionSpan(Session* s, const std::string& request_id, const PendingPerm* perm, std::string reply,
                      int64_t end_ms, bool clock, int64_t now_ms, event::EventBatch* out);
  void OnPart(Session& s, PartInfo part, int64_t now_ms, event::EventBatch* out);
  void OnIdle(Session& s, int64_t now_ms, event::EventBatch* out) {
    s.idle = true;
    if (!s.session_emitted) {
      s.finalize_pending = true;
      s.idle_seen_ms = now_ms;
    }
    Build(s, false, now_ms, out);
  }
  void Finalize(Session& s, int64_t now_ms, event::EventBatch* out) {
    s.finalize_pending = false;
    Build(s, true, now_ms, out);
  }
};

Status LiveState::Impl::ParseEnvelope(std::string_view data, Envelope* env) {
  od::document doc;
  AP_RETURN_IF_ERROR(env_json.Start(data, &doc));
  od::object top;
  LS_TRY(doc.get_object().get(top));
  auto event_field = [&](std::string_view k, od::value& v) -> Status {
    if (k == "id") return Str(v, &env->id);
    if (k == "type") return Str(v, &env->type);
    if (k == "properties") return Raw(v, &env->properties);
    if (k == "syncEvent") {
      return ObjFields(v, [&](std::string_view sk, od::value& x) -> Status {
        if (sk == "aggregateID") return Str(x, &env->sync_aggregate);
        if (sk == "seq") return Int(x, &env->sync_seq);
        return Status::OK();
      });
    }
    return Status::OK();
  };
  return Fields(top, [&](std::string_view k, od::value& v) -> Status {
    if (k == "directory") {
      env->has_directory = true;
      return Str(v, &env->directory);
    }
    if (k == "payload") return ObjFields(v, event_field);
    return event_field(k, v);
  });
}

Status LiveState::Impl::ParseProps(std::string_view json, Props* p) {
  if (json.empty()) return Status::OK();
  od::document doc;
  AP_RETURN_IF_ERROR(props_json.Start(json, &doc));
  od::object top;
  LS_TRY(doc.get_object().get(top));
  return Fields(top, [&](std::string_view k, od::value& v) -> Status {
    if (k == "sessionID") return Str(v, &p->session_id);
    if (k == "info") return Raw(v, &p->info);
    if (k == "part") return Raw(v, &p->part);
    if (k == "id") return Str(v, &p->id);
    if (k == "permission") return Str(v, &p->permission);
    if (k == "requestID") return Str(v, &p->request_id);
    if (k == "reply") return Str(v, &p->reply);
    if (k == "messageID") return Str(v, &p->message_id);
    if (k == "partID") return Str(v, &p->part_id);
    if (k == "tool") {
      return ObjFields(v, [&](std::string_view tk, od::value& x) -> Status {
        if (tk == "messageID") return Str(x, &p->tool_message_id);
        if (tk == "callID") return Str(x, &p->tool_call_id);
        return Status::OK();
      });
    }
    if (k == "status") {
      return ObjFields(v, [&](std::string_view sk, od::value& x) -> Status {
        if (sk == "type") return Str(x, &p->status_type);
        if (sk == "attempt") return Int(x, &p->attempt);
        if (sk == "message") return Str(x, &p->status_message);
        if (sk == "next") return Int(x, &p->next);
        if (sk == "action") {
          return ObjFields(x, [&](std::string_view ak, od::value& y) -> Status {
            return ak == "reason" ? Str(y, &p->action_reason) : Status::OK();
          });
        }
        return Status::OK();
      });
    }
    return Status::OK();
  });
}

void LiveState::Impl::Build(Session& s, bool allow_session, int64_t now_ms, event::EventBatch* out) {
  SessionUnit unit;
  unit.session = s.info;
  unit.messages.reserve(s.messages.size());
  for (const auto& [id, m] : s.messages) unit.messages.push_back(m);
  unit.parts.reserve(s.parts.size());
  for (const auto& [id, p] : s.parts) unit.parts.push_back(p);
  // The newest user message: its turn may still grow unless the session is idle.
  const MessageInfo* newest_user = nullptr;
  for (const auto& [id, m] : s.messages) {
    if (m.role != Role::kUser) continue;
    if (!newest_user || m.created_ms > newest_user->created_ms ||
        (m.created_ms == newest_user->created_ms && m.id > newest_user->id)) {
      newest_user = &m;
    }
  }
  BuildOptions bo;
  bo.now_ms = now_ms;
  bo.settle_ms = INT64_MIN;  // never "active": the live state decides what is final
  bo.source = opt.source;
  bo.limits = opt.limits;
  SpanBuilder builder(bo);
  event::EventBatch tmp;
  builder.Build(&unit, &tmp);
  stats.rejected += builder.counts().rejected;
  for (const event::Event& e : tmp.events) {
    const std::string_view span_id = e.Str(StrField::kSpanId);
    std::string key = std::string(event::KindName(e.kind)) + ":" + std::string(span_id);
    if (s.emitted.count(key)) continue;
    switch (e.kind) {
      case SpanKind::kSession:
        if (!allow_session || !s.has_info || s.session_emitted) continue;
        s.session_emitted = true;
        break;
      case SpanKind::kLlmCall: {
        auto it = s.messages.find(std::string(e.Str(StrField::kMessageId)));
        const bool completed = it != s.messages.end() && it->second.completed_ms != kNoTime;
        if (!completed && !s.idle) continue;  // an error without completion: at idle
        break;
      }
      case SpanKind::kTurn:
        if (!s.idle && newest_user && newest_user->id == span_id) continue;
        break;
      default:
        break;
    }
    if (e.kind == SpanKind::kToolCall) {
      auto w = s.waits.find(std::string(span_id));
      if (w != s.waits.end()) {
        AppendAdjustedToolCall(tmp, e, w->second.wait_ms, w->second.rejected, out);
      } else {
        CopyEvent(tmp, e, out);
      }
    } else {
      CopyEvent(tmp, e, out);
    }
    s.emitted.insert(std::move(key));
    stats.spans[static_cast<int>(e.kind)]++;
  }
}

void LiveState::Impl::PermissionSpan(Session* s, const std::string& request_id, const PendingPerm* perm,
                                     std::string reply, int64_t end_ms, bool clock, int64_t now_ms,
                                     event::EventBatch* out) {
  PermissionWait w;
  w.request_id = request_id;
  w.reply = std::move(reply);
  w.start_ms = IdTime(request_id, now_ms, &clock);
  w.end_ms = end_ms;
  w.time_from_clock = clock;
  if (perm) {
    w.session_id = perm->session_id;
    w.permission = perm->permission;
    w.message_id = perm->message_id;
    w.call_id = perm->call_id;
  }
  if (s) {
    if (w.session_id.empty()) w.session_id = s->info.id;
    std::string key = "permission_wait:" + request_id;
    if (s->emitted.count(key)) return;
    if (!w.message_id.empty()) {
      auto c = s->call_index.find(CallKey(w.message_id, w.call_id));
      if (c != s->call_index.end()) {
        w.part_id = c->second;
        auto p = s->parts.find(c->second);
        if (p != s->parts.end()) w.tool = p->second.tool;
        ToolWait& tw = s->waits[c->second];
        tw.wait_ms += std::max<int64_t>(0, w.end_ms - w.start_ms);
        tw.rejected = tw.rejected || w.reply == "reject";
      }
      auto m = s->messages.find(w.message_id);
      if (m != s->messages.end()) {
        w.agent = m->second.agent;
        w.model = m->second.model_id;
        w.provider = m->second.provider_id;
      }
    }
    s->emitted.insert(std::move(key));
  }
  Status st = AppendPermissionWait(w, Ctx(now_ms), out);
  if (st.ok()) {
    stats.spans[static_cast<int>(SpanKind::kPermissionWait)]++;
  } else {
    stats.rejected++;
  }
}

void LiveState::Impl::OnPart(Session& s, PartInfo part, int64_t now_ms, event::EventBatch* out) {
  const std::string id = part.id;
  if (part.type == PartType::kTool && !part.call_id.empty()) s.call_index[CallKey(part.message_id, part.call_id)] = id;
  const bool terminal =
      part.type == PartType::kTool && (part.status == "completed" || part.status == "error") && part.end_ms != kNoTime;
  s.parts[id] = std::move(part);
  if (!terminal) return;
  // A permission still unanswered when its tool ended: cancelled, and its
  // wait (up to the tool's end) is still taken out of the tool.
  const PartInfo& p = s.parts[id];
  for (auto it = perms.begin(); it != perms.end();) {
    const PendingPerm& pp = it->second;
    if (pp.session_id == s.info.id && pp.message_id == p.message_id && pp.call_id == p.call_id) {
      PendingPerm copy = pp;
      std::string request_id = it->first;
      it = perms.erase(it);
      PermissionSpan(&s, request_id, &copy, "", p.end_ms, false, now_ms, out);
    } else {
      ++it;
    }
  }
  Build(s, false, now_ms, out);
}

Status LiveState::Impl::Dispatch(const Envelope& env, int64_t now_ms, event::EventBatch* out) {
  const std::string& t = env.type;
  if (t == "message.part.delta" || t.empty()) return Status::OK();
  const bool known = t == "session.created" || t == "session.updated" || t == "session.deleted" ||
                     t == "session.status" || t == "session.idle" || t == "message.updated" || t == "message.removed" ||
                     t == "message.part.updated" || t == "message.part.removed" || t == "permission.asked" ||
                     t == "permission.replied";
  if (!known) return Status::OK();
  Props p;
  AP_RETURN_IF_ERROR(ParseProps(env.properties, &p));
  if (t == "session.created" || t == "session.updated") {
    SessionInfo info;
    AP_RETURN_IF_ERROR(objects.ParseSession(p.info, &info));
    if (info.id.empty()) return Status::Corruption("session event without info.id");
    Session& s = Get(info.id, now_ms);
    s.info = std::move(info);
    s.has_info = true;
    if (s.finalize_pending) Finalize(s, now_ms, out);
    return Status::OK();
  }
  if (t == "session.deleted") {
    SessionInfo info;
    AP_RETURN_IF_ERROR(objects.ParseSession(p.info, &info));
    sessions.erase(info.id.empty() ? p.session_id : info.id);
    return Status::OK();
  }
  if (t == "message.updated") {
    MessageInfo m;
    AP_RETURN_IF_ERROR(objects.ParseMessage(p.info, &m));
    if (m.id.empty() || m.session_id.empty()) return Status::Corruption("message without id or sessionID");
    Session& s = Get(m.session_id, now_ms);
    const bool is_new = !s.messages.count(m.id);
    const bool check = (m.role == Role::kUser && is_new) || m.Terminal();
    s.messages[m.id] = std::move(m);
    if (check) Build(s, false, now_ms, out);
    return Status::OK();
  }
  if (t == "message.part.updated") {
    PartInfo part;
    AP_RETURN_IF_ERROR(objects.ParsePart(p.part, &part));
    if (part.id.empty() || part.session_id.empty() || part.message_id.empty()) {
      return Status::Corruption("part without id, sessionID or messageID");
    }
    Session& s = Get(part.session_id, now_ms);
    OnPart(s, std::move(part), now_ms, out);
    return Status::OK();
  }
  if (p.session_id.empty()) return Status::OK();
  Session& s = Get(p.session_id, now_ms);
  if (t == "message.removed") {
    s.messages.erase(p.message_id);
    for (auto it = s.parts.begin(); it != s.parts.end();) {
      it = it->second.message_id == p.message_id ? s.parts.erase(it) : std::next(it);
    }
  } else if (t == "message.part.removed") {
    s.parts.erase(p.part_id);
  } else if (t == "session.idle") {
    OnIdle(s, now_ms, out);
  } else if (t == "session.status") {
    if (p.status_type == "busy") {
      s.idle = false;
      s.finalize_pending = false;
    } else if (p.status_type == "idle") {
      if (!s.idle) OnIdle(s, now_ms, out);
    } else if (p.status_type == "retry") {
      s.idle = false;
      s.finalize_pending = false;
      RetryAttempt r;
      r.session_id = s.info.id;
      r.attempt = p.attempt;
      r.message = p.status_message;
      r.action_reason = p.action_reason;
      r.start_ms = IdTime(env.id, now_ms, &r.time_from_clock);
      r.next_ms = p.next;
      // The step being retried: the newest assistant message not finished.
      const MessageInfo* cur = nullptr;
      for (const auto& [id, m] : s.messages) {
        if (m.role != Role::kAssistant || m.Terminal()) continue;
        if (!cur || m.created_ms > cur->created_ms || (m.created_ms == cur->created_ms && m.id > cur->id)) cur = &m;
      }
      if (cur) {
        r.message_id = cur->id;
        r.agent = cur->agent;
        r.model = cur->model_id;
        r.provider = cur->provider_id;
      }
      std::string key = "retry:" + RetrySpanId(r);
      if (s.emitted.count(key)) return Status::OK();
      Status st = AppendRetry(r, Ctx(now_ms), out);
      if (st.ok()) {
        s.emitted.insert(std::move(key));
        stats.spans[static_cast<int>(SpanKind::kRetry)]++;
      } else {
        stats.rejected++;
      }
    }
  } else if (t == "permission.asked") {
    if (p.id.empty()) return Status::Corruption("permission.asked without id");
    perms[p.id] = PendingPerm{p.session_id, p.tool_message_id, p.tool_call_id, p.permission, now_ms};
  } else if (t == "permission.replied") {
    if (p.request_id.empty()) return Status::Corruption("permission.replied without requestID");
    bool clock = false;
    const int64_t end = IdTime(env.id, now_ms, &clock);
    auto it = perms.find(p.request_id);
    PendingPerm perm;
    const bool known_request = it != perms.end();
    if (known_request) {
      perm = std::move(it->second);
      perms.erase(it);
    } else {
      perm.session_id = p.session_id;  // asked before we connected: no tool link
    }
    PermissionSpan(&s, p.request_id, &perm, p.reply, end, clock, now_ms, out);
  }
  return Status::OK();
}

LiveState::LiveState(LiveOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
}
LiveState::~LiveState() = default;

Status LiveState::HandleData(std::string_view data, int64_t now_ms, event::EventBatch* out) {
  Impl& d = *impl_;
  d.stats.events++;
  Envelope env;
  Status st = d.ParseEnvelope(data, &env);
  if (st.ok()) {
    if (env.type == "sync") {
      d.stats.sync++;
      if (!env.sync_aggregate.empty()) {
        int64_t& m = d.max_seq.try_emplace(env.sync_aggregate, -1).first->second;
        m = std::max(m, env.sync_seq);
      }
      return Status::OK();
    }
    if (!d.opt.directory.empty() && env.has_directory && env.directory != d.opt.directory) {
      d.stats.filtered++;
      return Status::OK();
    }
    st = d.Dispatch(env, now_ms, out);
  }
  if (!st.ok()) d.stats.parse_errors++;
  d.stats.sessions = d.sessions.size();
  return st;
}

void LiveState::Tick(int64_t now_ms, event::EventBatch* out) {
  Impl& d = *impl_;
  for (auto& [id, s] : d.sessions) {
    if (s.finalize_pending && now_ms - s.idle_seen_ms >= d.opt.finalize_after_idle_ms) d.Finalize(s, now_ms, out);
  }
  // Bounds: finished sessions untouched for a while, then the least recently touched.
  for (auto it = d.sessions.begin(); it != d.sessions.end();) {
    const Session& s = it->second;
    if (s.idle && !s.finalize_pending && now_ms - s.touched_ms > d.opt.forget_after_ms) {
      it = d.sessions.erase(it);
      d.stats.forgotten++;
    } else {
      ++it;
    }
  }
  if (d.sessions.size() > d.opt.max_sessions) {
    std::vector<std::pair<int64_t, std::string>> by_age;
    for (const auto& [id, s] : d.sessions) by_age.emplace_back(s.touched_ms, id);
    std::sort(by_age.begin(), by_age.end());
    for (size_t i = 0; i < by_age.size() - d.opt.max_sessions; ++i) {
      d.sessions.erase(by_age[i].second);
      d.stats.forgotten++;
    }
  }
  for (auto it = d.perms.begin(); it != d.perms.end();) {
    it = now_ms - it->second.touched_ms > 3600 * 1000 ? d.perms.erase(it) : std::next(it);
  }
  d.stats.sessions = d.sessions.size();
}

Status LiveState::Repair(std::string_view session_json, std::string_view messages_json, bool busy, int64_t now_ms,
                         event::EventBatch* out) {
  Impl& d = *impl_;
  SessionInfo info;
  if (!session_json.empty()) AP_RETURN_IF_ERROR(d.objects.ParseSession(session_json, &info));
  std::vector<MessageInfo> msgs;
  std::vector<PartInfo> parts;
  od::document doc;
  AP_RETURN_IF_ERROR(d.repair_json.Start(messages_json, &doc));
  od::array arr;
  LS_TRY(doc.get_array().get(arr));
  for (auto er : arr) {
    od::value item;
    LS_TRY(std::move(er).get(item));
    AP_RETURN_IF_ERROR(ObjFields(item, [&](std::string_view k, od::value& v) -> Status {
      if (k == "info") {
        std::string_view raw;
        AP_RETURN_IF_ERROR(Raw(v, &raw));
        MessageInfo m;
        AP_RETURN_IF_ERROR(d.objects.ParseMessage(raw, &m));
        msgs.push_back(std::move(m));
      } else if (k == "parts" && TypeOf(v) == od::json_type::array) {
        od::array pa;
        LS_TRY(v.get_array().get(pa));
        for (auto pr : pa) {
          od::value pv;
          LS_TRY(std::move(pr).get(pv));
          std::string_view raw;
          AP_RETURN_IF_ERROR(Raw(pv, &raw));
          PartInfo part;
          AP_RETURN_IF_ERROR(d.objects.ParsePart(raw, &part));
          parts.push_back(std::move(part));
        }
      }
      return Status::OK();
    }));
  }
  std::string sid = info.id;
  if (sid.empty() && !msgs.empty()) sid = msgs.front().session_id;
  if (sid.empty()) return Status::OK();  // nothing to repair
  Session& s = d.Get(sid, now_ms);
  if (!info.id.empty()) {
    s.info = std::move(info);
    s.has_info = true;
  }
  for (MessageInfo& m : msgs) {
    if (m.session_id.empty()) m.session_id = sid;
    s.messages[m.id] = std::move(m);
  }
  for (PartInfo& p : parts) {
    if (p.session_id.empty()) p.session_id = sid;
    if (p.type == PartType::kTool && !p.call_id.empty()) s.call_index[CallKey(p.message_id, p.call_id)] = p.id;
    s.parts[p.id] = std::move(p);
  }
  if (busy) {
    s.idle = false;
    s.finalize_pending = false;
    d.Build(s, false, now_ms, out);
  } else if (s.messages.empty()) {
    // Created but not prompted yet (a client creates the session, then sends
    // the prompt): nothing of it is final. Finalising it here would store the
    // session span with its creation info (no agent, no tokens) and make the
    // real one a duplicate; its own idle event decides, as on the live path.
  } else {
    s.idle = true;
    d.Finalize(s, now_ms, out);
  }
  d.stats.sessions = d.sessions.size();
  return Status::OK();
}

void LiveState::FlushAll(int64_t now_ms, event::EventBatch* out) {
  for (auto& [id, s] : impl_->sessions) {
    if (s.finalize_pending) impl_->Finalize(s, now_ms, out);
  }
}

int64_t LiveState::MaxSeq(std::string_view session_id) const {
  auto it = impl_->max_seq.find(std::string(session_id));
  return it == impl_->max_seq.end() ? -1 : it->second;
}

const LiveStats& LiveState::stats() const {
  return impl_->stats;
}

}  // namespace agentperf::ingest::opencode
