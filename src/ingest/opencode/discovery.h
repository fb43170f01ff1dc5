// Where OpenCode keeps its history when the user names neither --db nor
// --storage (design §4.1): $OPENCODE_DB; else $XDG_DATA_HOME/opencode/
// opencode.db (default ~/.local/share/opencode/); else an opencode-*.db in
// that directory (channel databases); else that directory's storage/ tree
// (<= 1.1). A database wins over the tree: >= 1.2 migrates the tree into it.
// Thread-safety: reads the environment and the file system; no state.
#pragma once

#include <string>

#include "core/status.h"

namespace agentperf::ingest::opencode {

struct Source {
  bool is_db = true;
  std::string path;  // database file, or storage/ directory
};

// NotFound (listing the places looked at) when there is nothing.
Result<Source> DiscoverSource();

}  // namespace agentperf::ingest::opencode
