#include "ingest/opencode/legacy_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace agentperf::ingest::opencode {
namespace {
namespace fsys = std::filesystem;

// *.json files directly in dir, sorted by name (none if dir is missing).
std::vector<fsys::path> JsonFiles(const fsys::path& dir) {
  std::vector<fsys::path> out;
  std::error_code ec;
  for (const auto& e : fsys::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json" && e.is_regular_file(ec)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ReadFile(const fsys::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

Status ForEachLegacyUnit(const std::string& storage_dir, const std::function<Status(SessionUnit*)>& fn, RowStats* stats,
                         uint64_t* sessions_total) {
  const fsys::path root(storage_dir);
  std::error_code ec;
  if (!fsys::is_directory(root / "session", ec)) {
    return Status::NotFound(fmt::format("{} is not an OpenCode storage tree (no session/ directory)", storage_dir));
  }
  std::vector<fsys::path> session_files;
  std::vector<fsys::path> projects;
  for (const auto& e : fsys::directory_iterator(root / "session", ec)) {
    if (e.is_directory(ec)) projects.push_back(e.path());
  }
  std::sort(projects.begin(), projects.end());
  for (const auto& p : projects) {
    for (auto& f : JsonFiles(p)) session_files.push_back(std::move(f));
  }
  *sessions_total = session_files.size();
  ObjectParser parser;
  std::string text;
  for (const fsys::path& sf : session_files) {
    SessionUnit u;
    ++stats->sessions;
    const std::string stem = sf.stem().string();
    if (!ReadFile(sf, &text)) {
      stats->Bad("session", stem, "cannot read the file");
      continue;
    }
    Status st = parser.ParseSession(text, &u.session);
    if (!st.ok()) {
      stats->Bad("session", stem, st.message());
      continue;
    }
    if (u.session.id.empty()) u.session.id = stem;
    if (u.session.project_id.empty()) u.session.project_id = sf.parent_path().filename().string();
    for (const fsys::path& mf : JsonFiles(root / "message" / u.session.id)) {
      ++stats->messages;
      MessageInfo m;
      st = Status::OK();
      if (!ReadFile(mf, &text) || !(st = parser.ParseMessage(text, &m)).ok()) {
        stats->Bad("message", mf.stem().string(), st.ok() ? "cannot read the file" : st.message());
        continue;
      }
      if (m.id.empty()) m.id = mf.stem().string();
      m.session_id = u.session.id;
      for (const fsys::path& pf : JsonFiles(root / "part" / m.id)) {
        ++stats->parts;
        PartInfo p;
        st = Status::OK();
        if (!ReadFile(pf, &text) || !(st = parser.ParsePart(text, &p)).ok()) {
          stats->Bad("part", pf.stem().string(), st.ok() ? "cannot read the file" : st.message());
          continue;
        }
        if (p.id.empty()) p.id = pf.stem().string();
        p.message_id = m.id;
        p.session_id = u.session.id;
        u.parts.push_back(std::move(p));
      }
      u.messages.push_back(std::move(m));
    }
    AP_RETURN_IF_ERROR(fn(&u));
  }
  return Status::OK();
}

}  // namespace agentperf::ingest::opencode
