// SpoolDrainer: sends the files the OpenCode plugin spools at exit (events it
// could not deliver: collector down or slow, or a short `opencode run` that
// ended first; integrations/opencode/agentperf.js, docs/opencode-plugin.md)
// to a collector's POST /v1/events, so that they arrive even when no later
// plugin start drains them.
//
// The protocol is the plugin's own, so a plugin and a drainer can work on
// the same folder: a spool file is `<name>.ndjson`; a drainer claims it by
// renaming it to `<name>.ndjson.sending-<pid>` (atomic: one winner), deletes
// it after a 200, and renames it back after a 503 or a network error (sent
// again later). A claim whose pid is dead is taken back. A file the
// collector refuses (400) is renamed to `<name>.ndjson.rejected` and kept for
// a human, never retried. Events are sent through the HTTP API, not into
// the store directly, so they take exactly the path of live events
// (validation, the OTLP join, dedup by stable id: sending twice is harmless).
//
// Thread-safety: DrainOnce from one thread at a time; Start/Stop own a
// background thread that calls it every `interval_ms`.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace agentperf::ingest::opencode {

struct SpoolDrainOptions {
  std::string dir;         // the plugin's spool folder
  std::string url;         // collector base URL, e.g. http://127.0.0.1:7420
  std::string token;       // bearer token, if the collector needs one
  int interval_ms = 10000;
};

struct SpoolDrainCounts {
  uint64_t files_sent = 0;
  uint64_t events_sent = 0;  // lines in the files sent (accepted or duplicates)
  uint64_t files_rejected = 0;
  uint64_t files_retry = 0;  // collector unavailable: left for the next round
};

// The default spool folder of the plugin: $XDG_STATE_HOME/agentperf/spool,
// else ~/.local/state/agentperf/spool.
std::string DefaultSpoolDir();

class SpoolDrainer {
 public:
  explicit SpoolDrainer(SpoolDrainOptions options);
  ~SpoolDrainer();  // stops the thread
  SpoolDrainer(const SpoolDrainer&) = delete;
  SpoolDrainer& operator=(const SpoolDrainer&) = delete;

  // One pass over the folder. A missing folder is not an error.
  Result<SpoolDrainCounts> DrainOnce();
  // Runs DrainOnce now and then every interval_ms until Stop.
  void Start();
  void Stop();
  // Totals over all passes so far.
  SpoolDrainCounts totals() const;

 private:
  void Loop();
  SpoolDrainOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  SpoolDrainCounts totals_;
  std::thread thread_;
};

}  // namespace agentperf::ingest::opencode
