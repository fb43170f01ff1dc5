#include "sim/chat_request.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "core/hash.h"

namespace agentperf::sim {

namespace {

namespace dom = simdjson::dom;

// By value: a range-for over `x.get_array().value_unsafe()` would iterate a
// reference into a destroyed temporary.
dom::array AsArray(dom::element e) {
  return e.get_array().value_unsafe();
}

// String content, or the "text" of each {"type":"text"} part joined with "\n".
std::string ContentText(dom::element content) {
  if (content.is_string()) return std::string(content.get_string().value_unsafe());
  std::string out;
  if (!content.is_array()) return out;
  for (auto part : AsArray(content)) {
    if (!part.is_object()) continue;
    auto text = part["text"];
    if (text.error() || !text.value_unsafe().is_string()) continue;
    if (!out.empty()) out += '\n';
    out += text.value_unsafe().get_string().value_unsafe();
  }
  return out;
}

}  // namespace

bool ChatRequest::OffersTool(std::string_view name) const {
  for (const auto& t : tool_names) {
    if (t == name) return true;
  }
  return false;
}

std::string ChatRequest::SystemText() const {
  std::string out;
  for (const auto& m : messages) {
    if (m.role != "system") continue;
    if (!out.empty()) out += '\n';
    out += m.text;
  }
  return out;
}

std::string_view ChatRequest::LastUserText() const {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->role == "user") return it->text;
  }
  return {};
}

Result<ChatRequest> ParseChatRequest(std::string_view body, const server::HttpRequest& http) {
  dom::parser parser;
  dom::element root;
  auto err = parser.parse(body.data(), body.size()).get(root);
  if (err) return Status::InvalidArgument(fmt::format("body is not valid JSON: {}", simdjson::error_message(err)));
  if (!root.is_object()) return Status::InvalidArgument("body must be a JSON object");
  ChatRequest r;
  dom::object obj = root.get_object().value_unsafe();
  if (auto m = obj["model"]; !m.error() && m.value_unsafe().is_string()) {
    r.model = std::string(m.value_unsafe().get_string().value_unsafe());
  }
  if (auto s = obj["stream"]; !s.error() && s.value_unsafe().is_bool())
    r.stream = s.value_unsafe().get_bool().value_unsafe();
  if (auto so = obj["stream_options"]; !so.error() && so.value_unsafe().is_object()) {
    auto iu = so.value_unsafe()["include_usage"];
    if (!iu.error() && iu.value_unsafe().is_bool()) r.include_usage = iu.value_unsafe().get_bool().value_unsafe();
  }
  auto msgs = obj["messages"];
  if (msgs.error() || !msgs.value_unsafe().is_array()) {
    return Status::InvalidArgument("body needs a \"messages\" array");
  }
  r.prompt_bytes += simdjson::minify(msgs.value_unsafe()).size();
  size_t i = 0;
  for (auto m : AsArray(msgs.value_unsafe())) {
    if (!m.is_object()) return Status::InvalidArgument(fmt::format("messages[{}] must be an object", i));
    ChatMessage cm;
    auto role = m["role"];
    if (role.error() || !role.value_unsafe().is_string()) {
      return Status::InvalidArgument(fmt::format("messages[{}] needs a string \"role\"", i));
    }
    cm.role = std::string(role.value_unsafe().get_string().value_unsafe());
    if (auto c = m["content"]; !c.error()) cm.text = ContentText(c.value_unsafe());
    if (auto tc = m["tool_calls"]; !tc.error() && tc.value_unsafe().is_array()) {
      cm.tool_calls = static_cast<int>(tc.value_unsafe().get_array().value_unsafe().size());
    }
    r.messages.push_back(std::move(cm));
    ++i;
  }
  if (auto tools = obj["tools"]; !tools.error() && tools.value_unsafe().is_array()) {
    r.prompt_bytes += simdjson::minify(tools.value_unsafe()).size();
    for (auto t : AsArray(tools.value_unsafe())) {
      auto name = t.at_pointer("/function/name");
      if (!name.error() && name.value_unsafe().is_string()) {
        r.tool_names.emplace_back(name.value_unsafe().get_string().value_unsafe());
      } else {
        r.tool_names.emplace_back();  // a tool we cannot name still counts as offered
      }
    }
  }
  for (const auto& m : r.messages) {
    if (m.role == "user") {
      ++r.turn;
      r.step = 0;
    } else if (m.role == "assistant") {
      ++r.step;
    }
  }
  r.session_id = std::string(http.Header("x-session-affinity"));
  r.parent_session_id = std::string(http.Header("x-parent-session-id"));
  if (r.session_id.empty()) {
    std::string_view first_user;
    for (const auto& m : r.messages) {
      if (m.role == "user") {
        first_user = m.text;
        break;
      }
    }
    r.session_id = fmt::format("anon-{:016x}", Hash64(first_user));
  }
  return r;
}

}  // namespace agentperf::sim
