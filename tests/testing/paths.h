// Where tests find the source tree and ../shared (the read-only data beside
// the project root): $AGENTPERF_SOURCE_DIR / $AGENTPERF_SHARED_DIR when set,
// else the source directory this build was configured from.
// Thread-safety: pure functions.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace agentperf::testing {

inline std::filesystem::path SourceDir() {
  if (const char* d = std::getenv("AGENTPERF_SOURCE_DIR"); d != nullptr && *d != '\0') return d;
  return AGENTPERF_TEST_SOURCE_DIR;
}

inline std::filesystem::path SharedDir() {
  if (const char* d = std::getenv("AGENTPERF_SHARED_DIR"); d != nullptr && *d != '\0') return d;
  return SourceDir().parent_path() / "shared";
}

// ../shared/opencode/samples: OpenCode 1.18.33 captures (FACTS.md).
inline std::filesystem::path OpencodeSamplesDir() { return SharedDir() / "opencode" / "samples"; }

}  // namespace agentperf::testing
