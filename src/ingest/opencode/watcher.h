// Watcher: follows `opencode serve`'s GET /global/event (docs/watch.md,
// design §5) and stores the spans LiveState derives from it through an
// EventSink (importer.h: the local store, a server, or serve's own store).
//
//  * Connection: net::StreamGet + SseParser; Basic auth when configured.
//  * Reconnect with backoff: backoff_initial_ms doubling up to
//    backoff_max_ms, ±jitter, back to the start after a connection that
//    lasted backoff_reset_after_ms. A failed GET /global/health (every
//    health_interval_ms) forces a reconnect. 401/403 end Run with the error.
//  * Gap repair on every (re)connect, before the stream's events are read:
//    GET /session/status (busy sessions), GET /experimental/session (falls
//    back to GET /session) for sessions updated since the last disconnect
//    − 5 s (first connect: since_ms ago), then GET /session/{id}/message
//    for each, fed to LiveState::Repair. Spans already sent are not sent again.
//  * Batches go to the sink every flush_interval_ms (at most batch_max events
//    each); a failing sink keeps them (up to max_pending) and retries.
//  * Stop() makes Run return after a final flush (session spans of idle
//    sessions, the pending batch, sink->Finish()).
//
// Thread-safety: Run on one thread; Stop (async-signal-safe) and status()
// from any thread. The sink and on_status are called on Run's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "ingest/opencode/importer.h"
#include "ingest/opencode/live_state.h"
#include "net/url.h"

namespace agentperf::ingest::opencode {

struct WatchOptions {
  net::Url url;               // opencode serve, e.g. http://127.0.0.1:4096
  std::string authorization;  // Authorization header value ("" = none)
  LiveOptions live;           // live.directory filters instances
  int64_t since_ms = 10 * 60 * 1000;
  bool gap_repair = true;
  int64_t backoff_initial_ms = 250, backoff_max_ms = 30000, backoff_reset_after_ms = 60000;
  double jitter = 0.2;
  int64_t health_interval_ms = 30000;
  int64_t flush_interval_ms = 1000;
  int64_t status_interval_ms = 1000;
  size_t batch_max = 1000;
  size_t max_pending = 100000;
  int connect_timeout_ms = 5000;
  int request_timeout_ms = 30000;  // gap repair and health requests
  uint64_t seed = 0;               // jitter PRNG; 0 = from the clock
  std::function<int64_t()> clock;  // wall clock in ms; default: the system clock
};

struct WatchStatus {
  std::string url;
  bool connected = false;
  bool stopped = false;  // Run has returned
  uint64_t connects = 0, reconnects = 0;
  uint64_t events = 0;                  // SSE payloads
  uint64_t spans = 0;                   // spans derived
  uint64_t stored = 0, duplicates = 0;  // as the sink reported
  uint64_t dropped = 0;                 // spans dropped because the sink failed too long
  uint64_t sink_errors = 0, repair_errors = 0;
  uint64_t repaired_sessions = 0;
  int64_t gap_ms = 0;      // time spent disconnected (events in it are repaired, permission/retry lost)
  int64_t backoff_ms = 0;  // current wait before reconnecting (0 while connected)
  std::string last_error;
};

class Watcher {
 public:
  Watcher(WatchOptions options, EventSink* sink);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Blocks until Stop() (OK) or a permanent error (401/403).
  Status Run();
  void Stop() { stop_.store(true, std::memory_order_relaxed); }
  WatchStatus status() const;
  // Called on Run's thread every status_interval_ms and at state changes.
  void set_on_status(std::function<void(const WatchStatus&)> fn);

 private:
  struct Impl;
  std::atomic<bool> stop_{false};
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentperf::ingest::opencode
