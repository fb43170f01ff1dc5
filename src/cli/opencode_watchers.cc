#include "cli/opencode_watchers.h"

#include <cstdlib>

#include "cli/event_sinks.h"
#include "core/log.h"
#include "net/sse_stream.h"
#include "query/time_parse.h"

namespace agentperf::cli {

namespace oc = ingest::opencode;

void AddWatchFlags(CLI::App* cmd, WatchFlags* f) {
  cmd->add_option("--password-env", f->password_env,
                  "environment variable holding the OpenCode server password (basic auth; user "
                  "$OPENCODE_SERVER_USERNAME or `opencode`)")
      ->capture_default_str();
  cmd->add_option("--directory", f->directory, "only events of the OpenCode instance in this directory");
  cmd->add_option("--since", f->since, "on the first connect, repair sessions updated this recently (e.g. 10m, 1h)")
      ->capture_default_str();
  cmd->add_flag("--no-repair", f->no_repair, "no gap repair on (re)connect");
}

Result<oc::WatchOptions> MakeWatchOptions(const std::string& url, const WatchFlags& flags) {
  oc::WatchOptions wo;
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return parsed.status().WithContext(url);
  wo.url = *parsed;
  if (const char* pw = std::getenv(flags.password_env.c_str()); pw != nullptr && *pw != '\0') {
    const char* user = std::getenv("OPENCODE_SERVER_USERNAME");
    wo.authorization = net::BasicAuthorization(user && *user ? user : "opencode", pw);
  }
  auto since = query::ParseDurationMicros(flags.since);
  if (!since.ok()) return since.status().WithContext("--since");
  wo.since_ms = *since / 1000;
  wo.gap_repair = !flags.no_repair;
  wo.live.directory = flags.directory;
  return wo;
}

struct OpencodeWatchers::One {
  One(oc::WatchOptions wo, net::HttpClient c) : client(std::move(c)), sink(&client), watcher(std::move(wo), &sink) {}
  net::HttpClient client;
  ServerSink sink;
  oc::Watcher watcher;
  std::thread thread;
};

Result<std::unique_ptr<OpencodeWatchers>> OpencodeWatchers::Start(const std::vector<std::string>& urls,
                                                                  const WatchFlags& flags, const std::string& self_url,
                                                                  const std::string& token) {
  AP_ASSIGN_OR_RETURN(net::Url self, net::ParseUrl(self_url));
  std::unique_ptr<OpencodeWatchers> ws(new OpencodeWatchers());
  // Every URL is checked before any thread starts: a typo fails serve at once.
  std::vector<oc::WatchOptions> options;
  for (const auto& u : urls) {
    AP_ASSIGN_OR_RETURN(oc::WatchOptions wo, MakeWatchOptions(u, flags));
    options.push_back(std::move(wo));
  }
  for (auto& wo : options) {
    net::HttpClientOptions co;
    co.bearer_token = token;
    ws->watchers_.push_back(std::make_unique<One>(std::move(wo), net::HttpClient(self, co)));
  }
  for (auto& one : ws->watchers_) {
    One* w = one.get();
    w->thread = std::thread([w] {
      Status st = w->watcher.Run();
      if (!st.ok()) log::Error("watch", "opencode {}: stopped: {}", w->watcher.status().url, st.ToString());
    });
  }
  return ws;
}

OpencodeWatchers::~OpencodeWatchers() { Stop(); }

void OpencodeWatchers::Stop() {
  for (auto& w : watchers_) w->watcher.Stop();
  for (auto& w : watchers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void OpencodeWatchers::WriteStatus(JsonWriter& w) const {
  w.BeginArray();
  for (const auto& one : watchers_) {
    const oc::WatchStatus s = one->watcher.status();
    w.BeginObject()
        .Field("url", s.url)
        .Field("connected", s.connected)
        .Field("stopped", s.stopped)
        .Field("events", s.events)
        .Field("spans", s.spans)
        .Field("stored", s.stored)
        .Field("duplicates", s.duplicates)
        .Field("dropped", s.dropped)
        .Field("reconnects", s.reconnects)
        .Field("repaired_sessions", s.repaired_sessions)
        .Field("gap_ms", s.gap_ms)
        .Field("last_error", s.last_error)
        .EndObject();
  }
  w.EndArray();
}

}  // namespace agentperf::cli
