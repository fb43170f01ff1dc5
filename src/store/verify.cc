#include "store/verify.h"

#include <fmt/format.h>

#include "core/json_writer.h"
#include "event/codec.h"
#include "store/embedded_store.h"
#include "store/manifest.h"
#include "store/segment/segment_reader.h"

namespace agentperf::store {

Status VerifyDataDir(fs::FileSystem* fs, const std::string& dir, VerifyReport* report) {
  *report = VerifyReport{};
  report->data_dir = dir;
  if (!fs->FileExists(dir)) return Status::NotFound(fmt::format("data directory {} does not exist", dir));
  std::string version_path = fs::JoinPath(dir, "VERSION");
  if (fs->FileExists(version_path)) {
    std::string v;
    AP_RETURN_IF_ERROR(fs::ReadFileToString(fs, version_path, &v));
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    if (v != kDataFormatVersion && v != "agentperf-data 1") report->problems.push_back(fmt::format("VERSION is '{}', expected '{}'", v, kDataFormatVersion));
  } else {
    report->problems.push_back("VERSION file missing (not an agentperf data directory?)");
  }
  auto manifest = LoadManifest(fs, dir);
  if (!manifest.ok()) {
    report->problems.push_back(fmt::format("MANIFEST: {}", manifest.status().message()));
    manifest = Manifest{};
  }
  report->flushed_seq = manifest->flushed_seq;
  const std::string seg_dir = SegmentsDir(dir);
  for (const SegmentMeta& m : manifest->segments) {
    VerifiedSegment vs;
    vs.file = segment::SegmentFileName(m.no);
    vs.rows = m.rows;
    auto r = segment::SegmentReader::Open(fs, fs::JoinPath(seg_dir, vs.file), m.no);
    Status st = r.ok() ? (*r)->Verify() : r.status();
    if (st.ok() && (*r)->rows() != m.rows) st = Status::Corruption(fmt::format("holds {} rows, the manifest says {}", (*r)->rows(), m.rows));
    if (r.ok()) vs.bytes = (*r)->file_bytes();
    if (!st.ok()) {
      vs.problem = st.message();
      report->problems.push_back(fmt::format("segment {}: {}", vs.file, st.message()));
    } else {
      report->events += m.rows;
    }
    report->column_segments.push_back(vs);
  }
  if (fs->FileExists(seg_dir)) {
    AP_ASSIGN_OR_RETURN(auto names, fs->ListDir(seg_dir));
    for (const auto& n : names) {
      uint64_t no;
      bool live = false;
      if (segment::ParseSegmentFileName(n, &no)) {
        for (const auto& m : manifest->segments) live |= m.no == no;
      }
      if (!live) report->notes.push_back(fmt::format("segments/{} is not in the manifest (a flush or compaction in progress, or left by a crash; removed at the next open)", n));
    }
  }
  std::string wal_dir = WalDir(dir);
  if (!fs->FileExists(wal_dir)) return Status::OK();
  uint64_t bad_payloads = 0;
  const uint64_t flushed = manifest->flushed_seq;
  auto check = [&](uint64_t seq, std::string_view payload) -> Status {
    event::EventBatch batch;
    Status st = event::DecodeBatch(payload, &batch);
    if (!st.ok()) {
      if (++bad_payloads <= 10) report->problems.push_back(fmt::format("WAL record {}: {}", seq, st.message()));
      return Status::OK();
    }
    if (seq > flushed) report->events += batch.size();
    return Status::OK();
  };
  AP_RETURN_IF_ERROR(wal::ScanWal(fs, wal_dir, check, &report->wal));
  for (const auto& s : report->wal.segments) {
    if (s.tail != wal::TailState::kCorrupt) continue;
    report->problems.push_back(fmt::format("WAL segment {}: corrupt record at offset {} ({}); {} records before it",
                                           s.file, s.bad_offset, s.reason, s.records));
  }
  if (bad_payloads > 10) report->problems.push_back(fmt::format("... {} bad records in all", bad_payloads));
  return Status::OK();
}

std::string VerifyReport::ToJson() const {
  JsonWriter w;
  w.BeginObject();
  w.Field("data_dir", data_dir);
  w.Field("ok", ok());
  w.Field("events", events);
  w.Field("wal_records", wal.records);
  w.Key("segments").BeginArray();
  for (const auto& s : wal.segments) {
    w.BeginObject();
    w.Field("file", s.file);
    w.Field("bytes", s.bytes);
    w.Field("records", s.records);
    w.Field("tail", wal::TailStateName(s.tail));
    if (s.tail != wal::TailState::kClean) {
      w.Field("bad_offset", s.bad_offset);
      w.Field("reason", s.reason);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Field("flushed_seq", flushed_seq);
  w.Key("column_segments").BeginArray();
  for (const auto& s : column_segments) {
    w.BeginObject();
    w.Field("file", s.file);
    w.Field("rows", s.rows);
    w.Field("bytes", s.bytes);
    if (!s.problem.empty()) w.Field("problem", s.problem);
    w.EndObject();
  }
  w.EndArray();
  w.Key("notes").BeginArray();
  for (const auto& n : notes) w.String(n);
  w.EndArray();
  w.Key("problems").BeginArray();
  for (const auto& p : problems) w.String(p);
  w.EndArray();
  w.Field("text", ToText());
  w.EndObject();
  return w.Take();
}

std::string VerifyReport::ToText() const {
  std::string out = fmt::format("{}: {} events: {} column segment(s), {} WAL records in {} WAL segment(s)\n",
                                data_dir, events, column_segments.size(), wal.records, wal.segments.size());
  for (const auto& s : column_segments) {
    out += fmt::format("  segments/{}  {:>12} bytes  {:>8} events  {}\n", s.file, s.bytes, s.rows,
                       s.problem.empty() ? "ok" : s.problem);
  }
  for (const auto& s : wal.segments) {
    out += fmt::format("  {}  {:>12} bytes  {:>8} records  {}", s.file, s.bytes, s.records,
                       wal::TailStateName(s.tail));
    if (s.tail != wal::TailState::kClean) out += fmt::format(" at offset {} ({})", s.bad_offset, s.reason);
    out += "\n";
  }
  for (const auto& n : notes) out += "note: " + n + "\n";
  if (ok()) {
    out += "OK: every checksum and record is valid";
    if (wal.torn_tails() > 0) out += fmt::format(" ({} torn tail(s) from interrupted writes, ignored)", wal.torn_tails());
    out += "\n";
  } else {
    for (const auto& p : problems) out += "PROBLEM: " + p + "\n";
  }
  return out;
}

}  // namespace agentperf::store
