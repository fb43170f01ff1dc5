// agentperf serve
#include <fmt/format.h>
#include <malloc.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/opencode_watchers.h"
#include "core/ingest_backpressure.h"
#include "core/log.h"
#include "ingest/opencode/spool_drain.h"
#include "server/server.h"

namespace agentperf::cli {

namespace {

// Gives memory malloc holds free back to the system, once a second when it
// holds more than kTrimAbove (docs/architecture.md, "Memory bounds"): a head
// freed after its flush leaves tens of MiB free in the applier's arena, which
// would otherwise stay resident (and count in the process's peak when the
// next allocations land in another arena).
class MallocTrimmer {
 public:
  static constexpr size_t kTrimAbove = size_t{32} << 20;
  MallocTrimmer() : thread_([this] { Run(); }) {}
  ~MallocTrimmer() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> l(mu_);
    while (!cv_.wait_for(l, std::chrono::seconds(1), [this] { return stop_; })) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
      if (mallinfo2().fordblks > kTrimAbove) malloc_trim(0);
#endif
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

std::function<int()> SetupServe(CLI::App* cmd) {
  struct Opts {
    std::string data = DefaultDataDir();
    server::ServerOptions server;
    std::string log_level;
    double retention_days = 0;
    uint64_t retention_bytes = 0;
    uint64_t flush_rows = store::EmbeddedStoreOptions().flush_rows;
    uint64_t head_memory_bytes = uint64_t{128} << 20;
    std::string opencode_spool = ingest::opencode::DefaultSpoolDir();
    bool no_opencode_spool = false;
    int opencode_spool_interval_ms = 10000;
    std::vector<std::string> watch_opencode;
    WatchFlags watch;
  };
  auto o = std::make_shared<Opts>();
  if (const char* tok = std::getenv("AGENTPERF_TOKEN")) o->server.token = tok;
  cmd->add_option("--data", o->data, "data directory of the embedded store")->capture_default_str();
  cmd->add_option("--listen", o->server.listen,
                  "address to listen on, HOST:PORT; a non-loopback HOST requires --token")
      ->capture_default_str();
  cmd->add_option("--token", o->server.token,
                  "require 'Authorization: Bearer TOKEN' on every request (default: $AGENTPERF_TOKEN)");
  cmd->add_option("--threads", o->server.threads, "HTTP I/O threads (default: one per core, at least 2)");
  cmd->add_option("--max-body-bytes", o->server.max_body_bytes, "largest accepted request body")->capture_default_str();
  cmd->add_option("--retention-days", o->retention_days,
                  "drop column segments whose events are all older than this many days (0 = keep forever)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--retention-bytes", o->retention_bytes,
                  "drop the oldest column segments while all of them together exceed this many bytes (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--flush-rows", o->flush_rows,
                  "flush the in-memory head into a column segment every this many events (0 = only on request)")
      ->capture_default_str();
  cmd->add_option("--head-memory-bytes", o->head_memory_bytes,
                  "when the in-memory heads (the head and those waiting for the flusher) hold more than this, ingest "
                  "waits for the flusher (0 = no limit; default: $AGENTPERF_HEAD_MEMORY_BYTES or 128 MiB)")
      ->envname("AGENTPERF_HEAD_MEMORY_BYTES")
      ->capture_default_str();
  cmd->add_option("--opencode-spool", o->opencode_spool,
                  "send the events the OpenCode plugin spooled in this folder (collector down, or a run that ended "
                  "first) at start and every --opencode-spool-interval-ms")
      ->capture_default_str();
  cmd->add_flag("--no-opencode-spool", o->no_opencode_spool, "do not drain the OpenCode plugin's spool folder");
  cmd->add_option("--opencode-spool-interval-ms", o->opencode_spool_interval_ms, "how often the spool folder is read")
      ->check(CLI::Range(100, 3600000))
      ->capture_default_str();
  CLI::Option_group* watch =
      cmd->add_option_group("OpenCode event stream", "follow `opencode serve` instances (as `agentperf watch opencode`)");
  watch->add_option("--watch-opencode", o->watch_opencode,
                    "follow the event stream (/global/event) of `opencode serve` at this URL and store its spans as "
                    "they finish (repeatable; state in GET /v1/status, server.opencode_watch)");
  AddWatchFlags(watch, &o->watch);
  cmd->add_option("--log-level", o->log_level, "debug, info, warn or error (default: $AGENTPERF_LOG or info)");
  return [o]() -> int {
    if (!o->log_level.empty()) {
      log::Level l;
      if (!log::ParseLevel(o->log_level, &l)) return Fail(Status::InvalidArgument("bad --log-level " + o->log_level));
      log::SetLevel(l);
    }
    // Block the stop signals in every thread; the main thread waits for them.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);

    store::EmbeddedStoreOptions so;
    so.data_dir = o->data;
    so.limits = o->server.limits;
    so.flush_rows = o->flush_rows;
    so.compaction.max_age_us = static_cast<int64_t>(o->retention_days * 86400e6);
    so.compaction.max_bytes = o->retention_bytes;
    // Batches between the request and the head (the store counts 3x their WAL bytes).
    so.wal_max_queued_bytes = uint64_t{64} << 20;
    MallocTrimmer trimmer;
    auto store = store::EmbeddedStore::Open(so);
    if (!store.ok()) return Fail(store.status());
    // After replay (which flushes as it goes): ingest waits for the flusher
    // rather than let the heads grow without bound.
    if (o->flush_rows > 0) backpressure::SetLimit(o->head_memory_bytes);
    auto prices = analysis::PriceTable::WithUserFile(analysis::PriceTable::DefaultUserFile());
    if (!prices.ok()) return Fail(prices.status());
    o->server.prices = std::move(prices).value();
    auto srv = server::Server::Start(o->server, store->get());
    if (!srv.ok()) return Fail(srv.status());
    log::Info("serve", "agentperf {} listening on {} (data {}, {} events){}", AGENTPERF_VERSION, (*srv)->url(),
              o->data, (*store)->events(), o->server.token.empty() ? "" : ", token required");
    std::unique_ptr<ingest::opencode::SpoolDrainer> spool;
    if (!o->no_opencode_spool) {
      spool = std::make_unique<ingest::opencode::SpoolDrainer>(ingest::opencode::SpoolDrainOptions{
          o->opencode_spool, (*srv)->url(), o->server.token, o->opencode_spool_interval_ms});
      spool->Start();
    }
    std::unique_ptr<OpencodeWatchers> watchers;
    if (!o->watch_opencode.empty()) {
      auto w = OpencodeWatchers::Start(o->watch_opencode, o->watch, (*srv)->url(), o->server.token);
      if (!w.ok()) {
        (*srv)->StopAccepting();
        return Fail(w.status());
      }
      watchers = std::move(w).value();
      (*srv)->AddStatusSection("opencode_watch", [raw = watchers.get()](JsonWriter& jw) { raw->WriteStatus(jw); });
      log::Info("serve", "following {} opencode serve event stream(s)", o->watch_opencode.size());
    }
    int sig = 0;
    sigwait(&set, &sig);
    log::Info("serve", "signal {}: shutting down", sig);
    // The watchers and the drainer send to this server: stopped before it.
    if (watchers) {
      watchers->Stop();
      (*srv)->ClearStatusSections();
    }
    if (spool) spool->Stop();
    (*srv)->StopAccepting();
    store->reset();  // drains the WAL queue; answers still owed are written
    (*srv)->Stop();
    return 0;
  };
}

}  // namespace agentperf::cli
