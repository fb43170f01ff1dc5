// agentperf's own servers as child processes, for the drivers of the real
// opencode (`agentperf demo`, `agentperf bench plugin`, the e2e tests):
//  * SimChild: `agentperf simulate llm --config <dir>/sim.json` on a free
//    loopback port (read from --port-file), request log <dir>/sim.ndjson.
//  * ServeChild: `agentperf serve --data DIR --listen 127.0.0.1:0`
//    plus extra arguments; the port is read from its log line
//    "listening on http://127.0.0.1:PORT".
// Start waits until the server answers (at most 15 s / 30 s) and reports what
// the child printed if it does not. The destructors stop the children.
// Thread-safety: one thread per object.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "drive/child_process.h"

namespace agentperf::drive {

class SimChild {
 public:
  // `binary`: the agentperf executable.
  Status Start(const std::string& binary, const std::string& dir, const std::string& config_json);
  uint16_t port() const { return port_; }
  std::string base_url() const;  // http://127.0.0.1:PORT/v1
  std::string log_path() const { return dir_ + "/sim.ndjson"; }
  std::vector<std::string> LogLines() const;  // the request log, one JSON object per line
  int Stop();                                 // SIGTERM; the exit status
  std::string stderr_text() const { return child_ ? child_->err() : ""; }

 private:
  std::string dir_;
  std::unique_ptr<Child> child_;
  uint16_t port_ = 0;
};

class ServeChild {
 public:
  // Logs go to `dir`; the store to `data_dir` (default <dir>/data).
  Status Start(const std::string& binary, const std::string& dir, const std::vector<std::string>& extra_args = {},
               const std::string& data_dir = "");
  uint16_t port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:PORT
  const std::string& data() const { return data_; }
  std::string log() const { return child_ ? child_->err() : ""; }
  int Stop();  // SIGTERM (a clean shutdown); the exit status

 private:
  std::string dir_, data_;
  std::unique_ptr<Child> child_;
  uint16_t port_ = 0;
};

}  // namespace agentperf::drive
