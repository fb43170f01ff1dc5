#include "store/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/json_writer.h"
#include "event/codec.h"
#include "store/embedded_store.h"
#include "store/manifest.h"
#include "event/fields.h"
#include "store/codec/column_codec.h"
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

namespace {

std::string ColumnName(int c) {
  using namespace segment;  // NOLINT(google-build-using-namespace)
  if (c == kColStart) return "start_us";
  if (c == kColDur) return "dur_us";
  if (c == kColKind) return "kind";
  if (c == kColStatus) return "status";
  if (c >= kColStr0 && c < kColInt0) return std::string(event::kStrFields[c - kColStr0].json_name);
  if (c >= kColInt0 && c < kColFloat0) return std::string(event::kIntFields[c - kColInt0].name);
  if (c >= kColFloat0 && c < kColAttr) return std::string(event::kFloatFields[c - kColFloat0].name);
  return "attributes";
}

Status ReadAt(const fs::RandomAccessFile& f, uint64_t offset, uint64_t n, std::string* out) {
  if (offset > f.Size() || n > f.Size() - offset) return Status::Corruption("section outside the file");
  out->resize(n);
  std::string_view got;
  AP_RETURN_IF_ERROR(f.Read(offset, n, &got, out->data()));
  if (got.size() != n) return Status::Corruption("short read");
  if (got.data() != out->data()) std::memmove(out->data(), got.data(), n);
  return Status::OK();
}

SizePart Part(std::string group, std::string name) {
  SizePart p;
  p.group = std::move(group);
  p.name = std::move(name);
  return p;
}

// Sizes of every regular file below `path` (relative names).
void WalkFiles(fs::FileSystem* fs, const std::string& path, const std::string& rel,
               std::vector<std::pair<std::string, uint64_t>>* files) {
  auto names = fs->ListDir(path);
  if (names.ok()) {
    for (const auto& n : *names) WalkFiles(fs, fs::JoinPath(path, n), rel.empty() ? n : rel + "/" + n, files);
    return;
  }
  auto size = fs->FileSize(path);
  if (size.ok()) files->emplace_back(rel, *size);
}

}  // namespace

Status InspectDataDir(fs::FileSystem* fs, const std::string& dir, SizeReport* report) {
  using namespace segment;  // NOLINT(google-build-using-namespace)
  *report = SizeReport{};
  report->data_dir = dir;
  if (!fs->FileExists(dir)) return Status::NotFound(fmt::format("data directory {} does not exist", dir));
  AP_ASSIGN_OR_RETURN(Manifest manifest, LoadManifest(fs, dir));
  auto& parts = report->parts;
  for (int c = 0; c < kNumColumns; ++c) parts.push_back(Part("column", ColumnName(c)));
  const size_t dict0 = parts.size();
  for (const auto& f : event::kStrFields) parts.push_back(Part("dictionary", std::string(f.json_name)));
  parts.push_back(Part("dictionary", "attributes"));
  const size_t sec0 = parts.size();
  for (const char* n : {"header", "id_section", "id_filter", "footer"}) parts.push_back(Part("segment", n));
  const size_t unaccounted = parts.size();
  parts.push_back(Part("segment", "unaccounted"));

  std::vector<std::string> live;
  std::string buf;
  for (const SegmentMeta& m : manifest.segments) {
    const std::string name = SegmentFileName(m.no);
    live.push_back("segments/" + name);
    const std::string path = fs::JoinPath(SegmentsDir(dir), name);
    AP_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(fs, path, m.no));
    AP_ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(path));
    const Footer& f = reader->footer();
    ++report->segments;
    report->segment_rows += f.rows;
    uint64_t accounted = 0;
    auto add = [&](size_t part, uint64_t bytes) {
      parts[part].bytes += bytes;
      accounted += bytes;
    };
    for (const BlockInfo& b : f.blocks) {
      AP_RETURN_IF_ERROR(ReadAt(*file, b.offset, b.bytes(), &buf).WithContext(path));
      uint64_t pos = 0;
      for (int c = 0; c < kNumColumns; ++c) {
        const codec::ChunkType t = IsFloatColumn(c) ? codec::ChunkType::kDoubles : codec::ChunkType::kInts;
        ++parts[c].codecs[codec::DescribeChunk(std::string_view(buf).substr(pos, b.chunk_len[c]), b.rows, t)];
        parts[c].values += b.rows;
        add(c, b.chunk_len[c]);
        pos += b.chunk_len[c];
      }
    }
    uint64_t off = f.dict_offset;
    for (int i = 0; i <= event::kNumStrFields; ++i) {
      const DictInfo& d = i < event::kNumStrFields ? f.dicts[i] : f.attr_dict;
      AP_RETURN_IF_ERROR(ReadAt(*file, off, d.length, &buf).WithContext(path));
      if (d.count > 0) ++parts[dict0 + i].codecs[codec::DescribeChunk(buf, d.count, codec::ChunkType::kStrings)];
      parts[dict0 + i].values += d.count;
      add(dict0 + i, d.length);
      off += d.length;
    }
    add(sec0, kHeaderSize);
    add(sec0 + 1, f.ids.length);
    add(sec0 + 2, f.id_filter.length);
    const uint64_t footer_bytes = reader->file_bytes() - (f.id_filter.offset + f.id_filter.length);
    add(sec0 + 3, footer_bytes);
    parts[unaccounted].bytes += reader->file_bytes() - accounted;  // gaps, if any (0 for files this version writes)
  }
  // Every other file, grouped as "dir/*.ext" (or its name at the top level).
  std::map<std::string, SizePart> others;
  std::vector<std::pair<std::string, uint64_t>> files;
  WalkFiles(fs, dir, "", &files);
  for (const auto& [rel, size] : files) {
    report->total_bytes += size;
    if (std::find(live.begin(), live.end(), rel) != live.end()) continue;
    std::string group = rel;
    if (const size_t slash = rel.rfind('/'); slash != std::string::npos) {
      const size_t dot = rel.rfind('.');
      group = rel.substr(0, slash) + "/*" + (dot != std::string::npos && dot > slash ? rel.substr(dot) : "");
    }
    SizePart& p = others.try_emplace(group, Part("file", group)).first->second;
    p.bytes += size;
    ++p.values;
  }
  for (auto& [name, p] : others) parts.push_back(std::move(p));
  return Status::OK();
}

std::string SizeReport::ToJson() const {
  const double n = static_cast<double>(segment_rows ? segment_rows : 1);
  JsonWriter w;
  w.BeginObject();
  w.Field("data_dir", data_dir);
  w.Field("segments", segments);
  w.Field("segment_rows", segment_rows);
  w.Field("total_bytes", total_bytes);
  w.Field("bytes_per_event", static_cast<double>(total_bytes) / n);
  std::string group;
  for (const SizePart& p : parts) {
    if (p.group != group) {
      if (!group.empty()) w.EndObject();
      group = p.group;
      w.Key(group == "column" ? "columns" : group == "dictionary" ? "dictionaries" : group == "segment" ? "sections" : "files");
      w.BeginObject();
    }
    w.Key(p.name).BeginObject();
    w.Field("bytes", p.bytes);
    w.Field("bytes_per_event", static_cast<double>(p.bytes) / n);
    if (p.group == "dictionary") w.Field("entries", p.values);
    if (p.group == "file") w.Field("files", p.values);
    if (!p.codecs.empty()) {
      w.Key("codecs").BeginObject();
      for (const auto& [c, k] : p.codecs) w.Field(c, k);
      w.EndObject();
    }
    w.EndObject();
  }
  if (!group.empty()) w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string SizeReport::ToText() const {
  const double n = static_cast<double>(segment_rows ? segment_rows : 1);
  std::string out = fmt::format("{}: {} bytes, {} events in {} segment(s): {:.3f} bytes/event\n", data_dir, total_bytes,
                                segment_rows, segments, static_cast<double>(total_bytes) / n);
  out += fmt::format("  {:<11} {:<20} {:>12} {:>9} {:>6}  {}\n", "part", "name", "bytes", "B/event", "share", "codecs (chunks)");
  for (const SizePart& p : parts) {
    if (p.bytes == 0 && p.group != "column") continue;
    std::string codecs;
    std::vector<std::pair<uint64_t, std::string>> by_count;
    for (const auto& [c, k] : p.codecs) by_count.emplace_back(k, c);
    std::sort(by_count.rbegin(), by_count.rend());
    for (size_t i = 0; i < by_count.size() && i < 4; ++i) {
      codecs += fmt::format("{}{} x{}", i ? ", " : "", by_count[i].second, by_count[i].first);
    }
    if (by_count.size() > 4) codecs += fmt::format(", +{} more", by_count.size() - 4);
    if (p.group == "dictionary") codecs = fmt::format("{} entries; {}", p.values, codecs);
    if (p.group == "file") codecs = fmt::format("{} file(s)", p.values);
    out += fmt::format("  {:<11} {:<20} {:>12} {:>9.3f} {:>5.1f}%  {}\n", p.group, p.name, p.bytes,
                       static_cast<double>(p.bytes) / n,
                       total_bytes ? 100.0 * static_cast<double>(p.bytes) / static_cast<double>(total_bytes) : 0.0,
                       codecs);
  }
  return out;
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
