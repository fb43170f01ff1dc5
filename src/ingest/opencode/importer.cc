#include "ingest/opencode/importer.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "core/clock.h"
#include "core/json_writer.h"
#include "ingest/opencode/import_cursor.h"
#include "ingest/opencode/legacy_reader.h"

namespace agentperf::ingest::opencode {
namespace {

std::string RealPath(const std::string& p) {
  char* r = ::realpath(p.c_str(), nullptr);
  if (r == nullptr) return p;
  std::string s(r);
  std::free(r);
  return s;
}

uint64_t Inode(const std::string& p) {
  struct stat sb;
  return ::stat(p.c_str(), &sb) == 0 ? static_cast<uint64_t>(sb.st_ino) : 0;
}

// Batches events and hands full batches to the sink.
class Batcher {
 public:
  Batcher(EventSink* sink, size_t batch_events, ImportSummary* summary)
      : sink_(sink), batch_events_(batch_events), summary_(summary) {}
  event::EventBatch* batch() { return &batch_; }
  Status MaybeSend(bool force) {
    if (batch_.empty() || (!force && batch_.size() < batch_events_)) return Status::OK();
    summary_->events += batch_.size();
    auto r = sink_->Send(std::move(batch_));
    batch_ = event::EventBatch{};
    if (!r.ok()) return r.status();
    summary_->accepted += r->accepted;
    summary_->duplicates += r->duplicates;
    return Status::OK();
  }

 private:
  EventSink* sink_;
  size_t batch_events_;
  ImportSummary* summary_;
  event::EventBatch batch_;
};

}  // namespace

Result<ImportSummary> RunImport(const ImportOptions& o, EventSink* sink,
                                const std::function<void(const ImportProgress&)>& progress) {
  const int64_t t0 = MonotonicNanos();
  ImportSummary sum;
  const bool is_db = !o.db_path.empty();
  sum.source = is_db ? "db" : "storage";
  sum.path = RealPath(is_db ? o.db_path : o.storage_dir);
  const uint64_t inode = Inode(sum.path);

  ImportCursor cursor;
  cursor.source = sum.source;
  cursor.path = sum.path;
  cursor.inode = inode;
  if (!o.cursor_path.empty() && is_db) {
    auto loaded = LoadCursor(o.cursor_path);
    if (!loaded.ok()) {
      sum.warnings.push_back(fmt::format("{}; importing everything", loaded.status().message()));
    } else if (loaded->has_value()) {
      const ImportCursor& c = **loaded;
      if (c.source == cursor.source && c.path == cursor.path && c.inode == inode) {
        cursor.max_time_updated = c.max_time_updated;
        cursor.unsettled = c.unsettled;
        sum.incremental = true;
      } else {
        sum.warnings.push_back(
            "the database was replaced since the last import (different inode); importing everything");
      }
    }
  }

  BuildOptions bo;
  bo.now_ms = o.now_ms;
  bo.settle_ms = o.settle_ms;
  SpanBuilder builder(bo);
  Batcher batcher(sink, o.batch_events, &sum);
  std::set<std::string> versions;
  std::vector<std::string> unsettled;
  int64_t max_updated = cursor.max_time_updated;
  ImportProgress prog;

  auto on_unit = [&](SessionUnit* u) -> Status {
    ++sum.sessions_scanned;
    if (!u->session.version.empty()) versions.insert(u->session.version);
    SessionState state = builder.Build(u, batcher.batch());
    switch (state) {
      case SessionState::kSettled:
        ++sum.sessions_imported;
        break;
      case SessionState::kUnsettled:
        ++sum.sessions_unsettled;
        unsettled.push_back(u->session.id);
        break;
      case SessionState::kActive:
        ++sum.sessions_skipped_active;
        unsettled.push_back(u->session.id);
        break;
    }
    if (state != SessionState::kActive) max_updated = std::max(max_updated, u->session.time_updated);
    ++prog.sessions_done;
    prog.events = sum.events + batcher.batch()->size();
    if (progress) progress(prog);
    return batcher.MaybeSend(false);
  };

  if (is_db) {
    AP_ASSIGN_OR_RETURN(auto reader, DbReader::Open(o.db_path));
    AP_ASSIGN_OR_RETURN(sum.sessions_total, reader->CountSessions());
    std::vector<SessionInfo> sessions;
    AP_RETURN_IF_ERROR(reader->ReadSessions(cursor.max_time_updated, cursor.unsettled, &sessions, &sum.rows));
    prog.sessions_total = sessions.size();
    // Many sessions: one scan per table; few: indexed lookups per session.
    const bool full_scan = sessions.size() * 5 > sum.sessions_total;
    AP_RETURN_IF_ERROR(reader->ForEachUnit(std::move(sessions), full_scan, on_unit, &sum.rows));
  } else {
    AP_RETURN_IF_ERROR(ForEachLegacyUnit(o.storage_dir, on_unit, &sum.rows, &prog.sessions_total));
    sum.sessions_total = prog.sessions_total;
  }
  AP_RETURN_IF_ERROR(batcher.MaybeSend(true));
  AP_RETURN_IF_ERROR(sink->Finish());
  const store::AppendResult deferred = sink->Deferred();
  sum.accepted += deferred.accepted;
  sum.duplicates += deferred.duplicates;
  sum.built = builder.counts();
  sum.versions.assign(versions.begin(), versions.end());
  if (sum.rows.bad > 0) {
    sum.warnings.push_back(
        fmt::format("{} row(s) could not be read and were skipped; first: {}", sum.rows.bad, sum.rows.first_bad));
  }
  if (sum.built.rejected > 0) {
    sum.warnings.push_back(fmt::format("{} span(s) broke a limit of docs/events.md and were left out; first: {}",
                                       sum.built.rejected, sum.built.first_rejected));
  }
  if (!o.cursor_path.empty() && is_db) {
    cursor.max_time_updated = max_updated;
    cursor.unsettled = std::move(unsettled);
    Status st = SaveCursor(o.cursor_path, cursor);
    if (!st.ok())
      sum.warnings.push_back(
          fmt::format("cursor not saved ({}); the next import reads everything again", st.message()));
  }
  sum.elapsed_ms = (MonotonicNanos() - t0) / 1000000;
  return sum;
}

std::string ImportSummary::ToJson() const {
  JsonWriter w;
  w.BeginObject().Field("source", source).Field("path", path);
  w.Key("opencode_versions").BeginArray();
  for (const auto& v : versions) w.String(v);
  w.EndArray();
  w.Field("incremental", incremental);
  w.Key("sessions")
      .BeginObject()
      .Field("total", sessions_total)
      .Field("scanned", sessions_scanned)
      .Field("imported", sessions_imported)
      .Field("unsettled", sessions_unsettled)
      .Field("skipped_active", sessions_skipped_active)
      .EndObject();
  w.Key("rows")
      .BeginObject()
      .Field("session", rows.sessions)
      .Field("message", rows.messages)
      .Field("part", rows.parts)
      .Field("bad", rows.bad)
      .EndObject();
  w.Key("events").BeginObject();
  for (event::SpanKind k : {event::SpanKind::kSession, event::SpanKind::kTurn, event::SpanKind::kLlmCall,
                            event::SpanKind::kToolCall, event::SpanKind::kCompaction}) {
    w.Field(event::KindName(k), built.by_kind[static_cast<int>(k)]);
  }
  w.EndObject();
  w.Field("rejected", built.rejected).Field("sent", events).Field("accepted", accepted).Field("duplicates", duplicates);
  w.Key("tokens")
      .BeginObject()
      .Field("input", built.llm_tokens.input)
      .Field("output", built.llm_tokens.output)
      .Field("reasoning", built.llm_tokens.reasoning)
      .Field("cache_read", built.llm_tokens.cache_read)
      .Field("cache_write", built.llm_tokens.cache_write)
      .EndObject();
  w.Field("cost", built.llm_cost);
  if (built.first_ms != INT64_MAX) w.Field("first_ms", built.first_ms).Field("last_ms", built.last_ms);
  w.Field("elapsed_ms", elapsed_ms);
  w.Key("warnings").BeginArray();
  for (const auto& s : warnings) w.String(s);
  w.EndArray().EndObject();
  return w.Take();
}

std::string ImportSummary::ToText() const {
  std::string s = fmt::format("imported {} ({}{})\n", path, source, incremental ? ", incremental" : "");
  s += fmt::format(
      "  sessions: {} read of {}: {} settled, {} unsettled (spans so far, no session span), {} active (skipped)\n",
      sessions_scanned, sessions_total, sessions_imported, sessions_unsettled, sessions_skipped_active);
  s += fmt::format("  rows: {} messages, {} parts, {} bad\n", rows.messages, rows.parts, rows.bad);
  s += fmt::format("  events: {} session, {} turn, {} llm_call, {} tool_call, {} compaction\n",
                   built.by_kind[static_cast<int>(event::SpanKind::kSession)],
                   built.by_kind[static_cast<int>(event::SpanKind::kTurn)],
                   built.by_kind[static_cast<int>(event::SpanKind::kLlmCall)],
                   built.by_kind[static_cast<int>(event::SpanKind::kToolCall)],
                   built.by_kind[static_cast<int>(event::SpanKind::kCompaction)]);
  s += fmt::format("  stored: {} new, {} already present; cost {:.6f} USD; {} ms\n", accepted, duplicates,
                   built.llm_cost, elapsed_ms);
  for (const auto& w : warnings) s += fmt::format("  warning: {}\n", w);
  return s;
}

}  // namespace agentperf::ingest::opencode
