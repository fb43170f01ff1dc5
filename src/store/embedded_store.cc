#include "store/embedded_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <future>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "event/codec.h"
#include "query/engine.h"
#include "store/compaction/merge.h"
#include "store/flush.h"
#include "store/scan_plan.h"
#include "store/verify.h"

namespace agentperf::store {

std::string WalDir(const std::string& data_dir) { return fs::JoinPath(data_dir, "wal"); }
std::string SegmentsDir(const std::string& data_dir) { return fs::JoinPath(data_dir, "segments"); }

namespace {

constexpr std::string_view kDataFormatV1 = "agentperf-data 1";

// Format 1 (WAL only) is read as is and upgraded: it is format 2 without a
// manifest.
Status CheckOrWriteVersion(fs::FileSystem* fs, const std::string& dir) {
  std::string path = fs::JoinPath(dir, "VERSION");
  if (!fs->FileExists(path)) {
    return fs::WriteFileAtomically(fs, path, std::string(kDataFormatVersion) + "\n");
  }
  std::string v;
  AP_RETURN_IF_ERROR(fs::ReadFileToString(fs, path, &v));
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  if (v == kDataFormatV1) {
    log::Info("store", "upgrading {} from '{}' to '{}'", dir, v, kDataFormatVersion);
    return fs::WriteFileAtomically(fs, path, std::string(kDataFormatVersion) + "\n");
  }
  if (v != kDataFormatVersion) {
    return Status::FailedPrecondition(
        fmt::format("{} holds format '{}', this agentperf reads '{}'", path, v, kDataFormatVersion));
  }
  return Status::OK();
}

}  // namespace

EmbeddedStore::EmbeddedStore(const EmbeddedStoreOptions& options)
    : options_(options),
      hour_rollups_(std::make_unique<HourRollupCache>(options.fs, store::SegmentsDir(options.data_dir),
                                                      options.hour_rollup_cache_bytes)),
      guard_(options.limits.max_label_cardinality) {
  auto v = std::make_shared<Version>();
  v->head = std::make_shared<Head>();
  v->head_rollup = std::make_shared<HeadRollup>();
  version_ = std::move(v);
}

std::string EmbeddedStore::SegmentsDir() const { return store::SegmentsDir(options_.data_dir); }

std::shared_ptr<const EmbeddedStore::Version> EmbeddedStore::Current() const {
  std::lock_guard<std::mutex> l(version_mu_);
  return version_;
}

void EmbeddedStore::Modify(const std::function<void(Version*)>& change) {
  std::lock_guard<std::mutex> l(version_mu_);
  auto v = std::make_shared<Version>(*version_);
  change(v.get());
  version_ = std::move(v);
}

Status EmbeddedStore::OpenSegments() {
  fs::FileSystem* fs = options_.fs;
  const std::string dir = SegmentsDir();
  AP_RETURN_IF_ERROR(fs->CreateDirs(dir));
  AP_ASSIGN_OR_RETURN(manifest_, LoadManifest(fs, options_.data_dir));
  // Files the manifest does not name are left over from an interrupted flush
  // or compaction (or were merged away): delete them.
  AP_ASSIGN_OR_RETURN(auto names, fs->ListDir(dir));
  bool removed = false;
  for (const auto& n : names) {
    uint64_t no;
    bool live = false;
    if (segment::ParseSegmentFileName(n, &no) || ParseSummaryFileName(n, &no)) {
      for (const auto& m : manifest_.segments) live |= m.no == no;
    }
    if (!live) {
      log::Info("store", "removing {} (not in the manifest: left by an interrupted flush or compaction)", n);
      AP_RETURN_IF_ERROR(fs->RemoveFile(fs::JoinPath(dir, n)));
      removed = true;
    }
  }
  if (removed) AP_RETURN_IF_ERROR(fs->SyncDir(dir));
  std::vector<std::shared_ptr<segment::SegmentReader>> readers;
  for (const auto& m : manifest_.segments) {
    auto r = segment::SegmentReader::Open(fs, fs::JoinPath(dir, segment::SegmentFileName(m.no)), m.no);
    if (!r.ok()) return r.status().WithContext("opening a segment the manifest names");
    if ((*r)->rows() != m.rows) {
      return Status::Corruption(fmt::format("segment {:016x} holds {} rows, the manifest says {}", m.no, (*r)->rows(), m.rows));
    }
    readers.push_back(std::move(r).value());
  }
  // Summaries are caches: a missing or damaged one is rebuilt from its
  // segment; one that cannot be rebuilt leaves the segment to raw reads.
  // Read on every core (decoding the hour cells and deriving the day cells
  // is most of the time a store takes to open).
  std::vector<Result<std::shared_ptr<SegmentSummary>>> loaded(readers.size(), Status::Internal("not loaded"));
  {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < readers.size();) loaded[i] = LoadOrRebuildSummary(fs, dir, *readers[i]);
    };
    const size_t n = std::min<size_t>(readers.size(), std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> threads;
    for (size_t t = 1; t < n; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
  }
  std::unordered_map<uint64_t, std::shared_ptr<const SegmentSummary>> summaries;
  for (size_t i = 0; i < readers.size(); ++i) {
    const auto& r = readers[i];
    auto& sum = loaded[i];
    if (sum.ok()) {
      summaries.emplace(r->number(), Resident(std::move(sum).value(), /*warm=*/false));
    } else {
      log::Warn("store", "segment {:016x} has no summary ({}); queries read its rows", r->number(),
                sum.status().ToString());
    }
  }
  Modify([&](Version* v) {
    v->segments = std::move(readers);
    v->summaries = std::move(summaries);
  });
  return Status::OK();
}

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
  AP_RETURN_IF_ERROR(store->OpenSegments());

  int64_t t0 = MonotonicNanos();
  EmbeddedStore* s = store.get();
  auto replay = [s](uint64_t seq, std::string_view payload) { return s->ReplayRecord(seq, payload); };
  wal::WalOptions wo;
  wo.fs = fs;
  wo.dir = WalDir(options.data_dir);
  wo.segment_bytes = options.wal_segment_bytes;
  wo.max_queued_bytes = options.wal_max_queued_bytes;
  wo.min_next_seq = store->manifest_.flushed_seq + 1;
  auto wal = wal::Wal::Open(wo, replay, &store->replay_);
  if (!wal.ok()) return wal.status().WithContext("opening the write-ahead log");
  store->wal_ = std::move(wal).value();
  {
    auto removed = store->wal_->RemoveSegmentsThrough(store->manifest_.flushed_seq);
    if (!removed.ok()) log::Warn("store", "could not remove flushed WAL segments: {}", removed.status().ToString());
  }
  // Heads frozen during replay are flushed by the background thread.
  store->applier_ = std::make_unique<SerialExecutor>("ap-apply");
  if (options.flush_rows > 0) store->flusher_ = std::thread([s] { s->FlushLoop(); });
  store->replay_seconds_ = static_cast<double>(MonotonicNanos() - t0) / 1e9;

  // Known label values count against the cardinality limit.
  auto v = store->Current();
  for (const auto& f : event::kStrFields) {
    if (!f.is_label) continue;
    auto seed = [&](const query::Dictionary& d) {
      for (uint32_t code = 1; code < d.Size(); ++code) store->guard_.Seed(f.field, d.Lookup(code));
    };
    for (const auto& seg : v->segments) seed(*seg->Dict(f.field).value());
    for (const auto& fh : v->frozen) seed(fh.head->dict(f.field));
    seed(v->head->dict(f.field));
  }
  store->opened_us_ = WallMicros();
  log::Info("store", "opened {}: {} events ({} in {} segments), {} WAL records replayed ({} already in segments) "
            "from {} WAL segments ({:.2f}s){}",
            options.data_dir, store->events(), store->events() - v->head->rows(), v->segments.size(),
            store->replay_.records, store->replay_skipped_, store->replay_.segments.size(), store->replay_seconds_,
            store->replay_.torn_tails() ? fmt::format(", {} torn tail(s) ignored", store->replay_.torn_tails()) : "");
  return store;
}

EmbeddedStore::~EmbeddedStore() {
  {
    std::lock_guard<std::mutex> l(flush_cv_mu_);
    stopping_ = true;
  }
  flush_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();  // heads not flushed stay in the WAL
  wal_.reset();      // drains queued records; their callbacks hand batches to the applier
  applier_.reset();  // applies them and answers, before the head goes
}

uint64_t EmbeddedStore::events() const {
  auto v = Current();
  uint64_t n = v->head->rows();
  for (const auto& f : v->frozen) n += f.head->rows();
  for (const auto& s : v->segments) n += s->rows();
  return n;
}

uint64_t EmbeddedStore::segments() const { return Current()->segments.size(); }

Status EmbeddedStore::ForEachId(const std::function<void(const Hash128&)>& fn) const {
  auto v = Current();
  std::vector<Hash128> ids;
  for (const auto& s : v->segments) {
    AP_RETURN_IF_ERROR(s->ReadIds(&ids));
    for (const auto& id : ids) fn(id);
  }
  auto heads = [&](const Head& h) {
    const uint64_t n = h.rows();
    for (uint64_t r = 0; r < n; ++r) fn(h.IdAt(r));
  };
  for (const auto& fh : v->frozen) heads(*fh.head);
  heads(*v->head);
  return Status::OK();
}

Status EmbeddedStore::ReplayRecord(uint64_t seq, std::string_view payload) {
  if (seq <= manifest_.flushed_seq) {
    ++replay_skipped_;
    return Status::OK();  // already in a segment
  }
  event::EventBatch batch;
  AP_RETURN_IF_ERROR(event::DecodeBatch(payload, &batch));
  std::vector<bool> keep(batch.size(), true);
  ApplyDurable(seq, batch, &keep);
  // Replay has no flusher yet: keep memory bounded by flushing here.
  auto v = Current();
  if (!v->frozen.empty()) {
    std::lock_guard<std::mutex> l(flush_mu_);
    while (!Current()->frozen.empty()) AP_RETURN_IF_ERROR(FlushOldest(options_.flush_threads));
  }
  return Status::OK();
}

ApplyResult EmbeddedStore::ApplyDurable(uint64_t seq, const event::EventBatch& batch, std::vector<bool>* keep) {
  auto v = Current();
  // Candidate segments: those whose time range is near the batch's.
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& e : batch.events) {
    lo = std::min(lo, e.start_us);
    hi = std::max(hi, e.start_us);
  }
  const int64_t w = options_.dedup_window_us;
  std::vector<const segment::SegmentReader*> near;
  for (const auto& s : v->segments) {
    const auto& f = s->footer();
    if (f.min_start_us - w <= hi && f.max_start_us + w >= lo) near.push_back(s.get());
  }
  uint64_t known = 0;
  if (!near.empty() || !v->frozen.empty()) {
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!(*keep)[i]) continue;
      const event::Event& e = batch.events[i];
      bool found = false;
      for (const auto& fh : v->frozen) {
        if ((found = fh.head->Contains(e.id))) break;
      }
      for (const segment::SegmentReader* s : near) {
        if (found) break;
        if (e.start_us < s->footer().min_start_us - w || e.start_us > s->footer().max_start_us + w) continue;
        auto c = s->Contains(e.id);
        // An unreadable segment cannot prove a duplicate; keep the event.
        found = c.ok() && *c;
      }
      if (found) {
        (*keep)[i] = false;
        ++known;
      }
    }
  }
  ApplyResult r = v->head->Apply(batch, keep);
  v->head_rollup->CatchUp(*v->head);
  r.duplicates += known;
  if (head_seq_min_ == 0) head_seq_min_ = seq;
  head_seq_max_ = std::max(head_seq_max_, seq);
  MaybeRotate(false);
  return r;
}

void EmbeddedStore::MaybeRotate(bool force) {
  auto v = Current();
  const Head& h = *v->head;
  if (h.rows() == 0) return;
  if (!force) {
    if (options_.flush_rows == 0) return;
    bool full = h.rows() >= options_.flush_rows;
    // Memory is costlier to read (locks): look at it every 16k rows.
    if (!full && (h.rows() & 16383) < 256 && h.MemoryBytes() >= options_.flush_bytes) full = true;
    if (!full) return;
    // Back-pressure on the flusher: at most two heads wait; then the head grows.
    if (v->frozen.size() >= 2) return;
  }
  Modify([&](Version* nv) {
    nv->frozen.push_back(FrozenHead{nv->head, nv->head_rollup, head_seq_min_, head_seq_max_});
    nv->head = std::make_shared<Head>();
    nv->head_rollup = std::make_shared<HeadRollup>();
  });
  head_seq_min_ = 0;
  if (wal_) wal_->RequestRotation();
  flush_cv_.notify_all();
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
  auto v = Current();
  // Events already in the head need not be written again (segments and
  // frozen heads are checked by the applier).
  auto keep = std::make_shared<std::vector<bool>>(batch.size(), true);
  uint64_t known = v->head->MarkStored(batch, keep.get());
  batches_.fetch_add(1, std::memory_order_relaxed);
  auto in_store = [this](event::StrField f, std::string_view val) {
    auto cur = Current();
    if (cur->head->FindCode(f, val) != 0) return true;
    for (const auto& fh : cur->frozen) {
      if (fh.head->FindCode(f, val) != 0) return true;
    }
    return false;  // values only in segments were seeded and are never released
  };
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
    if (!added->empty()) guard_.Release(*added, in_store);
    done(Status::ResourceExhausted("ingest queue full: the disk or the head is behind; retry shortly"), nullptr);
    return;
  }
  auto shared = std::make_shared<event::EventBatch>(std::move(batch));
  auto cb = std::make_shared<AppendCallback>(std::move(done));
  // A batch that is not stored gives back the label values it reserved.
  auto release = [this, added, in_store] {
    if (!added->empty()) guard_.Release(*added, in_store);
  };
  st = wal_->Submit(std::move(payload), [this, shared, keep, known, cb, cost, release](const Status& s, uint64_t seq) {
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
    applier_->Submit([this, shared, keep, known, cb, cost, seq] {
      ApplyResult r = ApplyDurable(seq, *shared, keep.get());
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

namespace {

// The part of [from, to) made of whole buckets of `res` ([*a, *b), open ends
// stay open); false when there is none.
bool AlignedPart(int64_t from, int64_t to, int64_t res, int64_t* a, int64_t* b) {
  auto floor_to = [res](int64_t t) {
    int64_t q = t / res;
    if (t % res < 0) --q;
    return q * res;
  };
  *a = from == INT64_MIN ? INT64_MIN : (floor_to(from) == from ? from : floor_to(from) + res);
  *b = to == INT64_MAX ? INT64_MAX : floor_to(to);
  return *a < *b;
}

}  // namespace

// Each source (segment, frozen head, head) is read through its rollup where
// the query allows (RollupAnswers) for the whole buckets of the range, and
// through its rows for the rest: the partial buckets at both ends, or
// everything when the query needs what a rollup does not keep.
Result<query::QueryResult> EmbeddedStore::Query(const query::QuerySpec& spec) {
  auto v = Current();
  if (IsTopByMaxDuration(spec) && !query::RollupAnswers(spec, kSegmentRollupUs)) return QueryTopN(*v, spec);
  query::Engine engine(spec);
  uint64_t skipped = 0;
  const segment::ColumnSet cols = NeededColumns(spec);
  segment::BlockBuffer buf;
  query::ColumnBlock block;
  int64_t sa = 0, sb = 0, ha = 0, hb = 0;
  const bool seg_rollup = query::RollupAnswers(spec, kSegmentRollupUs) &&
                          AlignedPart(spec.from_us, spec.to_us, kSegmentRollupUs, &sa, &sb);
  // Whole days of the hour-aligned part come from the day cells, the hours around them from hour cells.
  int64_t da = 0, db = 0;
  const bool day_rollup = seg_rollup && query::RollupAnswers(spec, kSegmentDayRollupUs) &&
                          AlignedPart(std::max(spec.from_us, sa), std::min(spec.to_us, sb), kSegmentDayRollupUs, &da, &db);
  const bool head_rollup =
      query::RollupAnswers(spec, kHeadRollupUs) && AlignedPart(spec.from_us, spec.to_us, kHeadRollupUs, &ha, &hb);
  // Rows of a block outside [a, b) (all rows when a == b).
  auto consume_edges = [&](const query::ColumnBlock& b, int64_t a, int64_t e) {
    if (a == e) {
      engine.Consume(b);
      return;
    }
    if (a != INT64_MIN && b.min_start_us < a) engine.Consume(b, INT64_MIN, a);
    if (e != INT64_MAX && b.max_start_us >= e) engine.Consume(b, e, INT64_MAX);
  };
  for (const auto& seg : v->segments) {
    const auto& f = seg->footer();
    if (f.rows == 0 || f.min_start_us >= spec.to_us || f.max_start_us < spec.from_us || !SegmentMayMatch(*seg, spec)) {
      skipped += f.blocks.size();
      continue;
    }
    int64_t a = 0, e = 0;  // a == e: no rollup
    if (seg_rollup) {
      auto it = v->summaries.find(seg->number());
      if (it != v->summaries.end()) {
        // Hour cells (read on demand) only where this segment has rows.
        auto has_rows = [&](int64_t x, int64_t y) { return x < y && f.min_start_us < y && f.max_start_us >= x; };
        const bool need_hours = day_rollup ? has_rows(sa, da) || has_rows(db, sb) : true;
        std::shared_ptr<const query::Rollup> hours = need_hours ? hour_rollups_->Get(*seg) : nullptr;
        if (day_rollup) {
          engine.ConsumeRollup(it->second->day, da, db);
          a = da;
          e = db;
        }
        if (hours) {
          if (day_rollup) {
            engine.ConsumeRollup(*hours, sa, da);
            engine.ConsumeRollup(*hours, db, sb);
          } else {
            engine.ConsumeRollup(*hours, sa, sb);
          }
          a = sa;
          e = sb;
        }
      }
    }
    for (size_t i = 0; i < f.blocks.size(); ++i) {
      const auto& b = f.blocks[i];
      const bool needed = a == e ? !(b.min_start_us >= spec.to_us || b.max_start_us < spec.from_us)
                                 : ((a != INT64_MIN && b.min_start_us < a && b.max_start_us >= spec.from_us) ||
                                    (e != INT64_MAX && b.max_start_us >= e && b.min_start_us < spec.to_us));
      if (!needed) {
        ++skipped;
        continue;
      }
      AP_RETURN_IF_ERROR(seg->ReadBlock(i, cols, &buf, &block));
      consume_edges(block, a, e);
    }
  }
  auto scan_head = [&](const Head& h, const HeadRollup& hr) {
    auto all_rows = [&] {
      skipped += h.ScanBlocks(spec.from_us, spec.to_us, [&](const query::ColumnBlock& b) { engine.Consume(b); });
    };
    if (!head_rollup) return all_rows();
    uint64_t covered = 0;
    if (!hr.Read([&](const query::Rollup& r, uint64_t rows) {
          engine.ConsumeRollup(r, ha, hb);
          covered = rows;
        })) {
      return all_rows();
    }
    // Only the rows the rollup covers: a consistent prefix of the head.
    skipped += h.ScanBlocks(spec.from_us, spec.to_us, [&](const query::ColumnBlock& b) {
      if (b.first_row >= covered) return;
      query::ColumnBlock part = b;
      part.rows = std::min<uint64_t>(b.rows, covered - b.first_row);
      consume_edges(part, ha, hb);
    });
  };
  for (const auto& fh : v->frozen) scan_head(*fh.head, *fh.rollup);
  scan_head(*v->head, *v->head_rollup);
  engine.NoteSkippedBlocks(skipped);
  return engine.Finish();
}

Result<std::vector<std::string>> EmbeddedStore::LabelValues(const query::Label& label, int64_t from_us,
                                                            int64_t to_us, size_t limit) {
  std::vector<std::string> values;
  if (label.type == query::Label::kStr && from_us == INT64_MIN && to_us == INT64_MAX) {
    auto v = Current();
    auto add = [&](const query::Dictionary& d) {
      for (uint32_t code = 1; code < d.Size(); ++code) values.emplace_back(d.Lookup(code));
    };
    for (const auto& seg : v->segments) {
      AP_ASSIGN_OR_RETURN(const segment::SegmentDict* d, seg->Dict(label.str));
      add(*d);
    }
    for (const auto& fh : v->frozen) add(fh.head->dict(label.str));
    add(v->head->dict(label.str));
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
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
    std::sort(values.begin(), values.end());
  }
  if (values.size() > limit) values.resize(limit);
  return values;
}

Result<std::string> EmbeddedStore::Verify() {
  VerifyReport report;
  AP_RETURN_IF_ERROR(VerifyDataDir(options_.fs, options_.data_dir, &report));
  return report.ToJson();
}

Status EmbeddedStore::Scan(const ScanFilter& filter, const std::function<Status(const event::EventBatch&)>& fn) {
  ScanStats stats;
  return ScanStoredEvents(options_.fs, options_.data_dir, filter, fn, &stats);
}

}  // namespace agentperf::store
