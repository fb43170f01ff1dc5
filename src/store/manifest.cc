#include "store/manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/crc32c.h"

namespace agentperf::store {
namespace {

constexpr std::string_view kMagic = "agentperf-manifest 1";

template <typename T>
bool ParseNum(std::string_view s, T* out, int base = 10) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      if (i > start) parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

std::string Manifest::Encode() const {
  std::string out;
  out += fmt::format("{}\nnext_segment {}\nflushed_seq {}\n", kMagic, next_segment, flushed_seq);
  for (const SegmentMeta& s : segments) {
    out += fmt::format("segment {:016x} rows={} bytes={} min_start_us={} max_start_us={} wal_seq_min={} wal_seq_max={} "
                       "level={}\n",
                       s.no, s.rows, s.bytes, s.min_start_us, s.max_start_us, s.wal_seq_min, s.wal_seq_max, s.level);
  }
  out += fmt::format("crc {:08x}\n", crc32c::Mask(crc32c::Value(out)));
  return out;
}

Result<Manifest> Manifest::Decode(std::string_view text) {
  size_t crc_at = text.rfind("crc ");
  if (crc_at == std::string_view::npos || (crc_at > 0 && text[crc_at - 1] != '\n')) {
    return Status::Corruption("manifest has no crc line (truncated?)");
  }
  std::string_view crc_line = text.substr(crc_at + 4);
  while (!crc_line.empty() && (crc_line.back() == '\n' || crc_line.back() == '\r')) crc_line.remove_suffix(1);
  uint32_t crc;
  if (!ParseNum(crc_line, &crc, 16)) return Status::Corruption("manifest crc line unreadable");
  if (crc32c::Mask(crc32c::Value(text.substr(0, crc_at))) != crc) return Status::Corruption("manifest checksum mismatch");
  Manifest m;
  auto lines = Split(text.substr(0, crc_at), '\n');
  if (lines.empty() || lines[0] != kMagic) {
    return Status::FailedPrecondition(fmt::format("manifest starts with '{}', expected '{}'",
                                                  lines.empty() ? "" : lines[0], kMagic));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    auto words = Split(lines[i], ' ');
    if (words.size() == 2 && words[0] == "next_segment" && ParseNum(words[1], &m.next_segment)) continue;
    if (words.size() == 2 && words[0] == "flushed_seq" && ParseNum(words[1], &m.flushed_seq)) continue;
    if (words.size() >= 2 && words[0] == "segment") {
      SegmentMeta s;
      bool ok = ParseNum(words[1], &s.no, 16);
      for (size_t w = 2; ok && w < words.size(); ++w) {
        auto eq = words[w].find('=');
        if (eq == std::string_view::npos) { ok = false; break; }
        std::string_view k = words[w].substr(0, eq), v = words[w].substr(eq + 1);
        if (k == "rows") ok = ParseNum(v, &s.rows);
        else if (k == "bytes") ok = ParseNum(v, &s.bytes);
        else if (k == "min_start_us") ok = ParseNum(v, &s.min_start_us);
        else if (k == "max_start_us") ok = ParseNum(v, &s.max_start_us);
        else if (k == "wal_seq_min") ok = ParseNum(v, &s.wal_seq_min);
        else if (k == "wal_seq_max") ok = ParseNum(v, &s.wal_seq_max);
        else if (k == "level") ok = ParseNum(v, &s.level);
        // Unknown keys are ignored (added by a later minor revision).
      }
      if (ok && s.no < m.next_segment) {
        m.segments.push_back(s);
        continue;
      }
    }
    return Status::Corruption(fmt::format("manifest line {} unreadable: '{}'", i + 1, lines[i]));
  }
  std::sort(m.segments.begin(), m.segments.end(), [](const SegmentMeta& a, const SegmentMeta& b) {
    return a.min_start_us != b.min_start_us ? a.min_start_us < b.min_start_us : a.no < b.no;
  });
  return m;
}

Result<Manifest> LoadManifest(fs::FileSystem* fs, const std::string& data_dir) {
  std::string path = fs::JoinPath(data_dir, kManifestFile);
  if (!fs->FileExists(path)) return Manifest{};
  std::string text;
  AP_RETURN_IF_ERROR(fs::ReadFileToString(fs, path, &text));
  auto m = Manifest::Decode(text);
  if (!m.ok()) return m.status().WithContext(path);
  return m;
}

Status SaveManifest(fs::FileSystem* fs, const std::string& data_dir, const Manifest& m) {
  return fs::WriteFileAtomically(fs, fs::JoinPath(data_dir, kManifestFile), m.Encode());
}

}  // namespace agentperf::store
