#include "ingest/opencode/import_cursor.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/hash.h"
#include "core/json_writer.h"

namespace agentperf::ingest::opencode {

std::string ImportCursor::ToJson() const {
  JsonWriter w;
  w.BeginObject()
      .Field("version", static_cast<int64_t>(version))
      .Field("source", source)
      .Field("path", path)
      .Field("inode", inode)
      .Field("max_time_updated", max_time_updated);
  w.Key("unsettled").BeginArray();
  for (const auto& id : unsettled) w.String(id);
  w.EndArray().EndObject();
  return w.Take();
}

Result<ImportCursor> ImportCursor::FromJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return Status::Corruption("import cursor: not a JSON object");
  }
  ImportCursor c;
  int64_t v;
  if (root["version"].get_int64().get(v) != simdjson::SUCCESS || v != 1) {
    return Status::Corruption("import cursor: unknown version");
  }
  std::string_view s;
  if (root["source"].get_string().get(s) == simdjson::SUCCESS) c.source = s;
  if (root["path"].get_string().get(s) == simdjson::SUCCESS) c.path = s;
  uint64_t ino;
  if (root["inode"].get_uint64().get(ino) == simdjson::SUCCESS) c.inode = ino;
  if (root["max_time_updated"].get_int64().get(v) == simdjson::SUCCESS) c.max_time_updated = v;
  simdjson::dom::array arr;
  if (root["unsettled"].get_array().get(arr) == simdjson::SUCCESS) {
    for (auto e : arr) {
      if (e.get_string().get(s) == simdjson::SUCCESS) c.unsettled.emplace_back(s);
    }
  }
  return c;
}

std::string CursorPathForData(const std::string& data_dir, const std::string& source_realpath) {
  return fmt::format("{}/import/opencode-{}.json", data_dir, Murmur3_128(source_realpath).ToHex());
}

std::string CursorPathForServer(const std::string& state_dir, const std::string& server_url,
                                const std::string& source_realpath) {
  std::string key = server_url;
  key.push_back('\0');
  key += source_realpath;
  return fmt::format("{}/import/opencode-{}.json", state_dir, Murmur3_128(key).ToHex());
}

std::string DefaultStateDir() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return std::string(x) + "/agentperf";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/state/agentperf";
  return "./agentperf-state";
}

Result<std::optional<ImportCursor>> LoadCursor(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT || !std::filesystem::exists(path)) return std::optional<ImportCursor>();
    return Status::IOError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = ImportCursor::FromJson(ss.str());
  if (!c.ok()) return c.status().WithContext(path);
  return std::optional<ImportCursor>(std::move(c).value());
}

Status SaveCursor(const std::string& path, const ImportCursor& cursor) {
  std::error_code ec;
  std::filesystem::path p(path);
  std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", p.parent_path().string(), ec.message()));
  const std::string tmp = path + ".tmp";
  const std::string body = cursor.ToJson() + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return Status::IOError(fmt::format("cannot write {}: {}", path, std::strerror(err)));
  }
  int dfd = ::open(p.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

}  // namespace agentperf::ingest::opencode
