#include "ingest/opencode/discovery.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace agentperf::ingest::opencode {

Result<Source> DiscoverSource() {
  namespace fsys = std::filesystem;
  std::error_code ec;
  if (const char* env = std::getenv("OPENCODE_DB"); env && *env) {
    if (fsys::is_regular_file(env, ec)) return Source{true, env};
    return Status::NotFound(fmt::format("$OPENCODE_DB names {}, which does not exist", env));
  }
  std::string dir;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) {
    dir = std::string(x) + "/opencode";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = std::string(h) + "/.local/share/opencode";
  } else {
    return Status::NotFound("neither $XDG_DATA_HOME nor $HOME is set; use --db or --storage");
  }
  const std::string db = dir + "/opencode.db";
  if (fsys::is_regular_file(db, ec)) return Source{true, db};
  std::vector<std::string> channels;
  for (const auto& entry : fsys::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 12 && name.rfind("opencode-", 0) == 0 && name.substr(name.size() - 3) == ".db") {
      channels.push_back(entry.path().string());
    }
  }
  if (!channels.empty()) {
    std::sort(channels.begin(), channels.end());
    return Source{true, channels.front()};
  }
  const std::string storage = dir + "/storage";
  if (fsys::is_directory(storage, ec)) return Source{false, storage};
  return Status::NotFound(fmt::format(
      "no OpenCode history found: looked for {}, {}/opencode-*.db and {} (use --db or --storage)", db, dir, storage));
}

}  // namespace agentperf::ingest::opencode
