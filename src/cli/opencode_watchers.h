// OpenCode event-stream watchers run inside another command:
//  * MakeWatchOptions: the options `watch opencode` and `serve
//    --watch-opencode` share (URL, basic auth from an environment variable,
//    directory filter, gap-repair window).
//  * OpencodeWatchers: `serve --watch-opencode URL` (repeatable): one
//    ingest::opencode::Watcher per URL, each on its own thread, sending to
//    the server's own POST /v1/events (so the spans take the path of every
//    live event: validation, the OTLP join, dedup by stable id), and their
//    state for GET /v1/status ("server.opencode_watch").
// Thread-safety: Start/Stop from one thread; WriteStatus from any thread.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/json_writer.h"
#include "core/status.h"
#include "ingest/opencode/watcher.h"
#include "net/http_client.h"

namespace agentperf::cli {

struct WatchFlags {
  std::string password_env = "OPENCODE_SERVER_PASSWORD";
  std::string directory;
  std::string since = "10m";
  bool no_repair = false;
};

// --password-env, --directory, --since, --no-repair.
void AddWatchFlags(CLI::App* cmd, WatchFlags* flags);
Result<ingest::opencode::WatchOptions> MakeWatchOptions(const std::string& url, const WatchFlags& flags);

class OpencodeWatchers {
 public:
  // REQUIRES: the server at self_url answers until Stop returns.
  static Result<std::unique_ptr<OpencodeWatchers>> Start(const std::vector<std::string>& urls, const WatchFlags& flags,
                                                         const std::string& self_url, const std::string& token);
  ~OpencodeWatchers();  // Stop()
  OpencodeWatchers(const OpencodeWatchers&) = delete;
  OpencodeWatchers& operator=(const OpencodeWatchers&) = delete;

  // Stops every watcher (each flushes what it holds) and joins the threads.
  void Stop();
  // A JSON array, one object per URL: url, connected, stopped, events,
  // spans, stored, duplicates, dropped, reconnects, gap_ms, last_error.
  void WriteStatus(JsonWriter& w) const;

 private:
  struct One;
  OpencodeWatchers() = default;
  std::vector<std::unique_ptr<One>> watchers_;
};

}  // namespace agentperf::cli
