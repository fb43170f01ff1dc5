#include "sim/chunks.h"

#include "core/json_writer.h"

namespace agentperf::sim {

namespace {

// Starts a chunk object up to (and including) the "choices" key.
void BeginChunk(JsonWriter& w, const ChunkContext& ctx) {
  w.BeginObject()
      .Field("id", ctx.id)
      .Field("object", "chat.completion.chunk")
      .Field("created", ctx.created)
      .Field("model", ctx.model)
      .Key("choices");
}

void AppendEvent(std::string* out, const std::string& json) {
  out->append("data: ");
  out->append(json);
  out->append("\n\n");
}

// One chunk whose single choice has `delta` (already JSON) and finish_reason.
std::string DeltaChunk(const ChunkContext& ctx, std::string_view delta_json, std::string_view finish_reason) {
  JsonWriter w;
  BeginChunk(w, ctx);
  w.BeginArray().BeginObject().Field("index", 0).Key("delta").Raw(delta_json).Key("finish_reason");
  if (finish_reason.empty()) {
    w.Null();
  } else {
    w.String(finish_reason);
  }
  w.EndObject().EndArray().EndObject();
  return w.Take();
}

std::string ToolStartDelta(int index, const PlannedToolCall& call) {
  JsonWriter w;
  w.BeginObject().Key("tool_calls").BeginArray().BeginObject().Field("index", index).Field("id", call.id);
  w.Field("type", "function").Key("function").BeginObject().Field("name", call.name).Field("arguments", "");
  w.EndObject().EndObject().EndArray().EndObject();
  return w.Take();
}

std::string ToolArgsDelta(int index, std::string_view args) {
  JsonWriter w;
  w.BeginObject().Key("tool_calls").BeginArray().BeginObject().Field("index", index);
  w.Key("function").BeginObject().Field("arguments", args).EndObject();
  w.EndObject().EndArray().EndObject();
  return w.Take();
}

std::string TextDelta(std::string_view text) {
  JsonWriter w;
  w.BeginObject().Field("content", text).EndObject();
  return w.Take();
}

}  // namespace

std::string UsageJson(const Usage& u) {
  JsonWriter w;
  w.BeginObject()
      .Field("prompt_tokens", u.prompt_tokens)
      .Field("completion_tokens", u.completion_tokens)
      .Field("total_tokens", u.total_tokens())
      .Key("prompt_tokens_details")
      .BeginObject()
      .Field("cached_tokens", u.cached_tokens)
      .EndObject()
      .Key("completion_tokens_details")
      .BeginObject()
      .Field("reasoning_tokens", int64_t{0})
      .EndObject()
      .EndObject();
  return w.Take();
}

std::string FormatEmission(const ChunkContext& ctx, const ResponsePlan& plan, const Emission& e, bool include_usage) {
  std::string out;
  const auto& pieces = e.pieces;
  for (size_t i = 0; i < pieces.size();) {
    const Piece& p = pieces[i];
    switch (p.kind) {
      case Piece::Kind::kRole:
        AppendEvent(&out, DeltaChunk(ctx, R"({"role":"assistant","content":""})", {}));
        ++i;
        break;
      case Piece::Kind::kText: {
        std::string text;
        while (i < pieces.size() && pieces[i].kind == Piece::Kind::kText) text += pieces[i++].data;
        AppendEvent(&out, DeltaChunk(ctx, TextDelta(text), {}));
        break;
      }
      case Piece::Kind::kToolStart:
        AppendEvent(&out, DeltaChunk(ctx, ToolStartDelta(p.tool, plan.tool_calls.at(static_cast<size_t>(p.tool))), {}));
        ++i;
        break;
      case Piece::Kind::kToolArgs: {
        std::string args;
        const int tool = p.tool;
        while (i < pieces.size() && pieces[i].kind == Piece::Kind::kToolArgs && pieces[i].tool == tool) {
          args += pieces[i++].data;
        }
        AppendEvent(&out, DeltaChunk(ctx, ToolArgsDelta(tool, args), {}));
        break;
      }
    }
  }
  if (e.last) {
    AppendEvent(&out, DeltaChunk(ctx, "{}", plan.finish_reason));
    if (include_usage) {
      JsonWriter w;
      BeginChunk(w, ctx);
      w.BeginArray().EndArray().Key("usage").Raw(UsageJson(plan.usage)).EndObject();
      AppendEvent(&out, w.Take());
    }
    out.append("data: [DONE]\n\n");
  }
  return out;
}

std::string CompletionJson(const ChunkContext& ctx, const ResponsePlan& plan) {
  JsonWriter w;
  w.BeginObject()
      .Field("id", ctx.id)
      .Field("object", "chat.completion")
      .Field("created", ctx.created)
      .Field("model", ctx.model)
      .Key("choices")
      .BeginArray()
      .BeginObject()
      .Field("index", 0)
      .Key("message")
      .BeginObject()
      .Field("role", "assistant")
      .Key("content");
  if (plan.text.empty()) {
    w.Null();
  } else {
    w.String(plan.text);
  }
  if (!plan.tool_calls.empty()) {
    w.Key("tool_calls").BeginArray();
    for (const auto& c : plan.tool_calls) {
      w.BeginObject().Field("id", c.id).Field("type", "function").Key("function").BeginObject();
      w.Field("name", c.name).Field("arguments", c.args_json).EndObject().EndObject();
    }
    w.EndArray();
  }
  w.EndObject().Field("finish_reason", plan.finish_reason).EndObject().EndArray();
  w.Key("usage").Raw(UsageJson(plan.usage)).EndObject();
  return w.Take();
}

std::string ErrorJson(int status, std::string_view message) {
  std::string_view type = "server_error", code = "server_error";
  if (status == 429) {
    type = "rate_limit_error";
    code = "rate_limit_exceeded";
  } else if (status == 400) {
    type = code = "invalid_request_error";
  } else if (status == 404) {
    type = "invalid_request_error";
    code = "not_found";
  } else if (status == 503 || status == 529) {
    type = code = "overloaded_error";
  }
  JsonWriter w;
  w.BeginObject().Key("error").BeginObject().Field("message", message).Field("type", type).Field("code", code);
  w.EndObject().EndObject();
  return w.Take();
}

std::string ModelsJson(const SimConfig& config) {
  JsonWriter w;
  w.BeginObject().Field("object", "list").Key("data").BeginArray();
  for (const auto& m : config.models) {
    if (m.name == "*") continue;
    w.BeginObject().Field("id", m.name).Field("object", "model").Field("created", int64_t{0});
    w.Field("owned_by", "agentperf-sim").EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace agentperf::sim
