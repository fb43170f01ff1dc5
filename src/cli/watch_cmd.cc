// agentperf watch opencode --url URL [--password-env VAR] [--directory D]
//                          [--since 10m] [--no-repair] [--quiet] [--data DIR | --server URL]
// Follows `opencode serve`'s event stream and stores its spans (docs/watch.md).
#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/event_sinks.h"
#include "event/json_encoder.h"
#include "ingest/opencode/watcher.h"
#include "net/sse_stream.h"
#include "query/time_parse.h"

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
    std::string url, password_env = "OPENCODE_SERVER_PASSWORD", directory, since = "10m";
    Target target;
    bool no_repair = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->require_subcommand(1);
  CLI::App* sub = cmd->add_subcommand(
      "opencode",
      "follow `opencode serve`'s event stream (/global/event) and store sessions, turns, LLM calls, tool calls, "
      "permission waits and retries as they finish (docs/watch.md); Ctrl-C stops after a final flush");
  sub->add_option("--url", o->url, "URL of `opencode serve` (e.g. http://127.0.0.1:4096)")->required();
  sub->add_option("--password-env", o->password_env,
                  "environment variable holding the server password (basic auth; user $OPENCODE_SERVER_USERNAME "
                  "or `opencode`)")
      ->capture_default_str();
  sub->add_option("--directory", o->directory, "only events of the OpenCode instance in this directory");
  sub->add_option("--since", o->since, "on the first connect, repair sessions updated this recently (e.g. 10m, 1h)")
      ->capture_default_str();
  sub->add_flag("--no-repair", o->no_repair, "no gap repair on (re)connect");
  sub->add_flag("--quiet", o->quiet, "no status line");
  AddTargetOptions(sub, &o->target);
  return [o, sub]() -> int {
    if (!sub->parsed()) return 1;
    oc::WatchOptions wo;
    auto url = net::ParseUrl(o->url);
    if (!url.ok()) return Fail(url.status());
    wo.url = *url;
    if (const char* pw = std::getenv(o->password_env.c_str()); pw != nullptr && *pw != '\0') {
      const char* user = std::getenv("OPENCODE_SERVER_USERNAME");
      wo.authorization = net::BasicAuthorization(user && *user ? user : "opencode", pw);
    }
    auto since = query::ParseDurationMicros(o->since);
    if (!since.ok()) return Fail(since.status().WithContext("--since"));
    wo.since_ms = *since / 1000;
    wo.gap_repair = !o->no_repair;
    wo.live.directory = o->directory;

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
