// agentperf import opencode [--db PATH | --storage DIR] [--data DIR | --server URL]
//                           [--settle SECONDS] [--full] [--quiet] [--json]
// Imports OpenCode's stored history (docs/import.md).
#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/event_sinks.h"
#include "core/clock.h"
#include "event/json_encoder.h"
#include "ingest/opencode/discovery.h"
#include "ingest/opencode/import_cursor.h"
#include "ingest/opencode/importer.h"

namespace agentperf::cli {
namespace {

namespace oc = ingest::opencode;

std::string RealPath(const std::string& p) {
  char* r = ::realpath(p.c_str(), nullptr);
  if (r == nullptr) return p;
  std::string s(r);
  std::free(r);
  return s;
}

// Progress on stderr: a bar redrawn up to 10 times a second on a terminal,
// one line every 5 s otherwise.
class Progress {
 public:
  Progress(bool enabled, bool tty) : enabled_(enabled), tty_(tty), t0_(MonotonicNanos()), last_(t0_) {}
  void Update(const oc::ImportProgress& p) {
    if (!enabled_) return;
    const int64_t now = MonotonicNanos();
    const int64_t every = tty_ ? 100'000'000 : 5'000'000'000;
    if (now - last_ < every) return;
    last_ = now;
    shown_ = true;
    const double frac =
        p.sessions_total ? static_cast<double>(p.sessions_done) / static_cast<double>(p.sessions_total) : 1;
    const double secs = static_cast<double>(now - t0_) / 1e9;
    const double eta = frac > 0 ? secs / frac - secs : 0;
    if (tty_) {
      constexpr int kWidth = 20;
      std::string bar;
      const int full = static_cast<int>(frac * kWidth);
      for (int i = 0; i < kWidth; ++i) bar += i < full ? "\u2588" : " ";
      fmt::print(stderr, "\rimport opencode \u2595{}\u258f {}/{} sessions \u00b7 {} events \u00b7 ETA {:.0f}s   ", bar,
                 p.sessions_done, p.sessions_total, p.events, eta);
    } else {
      fmt::print(stderr, "import opencode: {}/{} sessions, {} events, {:.0f}s\n", p.sessions_done, p.sessions_total,
                 p.events, secs);
    }
  }
  void Done() {
    if (enabled_ && tty_ && shown_) fmt::print(stderr, "\n");
  }

 private:
  bool enabled_, tty_;
  int64_t t0_;
  int64_t last_;
  bool shown_ = false;
};

}  // namespace

std::function<int()> SetupImport(CLI::App* cmd) {
  struct Opts {
    std::string db, storage;
    Target target;
    double settle_s = 30;
    bool full = false, quiet = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->require_subcommand(1);
  CLI::App* sub = cmd->add_subcommand(
      "opencode",
      "import OpenCode's history: sessions, turns, LLM calls, tool calls and compactions from opencode.db "
      "(>= 1.2) or the storage/ tree (<= 1.1); idempotent and incremental (docs/import.md)");
  auto* db = sub->add_option("--db", o->db,
                             "opencode.db to read (default: $OPENCODE_DB, else $XDG_DATA_HOME/opencode/opencode.db)");
  auto* storage = sub->add_option("--storage", o->storage, "a legacy OpenCode storage/ directory to read instead");
  db->excludes(storage);
  AddTargetOptions(sub, &o->target);
  sub->add_option("--settle", o->settle_s,
                  "skip sessions updated less than this many seconds ago (the live collectors own them)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  sub->add_flag("--full", o->full, "ignore the import cursor and read every session again (nothing is stored twice)");
  sub->add_flag("--quiet", o->quiet, "no progress output");
  sub->add_flag("--json", o->json, "print the summary as JSON");
  return [o, sub]() -> int {
    if (!sub->parsed()) return 1;
    oc::ImportOptions io;
    if (!o->db.empty()) {
      io.db_path = o->db;
    } else if (!o->storage.empty()) {
      io.storage_dir = o->storage;
    } else {
      auto src = oc::DiscoverSource();
      if (!src.ok()) return Fail(src.status());
      (src->is_db ? io.db_path : io.storage_dir) = src->path;
    }
    io.now_ms = WallMicros() / 1000;
    io.settle_ms = static_cast<int64_t>(o->settle_s * 1000);
    std::unique_ptr<store::EmbeddedStore> local;
    std::unique_ptr<net::HttpClient> client;
    std::unique_ptr<oc::EventSink> sink;
    const std::string source_path = RealPath(io.db_path.empty() ? io.storage_dir : io.db_path);
    if (o->target.remote()) {
      auto c = ConnectServer(o->target);
      if (!c.ok()) return Fail(c.status());
      client = std::make_unique<net::HttpClient>(std::move(c).value());
      sink = std::make_unique<ServerSink>(client.get());
      io.cursor_path = oc::CursorPathForServer(oc::DefaultStateDir(), o->target.server_url, source_path);
    } else {
      // Flush() writes the imported head on two threads (FlushHeadSplit).
      auto s = OpenLocalStore(o->target, /*flush_threads=*/2);
      if (!s.ok()) return Fail(s.status());
      local = std::move(s).value();
      sink = std::make_unique<BulkLocalSink>(local.get());
      io.cursor_path = oc::CursorPathForData(o->target.data_dir, source_path);
    }
    if (o->full) {
      // Keep writing the cursor, but start from nothing.
      std::remove(io.cursor_path.c_str());
    }
    // The import allocates and frees a few hundred MB in large pieces (row
    // chunks, parsed rows, batches): keep freed memory in the process instead
    // of returning it to the kernel and faulting it in again (this process
    // exits when the import is done).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
    Progress progress(!o->quiet, StderrIsTerminal());
    auto r = oc::RunImport(io, sink.get(), [&](const oc::ImportProgress& p) { progress.Update(p); });
    progress.Done();
    if (!r.ok()) return Fail(r.status());
    if (o->json) {
      fmt::print("{}\n", r->ToJson());
    } else {
      fmt::print("{}", r->ToText());
    }
    return 0;
  };
}

}  // namespace agentperf::cli
