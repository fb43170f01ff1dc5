// agentperf watch opencode --url URL [--password-env VAR] [--directory D]
//                          [--since 10m] [--no-repair] [--quiet] [--data DIR | --server URL]
// Follows `opencode serve`'s event stream and stores its spans (docs/watch.md).
#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/event_sinks.h"
#include "cli/opencode_watchers.h"
#include "event/json_encoder.h"
#include "ingest/opencode/watcher.h"

namespace agentperf::cli {
namespace {

namespace oc = ingest::opencode;

std::atomic<oc::Watcher*> g_watcher{nullptr};

extern "C" void OnStopSignal(int) {
  if (oc::Watcher* w = g_watcher.load()) w->Stop();
}

std::string StatusLine(const oc::WatchStatus& s) {
  std::string state = s.stopped          ? "stopped"
                      : s.connected      ? "connected"
                      : s.backoff_ms > 0 ? fmt::format("reconnecting in {} ms", s.backoff_ms)
                                         : "connecting";
  return fmt::format(
      "watch opencode {} \u00b7 {} \u00b7 {} events \u00b7 {} spans ({} new, {} dup) \u00b7 {} reconnects", s.url,
      state, s.events, s.spans, s.stored, s.duplicates, s.reconnects);
}

}  // namespace

std::function<int()> SetupWatch(CLI::App* cmd) {
  struct Opts {
    std::string url;
    WatchFlags flags;
    Target target;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->require_subcommand(1);
  CLI::App* sub = cmd->add_subcommand(
      "opencode",
      "follow `opencode serve`'s event stream (/global/event) and store sessions, turns, LLM calls, tool calls, "
      "permission waits and retries as they finish (docs/watch.md); Ctrl-C stops after a final flush");
  sub->add_option("--url", o->url, "URL of `opencode serve` (e.g. http://127.0.0.1:4096)")->required();
  AddWatchFlags(sub, &o->flags);
  sub->add_flag("--quiet", o->quiet, "no status line");
  AddTargetOptions(sub, &o->target);
  return [o, sub]() -> int {
    if (!sub->parsed()) return 1;
    auto options = MakeWatchOptions(o->url, o->flags);
    if (!options.ok()) return Fail(options.status());
    oc::WatchOptions wo = std::move(options).value();

    std::unique_ptr<store::EmbeddedStore> local;
    std::unique_ptr<net::HttpClient> client;
    std::unique_ptr<oc::EventSink> sink;
    if (o->target.remote()) {
      auto c = ConnectServer(o->target);
      if (!c.ok()) return Fail(c.status());
      client = std::make_unique<net::HttpClient>(std::move(c).value());
      sink = std::make_unique<ServerSink>(client.get());
    } else {
      auto s = OpenLocalStore(o->target);
      if (!s.ok()) return Fail(s.status());
      local = std::move(s).value();
      sink = std::make_unique<LocalSink>(local.get());
    }
    oc::Watcher watcher(wo, sink.get());
    const bool tty = StderrIsTerminal();
    if (!o->quiet) {
      watcher.set_on_status([tty, last = std::string()](const oc::WatchStatus& s) mutable {
        std::string line = StatusLine(s);
        if (tty) {
          fmt::print(stderr, "\r\033[K{}", line);
        } else {
          // Not a terminal: one line per state change.
          std::string state = s.stopped ? "stopped" : s.connected ? "connected" : "disconnected";
          if (state != last) fmt::print(stderr, "{}\n", line);
          last = state;
          return;
        }
        last = line;
      });
    }
    g_watcher.store(&watcher);
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    struct sigaction old_int {
    }, old_term{};
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    Status st = watcher.Run();
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    g_watcher.store(nullptr);
    if (!o->quiet && tty) fmt::print(stderr, "\n");
    if (!st.ok()) return Fail(st);
    const oc::WatchStatus s = watcher.status();
    if (!o->quiet) {
      fmt::print(stderr, "watch opencode: done; {} events, {} spans, {} stored, {} duplicates, {} reconnects\n",
                 s.events, s.spans, s.stored, s.duplicates, s.reconnects);
    }
    return 0;
  };
}

}  // namespace agentperf::cli
