#include "store/verify.h"

#include <fmt/format.h>

#include "core/json_writer.h"
#include "event/codec.h"
#include "store/embedded_store.h"

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
    if (v != kDataFormatVersion) report->problems.push_back(fmt::format("VERSION is '{}', expected '{}'", v, kDataFormatVersion));
  } else {
    report->problems.push_back("VERSION file missing (not an agentperf data directory?)");
  }
  std::string wal_dir = WalDir(dir);
  if (!fs->FileExists(wal_dir)) return Status::OK();
  uint64_t bad_payloads = 0;
  auto check = [&](uint64_t seq, std::string_view payload) -> Status {
    event::EventBatch batch;
    Status st = event::DecodeBatch(payload, &batch);
    if (!st.ok()) {
      if (++bad_payloads <= 10) report->problems.push_back(fmt::format("WAL record {}: {}", seq, st.message()));
      return Status::OK();
    }
    report->events += batch.size();
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
  w.Key("problems").BeginArray();
  for (const auto& p : problems) w.String(p);
  w.EndArray();
  w.Field("text", ToText());
  w.EndObject();
  return w.Take();
}

std::string VerifyReport::ToText() const {
  std::string out = fmt::format("{}: {} events in {} WAL records, {} segment(s)\n", data_dir, events, wal.records,
                                wal.segments.size());
  for (const auto& s : wal.segments) {
    out += fmt::format("  {}  {:>12} bytes  {:>8} records  {}", s.file, s.bytes, s.records,
                       wal::TailStateName(s.tail));
    if (s.tail != wal::TailState::kClean) out += fmt::format(" at offset {} ({})", s.bad_offset, s.reason);
    out += "\n";
  }
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
