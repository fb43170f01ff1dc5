#include "wal/wal.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <ctime>

#include "core/clock.h"
#include "core/ingest_backpressure.h"
#include "core/log.h"

namespace agentperf::wal {

uint64_t ReplayReport::torn_tails() const {
  uint64_t n = 0;
  for (const auto& s : segments) n += s.tail == TailState::kTorn ? 1 : 0;
  return n;
}

namespace {

Result<std::vector<std::pair<uint64_t, std::string>>> ListSegments(fs::FileSystem* fs, const std::string& dir) {
  AP_ASSIGN_OR_RETURN(auto names, fs->ListDir(dir));
  std::vector<std::pair<uint64_t, std::string>> segs;
  for (const auto& n : names) {
    uint64_t no;
    if (ParseSegmentFileName(n, &no)) segs.emplace_back(no, n);
  }
  std::sort(segs.begin(), segs.end());
  return segs;
}

}  // namespace

Status ScanWal(fs::FileSystem* fs, const std::string& dir, const ReplayFn& fn, ReplayReport* report) {
  *report = ReplayReport{};
  AP_ASSIGN_OR_RETURN(auto segs, ListSegments(fs, dir));
  uint64_t last_seq = 0;
  std::string image;
  for (const auto& [no, name] : segs) {
    SegmentReport sr;
    sr.segment_no = no;
    sr.file = name;
    AP_RETURN_IF_ERROR(fs::ReadFileToString(fs, fs::JoinPath(dir, name), &image));
    sr.bytes = image.size();
    SegmentReader reader(image, last_seq);
    if (reader.header_status().ok() && reader.segment_no() != no) {
      sr.tail = TailState::kCorrupt;
      sr.reason = fmt::format("header says segment {} but the file is named {}", reader.segment_no(), name);
      report->segments.push_back(sr);
      report->corrupt = true;
      continue;  // later segments are independent files
    }
    uint64_t seq;
    std::string_view payload;
    while (reader.Next(&seq, &payload)) {
      if (fn) {
        Status st = fn(seq, payload);
        if (!st.ok()) return st.WithContext(fmt::format("WAL segment {} record {}", name, seq));
      }
      ++report->records;
    }
    sr.records = reader.records();
    sr.valid_bytes = reader.valid_bytes();
    sr.tail = reader.tail();
    sr.bad_offset = reader.bad_offset();
    if (reader.records() > 0) sr.last_seq = reader.last_seq();
    sr.reason = reader.reason();
    if (reader.records() > 0) last_seq = reader.last_seq();
    report->segments.push_back(sr);
    // Reading stops at the first corrupt frame of a segment (its framing can
    // no longer be trusted); later segments are independent files, and may
    // hold acknowledged events, so they are still read.
    if (sr.tail == TailState::kCorrupt) report->corrupt = true;
  }
  report->last_seq = last_seq;
  return Status::OK();
}

Wal::Wal(const WalOptions& options) : options_(options) {}

namespace {
constexpr size_t kKeepGroupBufferBelow = size_t{8} << 20;
}  // namespace

namespace {

constexpr std::string_view kRecoveredSuffix = ".recovered";

// Finishes a quarantine interrupted by a crash: a "<segment>.recovered" file is
// the clean copy of a quarantined segment's valid records; it replaces the
// segment if that was already moved away, and is dropped otherwise (the
// quarantine then starts again from the still-corrupt segment).
Status FinishInterruptedQuarantine(fs::FileSystem* fs, const std::string& dir) {
  AP_ASSIGN_OR_RETURN(auto names, fs->ListDir(dir));
  for (const auto& n : names) {
    if (n.size() <= kRecoveredSuffix.size() || n.compare(n.size() - kRecoveredSuffix.size(), std::string::npos,
                                                         kRecoveredSuffix) != 0) {
      continue;
    }
    std::string segment = n.substr(0, n.size() - kRecoveredSuffix.size());
    uint64_t no;
    if (!ParseSegmentFileName(segment, &no)) continue;
    if (fs->FileExists(fs::JoinPath(dir, segment))) {
      AP_RETURN_IF_ERROR(fs->RemoveFile(fs::JoinPath(dir, n)));
    } else {
      AP_RETURN_IF_ERROR(fs->RenameFile(fs::JoinPath(dir, n), fs::JoinPath(dir, segment)));
      log::Warn("wal", "finished an interrupted quarantine of {}", segment);
    }
  }
  return fs->SyncDir(dir);
}

// Moves a corrupt segment into `qdir`, leaving in its place a clean copy of
// its valid records (they were replayed and may have been acknowledged).
// Crash-safe: the copy is made durable under a temporary name first.
Status Quarantine(fs::FileSystem* fs, const std::string& dir, const std::string& qdir, const SegmentReport& bad) {
  const std::string path = fs::JoinPath(dir, bad.file);
  const std::string recovered = path + std::string(kRecoveredSuffix);
  if (bad.records > 0) {
    std::string image;
    AP_RETURN_IF_ERROR(fs::ReadFileToString(fs, path, &image));
    image.resize(std::min<uint64_t>(image.size(), bad.valid_bytes));
    AP_RETURN_IF_ERROR(fs::WriteFileAtomically(fs, recovered, image));
  }
  AP_RETURN_IF_ERROR(fs->RenameFile(path, fs::JoinPath(qdir, bad.file)));
  if (bad.records > 0) AP_RETURN_IF_ERROR(fs->RenameFile(recovered, path));
  return fs->SyncDir(dir);
}

}  // namespace

Result<std::unique_ptr<Wal>> Wal::Open(const WalOptions& options, const ReplayFn& replay, ReplayReport* report) {
  fs::FileSystem* fs = options.fs;
  AP_RETURN_IF_ERROR(fs->CreateDirs(options.dir));
  AP_RETURN_IF_ERROR(FinishInterruptedQuarantine(fs, options.dir));
  AP_RETURN_IF_ERROR(ScanWal(fs, options.dir, replay, report));
  AP_ASSIGN_OR_RETURN(auto segs, ListSegments(fs, options.dir));
  uint64_t max_no = segs.empty() ? 0 : segs.back().first;

  if (report->corrupt) {
    // A fresh directory: renaming into an existing one could replace (delete)
    // a segment quarantined earlier under the same name.
    const std::string qbase = fs::JoinPath(options.dir, fmt::format("quarantine-{}", std::time(nullptr)));
    std::string qdir = qbase;
    for (int n = 2; fs->FileExists(qdir); ++n) qdir = fmt::format("{}-{}", qbase, n);
    AP_RETURN_IF_ERROR(fs->CreateDirs(qdir));
    for (const SegmentReport& bad : report->segments) {
      if (bad.tail != TailState::kCorrupt) continue;
      AP_RETURN_IF_ERROR(Quarantine(fs, options.dir, qdir, bad));
      log::Error("wal", "corrupt record in {} at offset {} ({}); its {} valid records before it were kept, the "
                 "segment was moved to {}", bad.file, bad.bad_offset, bad.reason, bad.records, qdir);
    }
    report->quarantine_dir = qdir;
  }

  std::unique_ptr<Wal> wal(new Wal(options));
  wal->next_seq_ = std::max(report->last_seq + 1, options.min_next_seq);
  wal->segment_no_ = max_no;
  AP_ASSIGN_OR_RETURN(auto live, ListSegments(fs, options.dir));
  for (const auto& [no, name] : live) {
    auto size = fs->FileSize(fs::JoinPath(options.dir, name));
    uint64_t last = 0;
    for (const SegmentReport& sr : report->segments) {
      if (sr.segment_no == no) last = sr.last_seq;
    }
    wal->closed_[no] = {last, size.ok() ? *size : 0};
  }
  AP_RETURN_IF_ERROR(wal->EnsureSegment());
  wal->stats_.last_seq = report->last_seq;
  wal->thread_ = std::thread([w = wal.get()] { w->Run(); });
  return wal;
}

Wal::~Wal() {
  {
    std::lock_guard<std::mutex> l(mu_);
    closing_ = true;
  }
  closing_flag_.store(true);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (file_) (void)file_->Close();
}

Status Wal::Submit(std::string payload, DoneFn done) {
  if (payload.size() > kMaxRecordBytes) {
    return Status::TooLarge(fmt::format("WAL record of {} bytes exceeds {}", payload.size(), kMaxRecordBytes));
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closing_) return Status::Unavailable("the write-ahead log is shutting down");
    if (!queue_.empty() && queued_bytes_ + payload.size() > options_.max_queued_bytes) {
      return Status::ResourceExhausted(
          fmt::format("write-ahead log queue full ({} bytes waiting for disk)", queued_bytes_));
    }
    queued_bytes_ += payload.size();
    queue_.push_back(Pending{std::move(payload), std::move(done)});
  }
  cv_.notify_one();
  return Status::OK();
}

WalStats Wal::Stats() const {
  std::lock_guard<std::mutex> l(mu_);
  WalStats s = stats_;
  s.write_ns = write_ns_;
  s.sync_ns = sync_ns_;
  s.callback_ns = callback_ns_;
  s.queued_bytes = queued_bytes_;
  s.queued_records = queue_.size();
  return s;
}

Status Wal::StartSegment(uint64_t segment_no) {
  fs::FileSystem* fs = options_.fs;
  std::string path = fs::JoinPath(options_.dir, SegmentFileName(segment_no));
  auto file = fs->NewWritableFile(path);
  if (!file.ok()) return file.status();
  Status st = (*file)->Append(EncodeSegmentHeader(segment_no));
  if (st.ok()) st = (*file)->Sync();
  if (st.ok()) st = fs->SyncDir(options_.dir);
  if (!st.ok()) {
    (void)(*file)->Close();
    (void)fs->RemoveFile(path);
    return st;
  }
  file_ = std::move(file).value();
  return Status::OK();
}

Status Wal::EnsureSegment() {
  if (file_) return Status::OK();
  ++segment_no_;  // never reuse a number, even after a failed start
  Status st = StartSegment(segment_no_);
  std::lock_guard<std::mutex> l(mu_);
  if (st.ok()) {
    segment_last_seq_ = 0;
    current_bytes_ = kSegmentHeaderSize;
    current_open_ = true;
    stats_.current_segment = segment_no_;
    UpdateSizeStats();
  } else {
    stats_.last_error = st.ToString();
  }
  return st;
}

void Wal::CommitGroup(std::vector<Pending>* group) {
  Status st = EnsureSegment();
  uint64_t first_seq = next_seq_;
  if (st.ok()) {
    group_buf_.clear();
    for (const auto& p : *group) AppendFrame(&group_buf_, next_seq_++, p.payload);
    uint64_t before = file_->Size();
    int64_t t0 = MonotonicNanos();
    st = file_->Append(group_buf_);
    int64_t t1 = MonotonicNanos();
    if (st.ok()) st = file_->Sync();
    int64_t t2 = MonotonicNanos();
    write_ns_ += static_cast<uint64_t>(t1 - t0);
    sync_ns_ += static_cast<uint64_t>(t2 - t1);
    // A group that queued up (e.g. during a backpressure wait) can be tens
    // of MiB: do not keep a buffer that large for the next ones.
    if (group_buf_.capacity() > kKeepGroupBufferBelow) std::string().swap(group_buf_);
    if (!st.ok()) {
      log::Error("wal", "write of {} records failed: {}; continuing in a new segment", group->size(), st.ToString());
      (void)file_->Truncate(before);  // best effort: drop the failed frames
      CloseSegment(before);
    }
  } else {
    log::Error("wal", "cannot start a WAL segment: {}", st.ToString());
    next_seq_ += group->size();  // keep numbers unique even if nothing was written
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    ++stats_.groups;
    if (st.ok()) {
      stats_.records_written += group->size();
      stats_.last_seq = next_seq_ - 1;
      segment_last_seq_ = next_seq_ - 1;
      current_bytes_ = file_->Size();
      UpdateSizeStats();
    } else {
      ++stats_.failed_groups;
      stats_.last_error = st.ToString();
    }
  }
  uint64_t seq = first_seq;
  int64_t t3 = MonotonicNanos();
  for (auto& p : *group) p.done(st, seq++);
  callback_ns_ += static_cast<uint64_t>(MonotonicNanos() - t3);
  if (st.ok() && file_->Size() >= options_.segment_bytes) CloseSegment(file_->Size());  // the next group starts a new one
}

void Wal::CloseSegment(uint64_t bytes) {
  Status cst = file_->Close();
  if (!cst.ok()) log::Warn("wal", "closing segment {}: {}", segment_no_, cst.ToString());
  file_.reset();
  std::lock_guard<std::mutex> l(mu_);
  closed_[segment_no_] = {segment_last_seq_, bytes};
  current_bytes_ = 0;
  current_open_ = false;
  UpdateSizeStats();
}

void Wal::UpdateSizeStats() {
  uint64_t bytes = current_bytes_;
  for (const auto& [no, c] : closed_) bytes += c.second;
  stats_.bytes = bytes;
  stats_.segments = closed_.size() + (current_open_ ? 1 : 0);
}

void Wal::RequestRotation() {
  {
    std::lock_guard<std::mutex> l(mu_);
    rotate_ = true;
  }
  cv_.notify_one();
}

Result<uint64_t> Wal::RemoveSegmentsThrough(uint64_t seq) {
  std::vector<uint64_t> victims;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [no, c] : closed_) {
      if (c.first <= seq) victims.push_back(no);
    }
  }
  uint64_t removed = 0;
  for (uint64_t no : victims) {
    Status st = options_.fs->RemoveFile(fs::JoinPath(options_.dir, SegmentFileName(no)));
    if (!st.ok()) return st.WithContext("removing a flushed WAL segment");
    std::lock_guard<std::mutex> l(mu_);
    closed_.erase(no);
    UpdateSizeStats();
    ++removed;
  }
  if (removed > 0) AP_RETURN_IF_ERROR(options_.fs->SyncDir(options_.dir));
  return removed;
}

void Wal::Run() {
  std::vector<Pending> group;
  bool rotate = false;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return !queue_.empty() || closing_ || rotate_; });
      if (!queue_.empty() && !closing_ && backpressure::ShouldWait()) {
        // The heads hold too much: let the flusher catch up before more
        // batches go to disk and then into the head (records queue up
        // meanwhile; Submit refuses them past max_queued_bytes).
        l.unlock();
        backpressure::Wait([this] { return closing_flag_.load(std::memory_order_relaxed); });
        l.lock();
      }
      rotate = std::exchange(rotate_, false);
      if (queue_.empty() && !rotate) return;  // closing and drained
      group.swap(queue_);
      queued_bytes_ = 0;
    }
    if (rotate && file_ && segment_last_seq_ != 0) CloseSegment(file_->Size());
    if (group.empty()) continue;
    CommitGroup(&group);
    group.clear();
  }
}

}  // namespace agentperf::wal
