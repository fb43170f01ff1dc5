// EmbeddedStore: flushing frozen heads into segments, compaction and
// retention (the flusher thread and Flush()/Compact()).
#include "store/embedded_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

#include "core/clock.h"
#include "core/log.h"
#include "store/compaction/merge.h"
#include "store/flush.h"

namespace agentperf::store {

void EmbeddedStore::FlushLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> l(flush_cv_mu_);
      flush_cv_.wait_for(l, std::chrono::seconds(1), [this] { return stopping_ || !Current()->frozen.empty(); });
      if (stopping_) return;
    }
    std::lock_guard<std::mutex> l(flush_mu_);
    Status st;
    if (!Current()->frozen.empty()) {
      st = FlushOldest(options_.flush_threads);
    } else {
      bool did = false;
      st = CompactStep(&did);
      if (st.ok() && did) continue;  // more may follow at once
    }
    if (!st.ok()) {
      // The head stays frozen (queries still see it, the WAL still holds it);
      // try again a little later.
      std::unique_lock<std::mutex> cl(flush_cv_mu_);
      flush_cv_.wait_for(cl, std::chrono::seconds(2), [this] { return stopping_; });
    }
  }
}

Status EmbeddedStore::FlushOldest(int threads) {
  auto v = Current();
  if (v->frozen.empty()) return Status::OK();
  const FrozenHead fh = v->frozen.front();
  const int64_t t0 = MonotonicNanos();
  const uint64_t no = manifest_.next_segment;
  const size_t parts = FlushParts(fh.head->rows(), threads);
  Status st;
  auto fail = [&](const Status& s, std::string_view step) {
    flush_failures_.fetch_add(1);
    last_flush_error_ = fmt::format("{}: {}", step, s.ToString());
    log::Error("store", "flush of {} rows failed ({}); will retry", fh.head->rows(), last_flush_error_);
    return s;
  };
  std::vector<SummaryBuilder> builders;
  for (size_t i = 0; i < parts; ++i) builders.emplace_back(no + i);
  auto metas = FlushHeadSplit(options_.fs, SegmentsDir(), no, *fh.head, fh.seq_min, fh.seq_max, parts, &builders);
  if (!metas.ok()) return fail(metas.status(), "writing the segment");
  std::vector<std::shared_ptr<segment::SegmentReader>> readers;
  for (const SegmentMeta& m : *metas) {
    const std::string path = fs::JoinPath(SegmentsDir(), segment::SegmentFileName(m.no));
    auto reader = segment::SegmentReader::Open(options_.fs, path, m.no);
    if (!reader.ok()) {
      for (const SegmentMeta& x : *metas) {
        (void)options_.fs->RemoveFile(fs::JoinPath(SegmentsDir(), segment::SegmentFileName(x.no)));
      }
      return fail(reader.status(), "reading the new segment back");
    }
    readers.push_back(std::move(reader).value());
  }
  Manifest next = manifest_;
  next.next_segment = no + parts;
  next.flushed_seq = std::max(next.flushed_seq, fh.seq_max);
  for (const SegmentMeta& m : *metas) next.segments.push_back(m);
  st = SaveManifest(options_.fs, options_.data_dir, next);
  if (!st.ok()) {
    // The old manifest may or may not have been replaced; either way both
    // name only complete segments. Keep the new numbers used.
    manifest_.next_segment = no + parts;
    return fail(st, "saving the manifest");
  }
  manifest_ = std::move(next);
  std::vector<std::shared_ptr<const SegmentSummary>> summaries;
  for (SummaryBuilder& b : builders) {
    std::shared_ptr<SegmentSummary> full = b.Finish();
    SaveSummary(*full);
    summaries.push_back(Resident(std::move(full), /*warm=*/true));
  }
  Modify([&](Version* nv) {
    for (size_t i = 0; i < parts; ++i) {
      nv->summaries[no + i] = std::move(summaries[i]);
      nv->segments.push_back(std::move(readers[i]));
    }
    nv->frozen.erase(nv->frozen.begin());
  });
  flushes_.fetch_add(1);
  flush_seconds_.store(flush_seconds_.load() + static_cast<double>(MonotonicNanos() - t0) / 1e9);
  uint64_t rows = 0, bytes = 0;
  for (const SegmentMeta& m : *metas) rows += m.rows, bytes += m.bytes;
  log::Info("store", "flushed {} events into {} segment(s) from {:016x} ({} bytes, {:.1f} bytes/event) in {:.2f}s",
            rows, parts, no, bytes, rows ? static_cast<double>(bytes) / static_cast<double>(rows) : 0.0,
            static_cast<double>(MonotonicNanos() - t0) / 1e9);
  if (wal_) {
    auto removed = wal_->RemoveSegmentsThrough(manifest_.flushed_seq);
    if (!removed.ok()) log::Warn("store", "could not remove flushed WAL segments: {}", removed.status().ToString());
  }
  return Status::OK();
}

std::shared_ptr<const SegmentSummary> EmbeddedStore::Resident(std::shared_ptr<SegmentSummary> full, bool warm) {
  if (warm) hour_rollups_->Put(full->segment_no, std::make_shared<const query::Rollup>(std::move(full->rollup)));
  full->rollup = query::Rollup(kSegmentRollupUs);
  return full;
}

void EmbeddedStore::SaveSummary(const SegmentSummary& s) {
  // A summary is a cache (rebuilt at open when missing): a failure only costs time.
  Status st = WriteSummary(options_.fs, SegmentsDir(), s);
  if (!st.ok()) log::Warn("store", "could not save the summary of segment {:016x}: {}", s.segment_no, st.ToString());
}

Status EmbeddedStore::CompactStep(bool* did) {
  *did = false;
  compaction::Plan plan = compaction::PlanNext(manifest_.segments, options_.compaction, WallMicros());
  if (plan.kind == compaction::Plan::kNone) return Status::OK();
  *did = true;
  auto v = Current();
  std::vector<std::shared_ptr<segment::SegmentReader>> inputs;
  for (uint64_t no : plan.inputs) {
    for (const auto& s : v->segments) {
      if (s->number() == no) inputs.push_back(s);
    }
  }
  if (inputs.size() != plan.inputs.size()) return Status::Internal("compaction plan names a segment that is not open");
  const int64_t t0 = MonotonicNanos();
  auto fail = [&](const Status& s) {
    compaction_failures_.fetch_add(1);
    last_compaction_ = fmt::format("{} FAILED: {}", plan.reason, s.ToString());
    log::Error("store", "{}", last_compaction_);
    return s;
  };
  Manifest next = manifest_;
  std::shared_ptr<segment::SegmentReader> output;
  std::shared_ptr<SegmentSummary> output_summary;
  SummaryBuilder builder(manifest_.next_segment);
  if (plan.kind == compaction::Plan::kMerge) {
    const uint64_t no = manifest_.next_segment;
    manifest_.next_segment = no + 1;  // used even if the merge fails
    next.next_segment = no + 1;
    auto meta = compaction::MergeSegments(options_.fs, SegmentsDir(), no, inputs, &builder);
    if (!meta.ok()) return fail(meta.status());
    uint32_t level = 0;
    for (const auto& m : manifest_.segments) {
      if (std::find(plan.inputs.begin(), plan.inputs.end(), m.no) != plan.inputs.end()) level = std::max(level, m.level);
    }
    meta->level = level + 1;
    const std::string path = fs::JoinPath(SegmentsDir(), segment::SegmentFileName(no));
    auto reader = segment::SegmentReader::Open(options_.fs, path, no);
    if (!reader.ok()) {
      (void)options_.fs->RemoveFile(path);
      return fail(reader.status());
    }
    output = std::move(reader).value();
    next.segments.push_back(*meta);
    output_summary = builder.Finish();
  }
  uint64_t dropped_rows = 0;
  next.segments.erase(std::remove_if(next.segments.begin(), next.segments.end(),
                                     [&](const SegmentMeta& m) {
                                       bool gone = std::find(plan.inputs.begin(), plan.inputs.end(), m.no) !=
                                                   plan.inputs.end();
                                       if (gone) dropped_rows += m.rows;
                                       return gone;
                                     }),
                      next.segments.end());
  std::sort(next.segments.begin(), next.segments.end(), [](const SegmentMeta& a, const SegmentMeta& b) {
    return a.min_start_us != b.min_start_us ? a.min_start_us < b.min_start_us : a.no < b.no;
  });
  Status st = SaveManifest(options_.fs, options_.data_dir, next);
  if (!st.ok()) {
    if (output) (void)options_.fs->RemoveFile(output->path());
    return fail(st);
  }
  manifest_ = std::move(next);
  std::shared_ptr<const SegmentSummary> resident;
  if (output_summary) {
    SaveSummary(*output_summary);
    resident = Resident(std::move(output_summary), /*warm=*/true);
  }
  for (uint64_t no : plan.inputs) hour_rollups_->Erase(no);
  Modify([&](Version* nv) {
    for (uint64_t no : plan.inputs) nv->summaries.erase(no);
    if (output && resident) nv->summaries[output->number()] = resident;
    auto& segs = nv->segments;
    segs.erase(std::remove_if(segs.begin(), segs.end(),
                              [&](const auto& s) {
                                return std::find(plan.inputs.begin(), plan.inputs.end(), s->number()) !=
                                       plan.inputs.end();
                              }),
               segs.end());
    if (output) segs.push_back(output);
    std::sort(segs.begin(), segs.end(), [](const auto& a, const auto& b) {
      return a->footer().min_start_us != b->footer().min_start_us ? a->footer().min_start_us < b->footer().min_start_us
                                                                  : a->number() < b->number();
    });
  });
  // The manifest no longer names the inputs: their files can go (queries
  // still reading them keep their open descriptors).
  for (const auto& in : inputs) {
    Status rs = options_.fs->RemoveFile(in->path());
    if (!rs.ok()) log::Warn("store", "could not remove {}: {} (removed at the next open)", in->path(), rs.ToString());
    const std::string sum = SummaryPath(SegmentsDir(), in->number());
    if (options_.fs->FileExists(sum)) (void)options_.fs->RemoveFile(sum);
  }
  (void)options_.fs->SyncDir(SegmentsDir());
  if (output) {
    merges_.fetch_add(1);
    merged_inputs_.fetch_add(inputs.size());
  } else {
    dropped_segments_.fetch_add(inputs.size());
    dropped_events_.fetch_add(dropped_rows);
  }
  last_compaction_ = fmt::format("{} ({:.2f}s)", plan.reason, static_cast<double>(MonotonicNanos() - t0) / 1e9);
  log::Info("store", "{}", last_compaction_);
  return Status::OK();
}

Status EmbeddedStore::Compact() {
  std::lock_guard<std::mutex> l(flush_mu_);
  for (bool did = true; did;) AP_RETURN_IF_ERROR(CompactStep(&did));
  return Status::OK();
}

Status EmbeddedStore::Flush() {
  // Rotate on the applier thread (the head's only writer), after every batch
  // accepted so far.
  std::promise<void> rotated;
  applier_->Submit([this, &rotated] {
    MaybeRotate(true);
    rotated.set_value();
  });
  rotated.get_future().wait();
  std::lock_guard<std::mutex> l(flush_mu_);
  while (!Current()->frozen.empty()) AP_RETURN_IF_ERROR(FlushOldest(options_.flush_threads));
  return Status::OK();
}

}  // namespace agentperf::store
