// ChatRequest: what the simulated model reads from one OpenAI-style
// POST /v1/chat/completions request (as OpenCode's @ai-sdk/openai-compatible
// sends it, docs/simulate.md): the model, stream flags, the messages' roles and
// texts, the offered tools, the session headers, and the derived facts the
// script needs (step, turn, system prompt, last user text).
// Thread-safety: a value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "server/http_types.h"

namespace agentperf::sim {

struct ChatMessage {
  std::string role;  // system, user, assistant, tool
  std::string text;  // string content, or the text parts joined with "\n"
  int tool_calls = 0;
};

struct ChatRequest {
  std::string model;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::vector<ChatMessage> messages;
  std::vector<std::string> tool_names;  // the offered tools (empty: none)
  uint64_t prompt_bytes = 0;            // bytes of the minified `messages` and `tools` JSON
  std::string session_id;               // x-session-affinity (else a stand-in, see below)
  std::string parent_session_id;        // x-parent-session-id

  // Derived from the messages.
  int step = 0;  // assistant messages after the last user message
  int turn = 0;  // user messages
  bool has_tools() const { return !tool_names.empty(); }
  bool OffersTool(std::string_view name) const;
  std::string SystemText() const;  // every system message, joined with "\n"
  std::string_view LastUserText() const;
};

// Parses the body; InvalidArgument for a body that is not a chat request
// (no JSON object, no `messages` array, a message without a role).
// When there is no x-session-affinity header, the session is "anon-" plus a
// hash of the first user message, so one conversation still maps to one
// session.
Result<ChatRequest> ParseChatRequest(std::string_view body, const server::HttpRequest& http);

}  // namespace agentperf::sim
