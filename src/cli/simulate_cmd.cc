// agentperf simulate llm --config FILE [--listen 127.0.0.1:PORT] [--port-file F] [--log FILE]
// The simulated OpenAI-compatible model (docs/simulate.md): runs until
// SIGINT or SIGTERM.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/log.h"
#include "sim/config.h"
#include "sim/sim_server.h"

namespace agentperf::cli {

namespace {

// Writes `text` to `path` through a temporary file and a rename, so that a
// reader polling for the file never sees it half-written.
Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return Status::IOError(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return Status::IOError(fmt::format("cannot write {}", tmp));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError(fmt::format("cannot rename {} to {}: {}", tmp, path, std::strerror(errno)));
  }
  return Status::OK();
}

}  // namespace

std::function<int()> SetupSimulate(CLI::App* cmd) {
  struct Opts {
    std::string config;
    sim::SimServerOptions server;
    std::string port_file;
    std::string log_level;
  };
  auto o = std::make_shared<Opts>();
  cmd->require_subcommand(1);
  CLI::App* llm = cmd->add_subcommand(
      "llm",
      "serve a simulated OpenAI-compatible chat-completions model (SSE, tool calls, usage with cached tokens) with "
      "scripted agents and configurable latency, throughput and failures");
  llm->add_option("--config", o->config, "the simulation config (JSON; see docs/simulate.md)")->required();
  llm->add_option("--listen", o->server.listen, "loopback address HOST:PORT to listen on; port 0 picks a free one")
      ->capture_default_str();
  llm->add_option("--port-file", o->port_file, "write the port to this file once listening");
  llm->add_option("--log", o->server.log_path, "append one NDJSON line per chat request to this file");
  llm->add_option("--threads", o->server.threads, "HTTP I/O threads")->capture_default_str();
  llm->add_option("--log-level", o->log_level, "debug, info, warn or error (default: $AGENTPERF_LOG or info)");
  return [o]() -> int {
    if (!o->log_level.empty()) {
      log::Level l;
      if (!log::ParseLevel(o->log_level, &l)) return Fail(Status::InvalidArgument("bad --log-level " + o->log_level));
      log::SetLevel(l);
    }
    auto config = sim::LoadConfig(o->config);
    if (!config.ok()) return Fail(config.status());
    // Block the stop signals in every thread; the main thread waits for them.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
    const size_t agents = config->agents.size(), models = config->models.size();
    auto srv = sim::SimServer::Start(std::move(config).value(), o->server);
    if (!srv.ok()) return Fail(srv.status());
    if (!o->port_file.empty()) {
      Status st = WriteFileAtomically(o->port_file, fmt::format("{}\n", (*srv)->port()));
      if (!st.ok()) return Fail(st);
    }
    fmt::print("agentperf simulate llm: listening on {} ({} models, {} agents){}\n", (*srv)->url(), models, agents,
               o->server.log_path.empty() ? "" : fmt::format(", log {}", o->server.log_path));
    std::fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    log::Info("sim", "signal {}: shutting down", sig);
    (*srv)->Stop();
    return 0;
  };
}

}  // namespace agentperf::cli
