#include "store/embedded_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "event/codec.h"
#include "query/engine.h"
#include "store/verify.h"

namespace agentperf::store {

std::string WalDir(const std::string& data_dir) { return fs::JoinPath(data_dir, "wal"); }

namespace {

Status CheckOrWriteVersion(fs::FileSystem* fs, const std::string& dir) {
  std::string path = fs::JoinPath(dir, "VERSION");
  if (!fs->FileExists(path)) {
    return fs::WriteFileAtomically(fs, path, std::string(kDataFormatVersion) + "\n");
  }
  std::string v;
  AP_RETURN_IF_ERROR(fs::ReadFileToString(fs, path, &v));
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  if (v != kDataFormatVersion) {
    return Status::FailedPrecondition(
        fmt::format("{} holds format '{}', this agentperf reads '{}'", path, v, kDataFormatVersion));
  }
  return Status::OK();
}

}  // namespace

EmbeddedStore::EmbeddedStore(const EmbeddedStoreOptions& options)
    : options_(options), head_(std::make_unique<Head>()), guard_(options.limits.max_label_cardinality) {}

Result<std::unique_ptr<EmbeddedStore>> EmbeddedStore::Open(const EmbeddedStoreOptions& in) {
  EmbeddedStoreOptions options = in;
  if (options.fs == nullptr) options.fs = fs::DefaultFileSystem();
  fs::FileSystem* fs = options.fs;
  if (options.data_dir.empty()) return Status::InvalidArgument("no data directory given");
  Status st = fs->CreateDirs(options.data_dir);
  if (!st.ok()) return st.WithContext("creating the data directory");
  std::unique_ptr<EmbeddedStore> store(new EmbeddedStore(options));
  auto lock = fs->LockFile(fs::JoinPath(options.data_dir, "LOCK"));
  if (!lock.ok()) {
    if (lock.status().code() == StatusCode::kFailedPrecondition) {
      return Status::FailedPrecondition(fmt::format(
          "data directory {} is in use by another agentperf process (a running `agentperf serve`? then use "
          "--server URL)",
          options.data_dir));
    }
    return lock.status();
  }
  store->lock_ = std::move(lock).value();
  AP_RETURN_IF_ERROR(CheckOrWriteVersion(fs, options.data_dir));

  int64_t t0 = MonotonicNanos();
  Head* head = store->head_.get();
  auto replay = [head](uint64_t seq, std::string_view payload) -> Status {
    event::EventBatch batch;
    AP_RETURN_IF_ERROR(event::DecodeBatch(payload, &batch));
    head->Apply(batch);
    return Status::OK();
  };
  wal::WalOptions wo;
  wo.fs = fs;
  wo.dir = WalDir(options.data_dir);
  wo.segment_bytes = options.wal_segment_bytes;
  wo.max_queued_bytes = options.wal_max_queued_bytes;
  auto wal = wal::Wal::Open(wo, replay, &store->replay_);
  if (!wal.ok()) return wal.status().WithContext("opening the write-ahead log");
  store->wal_ = std::move(wal).value();
  store->applier_ = std::make_unique<SerialExecutor>("ap-apply");
  store->replay_seconds_ = static_cast<double>(MonotonicNanos() - t0) / 1e9;

  // Known label values count against the cardinality limit.
  for (const auto& f : event::kStrFields) {
    if (!f.is_label) continue;
    const StringDict& d = head->dict(f.field);
    for (uint32_t code = 1; code < d.size(); ++code) store->guard_.Seed(f.field, d.Get(code));
  }
  store->opened_us_ = WallMicros();
  log::Info("store", "opened {}: {} events from {} WAL records in {} segments ({:.2f}s){}", options.data_dir,
            head->rows(), store->replay_.records, store->replay_.segments.size(), store->replay_seconds_,
            store->replay_.torn_tails() ? fmt::format(", {} torn tail(s) ignored", store->replay_.torn_tails()) : "");
  return store;
}

EmbeddedStore::~EmbeddedStore() {
  wal_.reset();      // drains queued records; their callbacks hand batches to the applier
  applier_.reset();  // applies them and answers, before the head goes
}

void EmbeddedStore::AppendAsync(event::EventBatch batch, AppendCallback done) {
  if (batch.empty()) {
    done(AppendResult{}, nullptr);
    return;
  }
  event::DecodeError err;
  auto added = std::make_shared<CardinalityGuard::Added>();
  Status st = guard_.Admit(batch, &err, added.get());
  if (!st.ok()) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    done(st, &err);
    return;
  }
  // Events already stored need not be written again.
  auto keep = std::make_shared<std::vector<bool>>(batch.size(), true);
  uint64_t known = head_->MarkStored(batch, keep.get());
  batches_.fetch_add(1, std::memory_order_relaxed);
  if (known == batch.size()) {
    duplicates_.fetch_add(known, std::memory_order_relaxed);
    done(AppendResult{0, known}, nullptr);
    return;
  }
  std::string payload;
  payload.reserve(batch.size() * 160);
  if (known == 0) event::EncodeBatch(batch, &payload);
  else event::EncodeBatchSubset(batch, *keep, &payload);

  // Bound the memory of batches waiting for the disk or for the head.
  const uint64_t cost = payload.size() * 3;
  if (inflight_bytes_.fetch_add(cost) + cost > options_.wal_max_queued_bytes && inflight_bytes_.load() > cost) {
    inflight_bytes_.fetch_sub(cost);
    failed_.fetch_add(1, std::memory_order_relaxed);
    if (!added->empty()) {
      guard_.Release(*added, [this](event::StrField f, std::string_view v) { return head_->FindCode(f, v) != 0; });
    }
    done(Status::ResourceExhausted("ingest queue full: the disk or the head is behind; retry shortly"), nullptr);
    return;
  }
  auto shared = std::make_shared<event::EventBatch>(std::move(batch));
  auto cb = std::make_shared<AppendCallback>(std::move(done));
  // A batch that is not stored gives back the label values it reserved.
  auto release = [this, added] {
    if (added->empty()) return;
    guard_.Release(*added, [this](event::StrField f, std::string_view v) { return head_->FindCode(f, v) != 0; });
  };
  st = wal_->Submit(std::move(payload), [this, shared, keep, known, cb, cost, release](const Status& s, uint64_t) {
    if (!s.ok()) {
      release();
      inflight_bytes_.fetch_sub(cost);
      failed_.fetch_add(1, std::memory_order_relaxed);
      (*cb)(Status(s.code() == StatusCode::kResourceExhausted ? StatusCode::kResourceExhausted
                                                               : StatusCode::kUnavailable,
                   "batch not stored (write-ahead log): " + s.message()),
            nullptr);
      return;
    }
    // Durable: apply on the applier thread (in WAL order) so the WAL thread can
    // write the next group meanwhile.
    applier_->Submit([this, shared, keep, known, cb, cost] {
      ApplyResult r = head_->Apply(*shared, known ? keep.get() : nullptr);
      accepted_.fetch_add(r.added, std::memory_order_relaxed);
      duplicates_.fetch_add(r.duplicates + known, std::memory_order_relaxed);
      (*cb)(AppendResult{r.added, r.duplicates + known}, nullptr);
      inflight_bytes_.fetch_sub(cost);
    });
  });
  if (!st.ok()) {
    release();
    inflight_bytes_.fetch_sub(cost);
    failed_.fetch_add(1, std::memory_order_relaxed);
    (*cb)(st, nullptr);
  }
}

Result<query::QueryResult> EmbeddedStore::Query(const query::QuerySpec& spec) {
  query::Engine engine(spec);
  engine.NoteSkippedBlocks(
      head_->ScanBlocks(spec.from_us, spec.to_us, [&](const query::ColumnBlock& b) { engine.Consume(b); }));
  return engine.Finish();
}

Result<std::vector<std::string>> EmbeddedStore::LabelValues(const query::Label& label, int64_t from_us,
                                                            int64_t to_us, size_t limit) {
  std::vector<std::string> values;
  if (label.type == query::Label::kStr && from_us == INT64_MIN && to_us == INT64_MAX) {
    const StringDict& d = head_->dict(label.str);
    uint32_t n = d.size();
    for (uint32_t code = 1; code < n; ++code) values.emplace_back(d.Get(code));
  } else {
    query::QuerySpec spec;
    spec.from_us = from_us;
    spec.to_us = to_us;
    spec.group_by.push_back(label);
    spec.aggregates.push_back(query::ParseAggregate("count").value());
    spec.limit = query::QuerySpec::kMaxCells;
    AP_ASSIGN_OR_RETURN(auto r, Query(spec));
    for (const auto& s : r.series) {
      if (!s.labels[0].second.empty()) values.push_back(s.labels[0].second);
    }
  }
  std::sort(values.begin(), values.end());
  if (values.size() > limit) values.resize(limit);
  return values;
}

Result<std::string> EmbeddedStore::Verify() {
  VerifyReport report;
  AP_RETURN_IF_ERROR(VerifyDataDir(options_.fs, options_.data_dir, &report));
  return report.ToJson();
}

std::string EmbeddedStore::StatsJson() {
  wal::WalStats ws = wal_->Stats();
  JsonWriter w;
  w.BeginObject();
  w.Field("backend", "embedded");
  w.Field("data_dir", options_.data_dir);
  w.Field("format", kDataFormatVersion);
  w.Field("events", head_->rows());
  w.Key("time_range").BeginObject();
  if (head_->rows() > 0) {
    w.Field("min_start_ms", static_cast<double>(head_->min_start_us()) / 1000.0);
    w.Field("max_start_ms", static_cast<double>(head_->max_start_us()) / 1000.0);
  }
  w.EndObject();
  w.Field("head_memory_bytes", static_cast<uint64_t>(head_->MemoryBytes()));
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
  w.Field("segments", static_cast<uint64_t>(replay_.segments.size()));
  w.Field("torn_tails", replay_.torn_tails());
  w.Field("corrupt", replay_.corrupt);
  w.Field("quarantine_dir", replay_.quarantine_dir);
  w.Field("seconds", replay_seconds_);
  w.EndObject();
  w.Key("labels").BeginObject();
  for (const auto& f : event::kStrFields) {
    w.Field(f.json_name, static_cast<uint64_t>(head_->dict(f.field).size() - 1));
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
