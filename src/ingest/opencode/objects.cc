#include "ingest/opencode/objects.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>

namespace agentperf::ingest::opencode {
namespace od = simdjson::ondemand;

namespace {

#define OC_TRY(expr)                                                                \
  do {                                                                              \
    auto oc_err_ = (expr);                                                          \
    if (oc_err_ != simdjson::SUCCESS) return Bad(simdjson::error_message(oc_err_)); \
  } while (0)

Status Bad(std::string_view what) {
  return Status::Corruption(fmt::format("bad JSON: {}", what));
}

// Iterates the fields of an object value; fn(key, value) returns Status.
template <typename Fn>
Status ForFields(od::value& v, Fn&& fn) {
  od::object obj;
  OC_TRY(v.get_object().get(obj));
  for (auto fr : obj) {
    od::field f;
    OC_TRY(std::move(fr).get(f));
    std::string_view key;
    OC_TRY(f.unescaped_key().get(key));
    od::value val = f.value();
    AP_RETURN_IF_ERROR(fn(key, val));
  }
  return Status::OK();
}

template <typename Fn>
Status ForDocFields(od::document& doc, Fn&& fn) {
  od::object obj;
  OC_TRY(doc.get_object().get(obj));
  for (auto fr : obj) {
    od::field f;
    OC_TRY(std::move(fr).get(f));
    std::string_view key;
    OC_TRY(f.unescaped_key().get(key));
    od::value val = f.value();
    AP_RETURN_IF_ERROR(fn(key, val));
  }
  return Status::OK();
}

bool IsNull(od::value& v) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return false;
  return t == od::json_type::null;
}

Status GetStr(od::value& v, std::string* out) {
  if (IsNull(v)) return Status::OK();
  std::string_view s;
  OC_TRY(v.get_string().get(s));
  out->assign(s.data(), s.size());
  return Status::OK();
}

// UTF-16 code units of valid UTF-8: one per code point, two for those
// above U+FFFF (4-byte sequences). Continuation bytes count nothing.
int64_t Utf16Length(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

Status GetNum(od::value& v, double* out) {
  if (IsNull(v)) return Status::OK();
  double d;
  OC_TRY(v.get_double().get(d));
  *out = d;
  return Status::OK();
}

Status GetInt(od::value& v, int64_t* out) {
  if (IsNull(v)) return Status::OK();
  double d;
  OC_TRY(v.get_double().get(d));
  if (!std::isfinite(d)) return Bad("number out of range");
  *out = static_cast<int64_t>(std::llround(d));
  return Status::OK();
}

Status GetBool(od::value& v, bool* out) {
  if (IsNull(v)) return Status::OK();
  OC_TRY(v.get_bool().get(*out));
  return Status::OK();
}

// {"input", "output", "reasoning", "cache": {"read", "write"}} (also "total", ignored).
Status GetTokens(od::value& v, Tokens* t) {
  if (IsNull(v)) return Status::OK();
  t->present = true;
  return ForFields(v, [&](std::string_view k, od::value& x) -> Status {
    if (k == "input") return GetInt(x, &t->input);
    if (k == "output") return GetInt(x, &t->output);
    if (k == "reasoning") return GetInt(x, &t->reasoning);
    if (k == "cache") {
      if (IsNull(x)) return Status::OK();
      return ForFields(x, [&](std::string_view ck, od::value& y) -> Status {
        if (ck == "read") return GetInt(y, &t->cache_read);
        if (ck == "write") return GetInt(y, &t->cache_write);
        return Status::OK();
      });
    }
    return Status::OK();
  });
}

PartType ParsePartType(std::string_view t) {
  if (t == "tool") return PartType::kTool;
  if (t == "step-start") return PartType::kStepStart;
  if (t == "step-finish") return PartType::kStepFinish;
  if (t == "compaction") return PartType::kCompaction;
  if (t == "retry") return PartType::kRetry;
  return PartType::kOther;
}

Status MessageFields(od::document* doc, MessageInfo* m);
Status PartFields(od::document* doc, PartInfo* p);

}  // namespace

struct ObjectParser::Impl {
  od::parser parser;
  std::string buf;

  // Copies json into the padded buffer and starts a document.
  Status Start(std::string_view json, od::document* doc) {
    buf.reserve(json.size() + simdjson::SIMDJSON_PADDING);
    buf.assign(json.data(), json.size());
    if (buf.capacity() < buf.size() + simdjson::SIMDJSON_PADDING) buf.reserve(buf.size() + simdjson::SIMDJSON_PADDING);
    OC_TRY(parser.iterate(simdjson::padded_string_view(buf.data(), buf.size(), buf.capacity())).get(*doc));
    return Status::OK();
  }
  // json is followed by kPadding readable bytes.
  Status StartPadded(std::string_view json, od::document* doc) {
    OC_TRY(parser.iterate(simdjson::padded_string_view(json.data(), json.size(), json.size() + kPadding)).get(*doc));
    return Status::OK();
  }
};

static_assert(ObjectParser::kPadding >= simdjson::SIMDJSON_PADDING);

ObjectParser::ObjectParser() : impl_(std::make_unique<Impl>()) {}
ObjectParser::~ObjectParser() = default;

Status ObjectParser::ParseMessage(std::string_view json, MessageInfo* m) {
  od::document doc;
  AP_RETURN_IF_ERROR(impl_->Start(json, &doc));
  return MessageFields(&doc, m);
}

Status ObjectParser::ParseMessagePadded(std::string_view json, MessageInfo* m) {
  od::document doc;
  AP_RETURN_IF_ERROR(impl_->StartPadded(json, &doc));
  return MessageFields(&doc, m);
}

Status ObjectParser::ParsePart(std::string_view json, PartInfo* p) {
  od::document doc;
  AP_RETURN_IF_ERROR(impl_->Start(json, &doc));
  return PartFields(&doc, p);
}

Status ObjectParser::ParsePartPadded(std::string_view json, PartInfo* p) {
  od::document doc;
  AP_RETURN_IF_ERROR(impl_->StartPadded(json, &doc));
  return PartFields(&doc, p);
}

namespace {

Status MessageFields(od::document* docp, MessageInfo* m) {
  od::document& doc = *docp;
  std::string mode;
  Status st = ForDocFields(doc, [&](std::string_view k, od::value& v) -> Status {
    if (k == "role") {
      std::string r;
      AP_RETURN_IF_ERROR(GetStr(v, &r));
      m->role = r == "user" ? Role::kUser : r == "assistant" ? Role::kAssistant : Role::kOther;
      return Status::OK();
    }
    if (k == "id") return GetStr(v, &m->id);
    if (k == "sessionID") return GetStr(v, &m->session_id);
    if (k == "time") {
      if (IsNull(v)) return Status::OK();
      return ForFields(v, [&](std::string_view tk, od::value& x) -> Status {
        if (tk == "created") return GetInt(x, &m->created_ms);
        if (tk == "completed") return GetInt(x, &m->completed_ms);
        return Status::OK();
      });
    }
    if (k == "parentID") return GetStr(v, &m->parent_id);
    if (k == "agent") return GetStr(v, &m->agent);
    if (k == "mode") return GetStr(v, &mode);
    if (k == "modelID") return GetStr(v, &m->model_id);
    if (k == "providerID") return GetStr(v, &m->provider_id);
    if (k == "model") {  // user message: {providerID, modelID}
      if (IsNull(v)) return Status::OK();
      return ForFields(v, [&](std::string_view mk, od::value& x) -> Status {
        if (mk == "modelID") return GetStr(x, &m->model_id);
        if (mk == "providerID") return GetStr(x, &m->provider_id);
        return Status::OK();
      });
    }
    if (k == "finish") return GetStr(v, &m->finish);
    if (k == "summary") {
      // assistant: boolean; user: an object (title/body/diffs), ignored.
      od::json_type t;
      OC_TRY(v.type().get(t));
      if (t == od::json_type::boolean) return GetBool(v, &m->summary);
      return Status::OK();
    }
    if (k == "cost") return GetNum(v, &m->cost);
    if (k == "tokens") return GetTokens(v, &m->tokens);
    if (k == "error") {
      if (IsNull(v)) return Status::OK();
      return ForFields(v, [&](std::string_view ek, od::value& x) -> Status {
        if (ek == "name") return GetStr(x, &m->error_name);
        if (ek == "data") {
          od::json_type t;
          OC_TRY(x.type().get(t));
          if (t != od::json_type::object) return Status::OK();
          return ForFields(x, [&](std::string_view dk, od::value& y) -> Status {
            if (dk == "statusCode") return GetInt(y, &m->error_status_code);
            return Status::OK();
          });
        }
        return Status::OK();
      });
    }
    return Status::OK();
  });
  AP_RETURN_IF_ERROR(st);
  if (m->agent.empty()) m->agent = mode;
  if (m->error_name.empty() && m->error_status_code >= 0) m->error_name = "UnknownError";
  return Status::OK();
}

Status PartFields(od::document* docp, PartInfo* p) {
  od::document& doc = *docp;
  return ForDocFields(doc, [&](std::string_view k, od::value& v) -> Status {
    if (k == "type") {
      std::string t;
      AP_RETURN_IF_ERROR(GetStr(v, &t));
      p->type = ParsePartType(t);
      return Status::OK();
    }
    if (k == "id") return GetStr(v, &p->id);
    if (k == "messageID") return GetStr(v, &p->message_id);
    if (k == "sessionID") return GetStr(v, &p->session_id);
    if (k == "tool") return GetStr(v, &p->tool);
    if (k == "callID") return GetStr(v, &p->call_id);
    if (k == "cost") return GetNum(v, &p->cost);
    if (k == "tokens") return GetTokens(v, &p->tokens);
    if (k == "auto") return GetBool(v, &p->is_auto);
    if (k == "overflow") {
      if (IsNull(v)) return Status::OK();
      p->has_overflow = true;
      return GetBool(v, &p->overflow);
    }
    if (k == "state") {
      if (IsNull(v)) return Status::OK();
      return ForFields(v, [&](std::string_view sk, od::value& x) -> Status {
        if (sk == "status") return GetStr(x, &p->status);
        if (sk == "output") {
          od::json_type t;
          OC_TRY(x.type().get(t));
          if (t != od::json_type::string) return Status::OK();
          std::string_view out;
          OC_TRY(x.get_string().get(out));
          p->output_chars = Utf16Length(out);
          return Status::OK();
        }
        if (sk == "time") {
          if (IsNull(x)) return Status::OK();
          return ForFields(x, [&](std::string_view tk, od::value& y) -> Status {
            if (tk == "start") return GetInt(y, &p->start_ms);
            if (tk == "end") return GetInt(y, &p->end_ms);
            return Status::OK();
          });
        }
        if (sk == "metadata") {
          od::json_type t;
          OC_TRY(x.type().get(t));
          if (t != od::json_type::object) return Status::OK();
          return ForFields(x, [&](std::string_view mk, od::value& y) -> Status {
            if (mk == "sessionId") {
              od::json_type yt;
              OC_TRY(y.type().get(yt));
              return yt == od::json_type::string ? GetStr(y, &p->child_session_id) : Status::OK();
            }
            if (mk == "exit") {
              od::json_type yt;
              OC_TRY(y.type().get(yt));
              if (yt != od::json_type::number) return Status::OK();
              p->has_exit = true;
              return GetNum(y, &p->exit);
            }
            return Status::OK();
          });
        }
        return Status::OK();
      });
    }
    return Status::OK();
  });
}

}  // namespace

Status ObjectParser::ParseSession(std::string_view json, SessionInfo* s) {
  od::document doc;
  AP_RETURN_IF_ERROR(impl_->Start(json, &doc));
  return ForDocFields(doc, [&](std::string_view k, od::value& v) -> Status {
    if (k == "id") return GetStr(v, &s->id);
    if (k == "parentID") return GetStr(v, &s->parent_id);
    if (k == "projectID") return GetStr(v, &s->project_id);
    if (k == "agent") return GetStr(v, &s->agent);
    if (k == "version") return GetStr(v, &s->version);
    if (k == "cost") return GetNum(v, &s->cost);
    if (k == "tokens") return GetTokens(v, &s->tokens);
    if (k == "model") {
      if (IsNull(v)) return Status::OK();
      return ForFields(v, [&](std::string_view mk, od::value& x) -> Status {
        if (mk == "id") return GetStr(x, &s->model_id);
        if (mk == "providerID") return GetStr(x, &s->provider_id);
        return Status::OK();
      });
    }
    if (k == "time") {
      if (IsNull(v)) return Status::OK();
      return ForFields(v, [&](std::string_view tk, od::value& x) -> Status {
        if (tk == "created") return GetInt(x, &s->time_created);
        if (tk == "updated") return GetInt(x, &s->time_updated);
        return Status::OK();
      });
    }
    return Status::OK();
  });
}

Status ObjectParser::ParseModel(std::string_view json, std::string* model_id, std::string* provider_id) {
  od::document doc;
  AP_RETURN_IF_ERROR(impl_->Start(json, &doc));
  return ForDocFields(doc, [&](std::string_view k, od::value& v) -> Status {
    if (k == "id") return GetStr(v, model_id);
    if (k == "providerID") return GetStr(v, provider_id);
    return Status::OK();
  });
}

}  // namespace agentperf::ingest::opencode
