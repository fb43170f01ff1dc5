// Helpers of the simulated-model tests: building chat requests the way
// OpenCode sends them, and reading an SSE answer back into its parts.
#pragma once

#include <fmt/format.h>
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_writer.h"

namespace agentperf::sim::testing {

struct Msg {
  std::string role;
  std::string text;
  int tool_calls = 0;  // assistant: this many tool calls (content null)
};

// A chat request body like OpenCode's: user content as a text-part array,
// assistant tool calls with null content, tool results as strings.
inline std::string ChatBody(const std::vector<Msg>& msgs, const std::vector<std::string>& tools, bool stream = true,
                            const std::string& model = "sim-large") {
  JsonWriter w;
  w.BeginObject().Field("model", model).Field("max_tokens", 4096);
  w.Key("messages").BeginArray();
  int call = 0;
  for (const auto& m : msgs) {
    w.BeginObject().Field("role", m.role);
    if (m.role == "user") {
      w.Key("content").BeginArray().BeginObject().Field("type", "text").Field("text", m.text).EndObject().EndArray();
    } else if (m.role == "assistant" && m.tool_calls > 0) {
      w.Key("content").Null().Key("tool_calls").BeginArray();
      for (int i = 0; i < m.tool_calls; ++i) {
        w.BeginObject().Field("id", fmt::format("c{}", call++)).Field("type", "function");
        w.Key("function").BeginObject().Field("name", "bash").Field("arguments", "{}").EndObject().EndObject();
      }
      w.EndArray();
    } else if (m.role == "tool") {
      w.Field("tool_call_id", "c0").Field("content", m.text);
    } else {
      w.Field("content", m.text);
    }
    w.EndObject();
  }
  w.EndArray();
  if (!tools.empty()) {
    w.Key("tools").BeginArray();
    for (const auto& t : tools) {
      w.BeginObject().Field("type", "function").Key("function").BeginObject().Field("name", t);
      w.Field("description", "a tool").Key("parameters").Raw(R"({"type":"object","properties":{}})");
      w.EndObject().EndObject();
    }
    w.EndArray();
  }
  w.Field("stream", stream);
  if (stream) w.Key("stream_options").Raw(R"({"include_usage":true})");
  w.EndObject();
  return w.Take();
}

inline const std::vector<std::string>& OpencodeTools() {
  static const std::vector<std::string> kTools = {"bash",  "edit", "glob",      "grep",     "read",
                                                  "skill", "task", "todowrite", "webfetch", "write"};
  return kTools;
}

// The `data:` payloads of an SSE body, in order.
inline std::vector<std::string> SseData(std::string_view body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view ev = body.substr(pos, end - pos);
    if (ev.substr(0, 6) == "data: ") out.emplace_back(ev.substr(6));
    pos = end + 2;
  }
  return out;
}

struct ToolCall {
  std::string id, name, args;
};

// An SSE answer put back together, as a client would.
struct Answer {
  bool done = false;        // ended with [DONE]
  bool well_formed = true;  // every chunk parsed and carried the same id
  std::string id;
  std::string role;
  std::string text;
  std::vector<ToolCall> tools;
  std::string finish_reason;
  std::optional<int64_t> prompt_tokens, completion_tokens, cached_tokens, total_tokens;
  size_t chunks = 0;
};

inline Answer Reassemble(std::string_view body) {
  Answer a;
  simdjson::dom::parser parser;
  for (const auto& d : SseData(body)) {
    if (d == "[DONE]") {
      a.done = true;
      continue;
    }
    if (a.done) a.well_formed = false;  // data after [DONE]
    ++a.chunks;
    simdjson::dom::element e;
    if (parser.parse(d).get(e) != simdjson::SUCCESS) {
      a.well_formed = false;
      continue;
    }
    std::string_view id;
    if (e["id"].get(id) == simdjson::SUCCESS) {
      if (a.id.empty()) a.id = std::string(id);
      if (a.id != id) a.well_formed = false;
    }
    if (std::string_view obj; e["object"].get(obj) != simdjson::SUCCESS || obj != "chat.completion.chunk") {
      a.well_formed = false;
    }
    simdjson::dom::array choices;
    if (e["choices"].get(choices) != simdjson::SUCCESS) {
      a.well_formed = false;
      continue;
    }
    for (auto c : choices) {
      simdjson::dom::element delta;
      if (c["delta"].get(delta) == simdjson::SUCCESS) {
        std::string_view s;
        if (delta["role"].get(s) == simdjson::SUCCESS) a.role = std::string(s);
        if (delta["content"].get(s) == simdjson::SUCCESS) a.text += s;
        simdjson::dom::array tcs;
        if (delta["tool_calls"].get(tcs) == simdjson::SUCCESS) {
          for (auto tc : tcs) {
            int64_t index = -1;
            if (tc["index"].get(index) != simdjson::SUCCESS || index < 0) {
              a.well_formed = false;
              continue;
            }
            if (static_cast<size_t>(index) >= a.tools.size()) a.tools.resize(static_cast<size_t>(index) + 1);
            ToolCall& t = a.tools[static_cast<size_t>(index)];
            if (tc["id"].get(s) == simdjson::SUCCESS) t.id = std::string(s);
            if (tc.at_pointer("/function/name").get(s) == simdjson::SUCCESS) t.name = std::string(s);
            if (tc.at_pointer("/function/arguments").get(s) == simdjson::SUCCESS) t.args += s;
          }
        }
      }
      std::string_view fr;
      if (c["finish_reason"].get(fr) == simdjson::SUCCESS) a.finish_reason = std::string(fr);
    }
    simdjson::dom::element usage;
    if (e["usage"].get(usage) == simdjson::SUCCESS) {
      int64_t v;
      if (usage["prompt_tokens"].get(v) == simdjson::SUCCESS) a.prompt_tokens = v;
      if (usage["completion_tokens"].get(v) == simdjson::SUCCESS) a.completion_tokens = v;
      if (usage["total_tokens"].get(v) == simdjson::SUCCESS) a.total_tokens = v;
      if (usage.at_pointer("/prompt_tokens_details/cached_tokens").get(v) == simdjson::SUCCESS) a.cached_tokens = v;
    }
  }
  return a;
}

}  // namespace agentperf::sim::testing
