// SpanBuilder: the one mapping from OpenCode's stored objects to agentperf
// spans (docs/import.md, "Mapping"; design §1). Both importers (opencode.db
// and the legacy storage/ tree) hand it one session at a time: the session
// row and all its messages and parts. It appends the session's *terminal*
// spans to a batch: session (only when the session is settled), turn,
// llm_call (one per assistant message), tool_call (completed/error tool
// parts), compaction. Every span's id is SpanEventId(kind, session id, span
// id) with OpenCode's own ids, so the importer, the plugin and the SSE
// watcher derive the same ids. Events that would break a limit of
// docs/events.md are counted and left out.
//
// Thread-safety: not thread-safe (keeps counters); one per import.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "event/event.h"
#include "event/fields.h"
#include "ingest/opencode/objects.h"

namespace agentperf::ingest::opencode {

struct SessionUnit {
  SessionInfo session;
  std::vector<MessageInfo> messages;  // any order
  std::vector<PartInfo> parts;        // any order; message_id set
};

enum class SessionState : uint8_t {
  kSettled,    // everything finished and older than the settle time: all spans, including the session
  kUnsettled,  // something unfinished: its terminal spans, no session span
  kActive,     // updated within the settle time: skipped entirely (the live sources own it)
};

struct BuildOptions {
  int64_t now_ms = 0;
  int64_t settle_ms = 30000;
  std::string source = "import";
  event::Limits limits;
};

struct BuildCounts {
  std::array<uint64_t, event::kNumKinds> by_kind{};
  uint64_t rejected = 0;       // events left out by CheckEvent
  std::string first_rejected;  // "<kind> <span id>: <reason>"
  Tokens llm_tokens;           // summed over the llm_call events built
  double llm_cost = 0;
  int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;  // start times of the events built
};

class SpanBuilder {
 public:
  explicit SpanBuilder(BuildOptions options);

  // Appends the unit's spans to *out (sorting the unit's vectors in place).
  SessionState Build(SessionUnit* unit, event::EventBatch* out);

  const BuildCounts& counts() const { return counts_; }

 private:
  class Draft;
  void Emit(Draft& d, event::EventBatch* out);

  BuildOptions options_;
  BuildCounts counts_;
};

}  // namespace agentperf::ingest::opencode
