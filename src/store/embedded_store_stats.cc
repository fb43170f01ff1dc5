// EmbeddedStore::StatsJson: the store's part of GET /v1/status.
#include "store/embedded_store.h"

#include "core/json_writer.h"

namespace agentperf::store {

std::string EmbeddedStore::StatsJson() {
  auto v = Current();
  wal::WalStats ws = wal_->Stats();
  uint64_t seg_rows = 0, seg_bytes = 0, seg_mem = 0;
  int64_t min_start = INT64_MAX, max_start = INT64_MIN;
  for (const auto& s : v->segments) {
    seg_rows += s->rows();
    seg_bytes += s->file_bytes();
    seg_mem += s->MemoryBytes();
    if (s->rows() > 0) {
      min_start = std::min(min_start, s->footer().min_start_us);
      max_start = std::max(max_start, s->footer().max_start_us);
    }
  }
  uint64_t head_rows = v->head->rows(), frozen_rows = 0, head_mem = v->head->MemoryBytes();
  auto head_range = [&](const Head& h) {
    if (h.rows() == 0) return;
    min_start = std::min(min_start, h.min_start_us());
    max_start = std::max(max_start, h.max_start_us());
  };
  head_range(*v->head);
  for (const auto& fh : v->frozen) {
    frozen_rows += fh.head->rows();
    head_mem += fh.head->MemoryBytes();
    head_range(*fh.head);
  }
  JsonWriter w;
  w.BeginObject();
  w.Field("backend", "embedded");
  w.Field("data_dir", options_.data_dir);
  w.Field("format", kDataFormatVersion);
  w.Field("events", seg_rows + frozen_rows + head_rows);
  w.Key("time_range").BeginObject();
  if (min_start <= max_start) {
    w.Field("min_start_ms", static_cast<double>(min_start) / 1000.0);
    w.Field("max_start_ms", static_cast<double>(max_start) / 1000.0);
  }
  w.EndObject();
  w.Field("head_events", head_rows);
  w.Field("head_memory_bytes", head_mem);
  w.Key("segments").BeginObject();
  w.Field("count", static_cast<uint64_t>(v->segments.size()));
  w.Field("events", seg_rows);
  w.Field("bytes", seg_bytes);
  w.Field("bytes_per_event", seg_rows ? static_cast<double>(seg_bytes) / static_cast<double>(seg_rows) : 0.0);
  w.Field("memory_bytes", seg_mem);
  w.EndObject();
  {
    // Summaries: day cells and session filters resident; hour cells in a cache.
    uint64_t day_cells = 0, resident = 0;
    for (const auto& [no, sum] : v->summaries) {
      day_cells += sum->day.cells().size();
      resident += sum->day.MemoryBytes() + sum->rollup.MemoryBytes();
      for (const auto& f : sum->session_filters) resident += f.MemoryBytes();
    }
    const HourRollupCacheStats hc = hour_rollups_->Stats();
    w.Key("summaries").BeginObject();
    w.Field("count", static_cast<uint64_t>(v->summaries.size()));
    w.Field("day_cells", day_cells);
    w.Field("resident_bytes", resident);
    w.Key("hour_cache").BeginObject();
    w.Field("bytes", hc.bytes);
    w.Field("budget_bytes", hc.budget);
    w.Field("entries", hc.entries);
    w.Field("hits", hc.hits);
    w.Field("loads", hc.loads);
    w.Field("failed", hc.failed);
    w.EndObject();
    w.EndObject();
  }
  w.Key("flush").BeginObject();
  w.Field("frozen_heads", static_cast<uint64_t>(v->frozen.size()));
  w.Field("frozen_events", frozen_rows);
  w.Field("flushes", flushes_.load());
  w.Field("failures", flush_failures_.load());
  w.Field("seconds", flush_seconds_.load());
  w.Field("flush_rows", options_.flush_rows);
  w.Field("flush_bytes", options_.flush_bytes);
  {
    std::unique_lock<std::mutex> l(flush_mu_, std::try_to_lock);
    if (l.owns_lock()) {
      w.Field("flushed_seq", manifest_.flushed_seq);
      w.Field("last_error", last_flush_error_);
    }
  }
  w.EndObject();
  w.Key("compaction").BeginObject();
  w.Field("merges", merges_.load());
  w.Field("merged_segments", merged_inputs_.load());
  w.Field("failures", compaction_failures_.load());
  w.Field("target_rows", options_.compaction.target_rows);
  w.Field("min_inputs", static_cast<uint64_t>(options_.compaction.min_inputs));
  {
    std::unique_lock<std::mutex> l(flush_mu_, std::try_to_lock);
    if (l.owns_lock()) w.Field("last", last_compaction_);
  }
  w.EndObject();
  w.Key("retention").BeginObject();
  w.Field("max_age_days", static_cast<double>(options_.compaction.max_age_us) / 86400e6);
  w.Field("max_bytes", options_.compaction.max_bytes);
  w.Field("dropped_segments", dropped_segments_.load());
  w.Field("dropped_events", dropped_events_.load());
  w.EndObject();
  w.Key("ingest").BeginObject();
  w.Field("batches", batches_.load());
  w.Field("accepted", accepted_.load());
  w.Field("duplicates", duplicates_.load());
  w.Field("refused_batches", refused_.load());
  w.Field("failed_batches", failed_.load());
  w.EndObject();
  w.Key("wal").BeginObject();
  w.Field("segments", ws.segments);
  w.Field("bytes", ws.bytes);
  w.Field("current_segment", ws.current_segment);
  w.Field("last_seq", ws.last_seq);
  w.Field("group_commits", ws.groups);
  w.Field("failed_group_commits", ws.failed_groups);
  w.Field("queued_bytes", ws.queued_bytes);
  w.Field("queued_records", ws.queued_records);
  w.Field("write_ms", static_cast<double>(ws.write_ns) / 1e6);
  w.Field("sync_ms", static_cast<double>(ws.sync_ns) / 1e6);
  w.Field("apply_ms", static_cast<double>(ws.callback_ns) / 1e6);
  w.Field("last_error", ws.last_error);
  w.EndObject();
  w.Key("replay").BeginObject();
  w.Field("records", replay_.records);
  w.Field("already_in_segments", replay_skipped_);
  w.Field("segments", static_cast<uint64_t>(replay_.segments.size()));
  w.Field("torn_tails", replay_.torn_tails());
  w.Field("corrupt", replay_.corrupt);
  w.Field("quarantine_dir", replay_.quarantine_dir);
  w.Field("seconds", replay_seconds_);
  w.EndObject();
  w.Key("labels").BeginObject();
  for (const auto& f : event::kStrFields) {
    if (f.is_label) w.Field(f.json_name, static_cast<uint64_t>(guard_.Count(f.field)));
  }
  w.EndObject();
  w.Key("limits").BeginObject();
  const event::Limits& l = options_.limits;
  w.Field("max_label_cardinality", static_cast<uint64_t>(l.max_label_cardinality));
  w.Field("max_label_bytes", static_cast<uint64_t>(l.max_label_bytes));
  w.Field("max_id_bytes", static_cast<uint64_t>(l.max_id_bytes));
  w.Field("max_attrs", static_cast<uint64_t>(l.max_attrs));
  w.Field("max_attr_key_bytes", static_cast<uint64_t>(l.max_attr_key_bytes));
  w.Field("max_attr_value_bytes", static_cast<uint64_t>(l.max_attr_value_bytes));
  w.Field("max_events_per_batch", static_cast<uint64_t>(l.max_events_per_batch));
  w.EndObject();
  w.Field("opened_ms", static_cast<double>(opened_us_) / 1000.0);
  w.EndObject();
  return w.Take();
}

}  // namespace agentperf::store
