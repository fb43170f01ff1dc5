// agentperf export [--data DIR] [--from T --to T] [--kind K] [--format ndjson]
// Streams every stored event in the ingest schema (docs/events.md) as NDJSON,
// with its stable id ("id":"ap1:<hex>"), so the output can be compared record
// by record or ingested again unchanged. Reads the data directory without
// taking its lock (store/event_scan.h). --server is not supported yet.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/clock.h"
#include "event/json_encoder.h"
#include "query/time_parse.h"
#include "store/event_scan.h"

namespace agentperf::cli {

std::function<int()> SetupExport(CLI::App* cmd) {
  struct Opts {
    std::string data_dir = DefaultDataDir();
    std::string from, to, format = "ndjson";
    std::vector<std::string> kinds;
  };
  auto o = std::make_shared<Opts>();
  cmd->description(
      "Write every stored event as NDJSON in the ingest schema, with its stable id (reads --data DIR; "
      "--server is not supported yet)");
  cmd->add_option("--data", o->data_dir, "data directory of the embedded store")->capture_default_str();
  cmd->add_option("--from", o->from, "only events starting at or after this time (-1h, 2026-11-24, epoch ms)");
  cmd->add_option("--to", o->to, "only events starting before this time");
  cmd->add_option("--kind", o->kinds, "only this kind (repeatable): session, turn, llm_call, tool_call, ...");
  cmd->add_option("--format", o->format, "output format")->check(CLI::IsMember({"ndjson"}))->capture_default_str();
  return [o]() -> int {
    store::ScanFilter filter;
    const int64_t now = WallMicros();
    if (!o->from.empty()) {
      auto t = query::ParseTime(o->from, now);
      if (!t.ok()) return Fail(t.status().WithContext("--from"));
      filter.from_us = *t;
    }
    if (!o->to.empty()) {
      auto t = query::ParseTime(o->to, now);
      if (!t.ok()) return Fail(t.status().WithContext("--to"));
      filter.to_us = *t;
    }
    for (const auto& k : o->kinds) {
      event::SpanKind kind;
      if (!event::ParseKind(k, &kind))
        return Fail(Status::InvalidArgument(fmt::format("--kind: unknown kind '{}'", k)));
      filter.kinds.push_back(kind);
    }
    std::string out;
    auto write = [&](const event::EventBatch& batch) -> Status {
      out.clear();
      event::EncodeBatchNdjson(batch, &out);
      if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size())
        return Status::IOError("writing to stdout failed");
      return Status::OK();
    };
    store::ScanStats stats;
    Status st = store::ScanStoredEvents(fs::DefaultFileSystem(), o->data_dir, filter, write, &stats);
    if (std::fflush(stdout) != 0 && st.ok()) st = Status::IOError("writing to stdout failed");
    if (!st.ok()) return Fail(st);
    return 0;
  };
}

}  // namespace agentperf::cli
