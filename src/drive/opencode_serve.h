// `opencode serve` driven over its HTTP API (FACTS.md §4): OpencodeServe
// starts the real binary on a free loopback port in an OpencodeWorld and
// waits for GET /global/health; Call sends one request; PermissionSession
// runs one prompt whose tool needs a permission (the world's process must
// have OPENCODE_PERMISSION={"bash":"ask"}) and answers it after `delay`;
// Dispose asks opencode to dispose its instances (plugins flush), Stop ends it.
// Thread-safety: one thread per object.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "drive/child_process.h"
#include "drive/opencode_world.h"
#include "net/http_client.h"

namespace agentperf::drive {

class OpencodeServe {
 public:
  // Starts it with world.Env(extra_env); waits up to `timeout` for health.
  Status Start(const OpencodeWorld& world, const std::vector<std::string>& extra_env,
               std::chrono::seconds timeout = std::chrono::seconds(60));
  uint16_t port() const { return port_; }
  std::string url() const;
  // The answer's body when the status is < 300; nullopt otherwise (last() says why).
  std::optional<std::string> Call(const char* method, const std::string& path, const std::string& body = "");
  const std::string& last() const { return last_; }

  struct PermissionRun {
    std::string session_id, permission_id;
    double wait_ms = 0;  // from the prompt appearing to the reply
  };
  // Creates a session, sends `prompt` (prompt_async), waits for the
  // permission request, replies "once" after `delay`, waits until the
  // session is idle (at most `timeout`).
  Result<PermissionRun> PermissionSession(const std::string& prompt, std::chrono::milliseconds delay,
                                          std::chrono::seconds timeout = std::chrono::seconds(60));
  // POST /global/dispose, then SIGTERM; the exit status.
  int Stop();
  std::string stderr_text() const { return child_ ? child_->err() : ""; }

 private:
  std::unique_ptr<Child> child_;
  std::unique_ptr<net::HttpClient> client_;
  uint16_t port_ = 0;
  std::string last_;
};

}  // namespace agentperf::drive
