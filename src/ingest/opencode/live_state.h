// LiveState: the state machine of the SSE watcher (docs/watch.md; design
// §3.3, §3.4, §5.3). It consumes the `data` payloads of `opencode serve`'s
// event stream, keeps sessions, messages, parts, pending permissions and
// tool waits in memory, and appends *terminal* spans to a batch, each once:
//  * session, turn, llm_call, tool_call and compaction come from the shared
//    SpanBuilder run over the session's current objects, so they equal the
//    importer's records field for field (tool_calls that waited for a
//    permission get the live-only adjustment of live_spans.h);
//  * permission_wait and retry come from live_spans.h.
// Emission moments (design §1.1): tool_call when its part is completed/error;
// llm_call when its message has time.completed (an error without completion:
// at idle); turn at idle or when a newer user message exists; compaction when
// its summary step completes; the session span once, at the first
// session.updated after session.idle, or `finalize_after_idle_ms` after the
// idle (Tick), or at shutdown (FlushAll). `sync` duplicates are ignored (their
// seq is kept as MaxSeq). Intermediate states are never emitted.
//
// Times: OpenCode's own fields; permission and retry times are decoded from
// ids (id_time.h); a decoded time further than `clock_skew_ms` from `now_ms`
// is replaced by now_ms and marked attrs.time_src="clock".
//
// Thread-safety: not thread-safe; one per stream (the watcher's thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "event/event.h"
#include "event/fields.h"

namespace agentperf::ingest::opencode {

struct LiveOptions {
  std::string source = "sse";
  std::string directory;                     // only events of this instance directory ("" = all)
  int64_t finalize_after_idle_ms = 300;      // session span when no session.updated follows the idle
  int64_t clock_skew_ms = 10000;             // <= 0: always trust decoded id times
  size_t max_sessions = 2000;                // LRU bound
  int64_t forget_after_ms = 10 * 60 * 1000;  // finished sessions untouched this long are dropped
  event::Limits limits;
};

struct LiveStats {
  uint64_t events = 0;        // payloads handled (sync and filtered ones included)
  uint64_t sync = 0;          // `sync` duplicates skipped
  uint64_t filtered = 0;      // other directories
  uint64_t parse_errors = 0;  // payloads that were not the expected JSON
  uint64_t rejected = 0;      // spans left out by the limits of docs/events.md
  uint64_t spans[event::kNumKinds] = {};
  uint64_t forgotten = 0;  // sessions dropped by the bounds
  uint64_t sessions = 0;   // sessions in memory
  uint64_t SpansTotal() const {
    uint64_t n = 0;
    for (uint64_t s : spans) n += s;
    return n;
  }
};

class LiveState {
 public:
  explicit LiveState(LiveOptions options = {});
  ~LiveState();
  LiveState(const LiveState&) = delete;
  LiveState& operator=(const LiveState&) = delete;

  // One SSE data payload: {directory, project, payload:{id,type,properties}}
  // (/global/event) or {id,type,properties} (/event). Appends the spans it
  // completes to *out. Corruption (counted) for malformed JSON; unknown event
  // types are ignored.
  Status HandleData(std::string_view data, int64_t now_ms, event::EventBatch* out);

  // Timers: session spans of sessions idle for finalize_after_idle_ms; bounds.
  void Tick(int64_t now_ms, event::EventBatch* out);

  // Gap repair of one session (design §5.4): `session_json` is a Session
  // object (GET /session/{id} or an item of /experimental/session; may be
  // empty), `messages_json` the answer of GET /session/{id}/message
  // ([{info, parts}]). Objects replace what is known; terminal spans not yet
  // emitted are appended. `busy` = the session is working (from
  // /session/status): then turns in progress and the session span wait.
  Status Repair(std::string_view session_json, std::string_view messages_json, bool busy, int64_t now_ms,
                event::EventBatch* out);

  // Shutdown: the session span of every idle session still waiting for it.
  void FlushAll(int64_t now_ms, event::EventBatch* out);

  // The highest `sync` seq seen for a session (-1 = none).
  int64_t MaxSeq(std::string_view session_id) const;
  const LiveStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentperf::ingest::opencode
