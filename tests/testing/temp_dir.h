// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with its
// contents when the object goes away (unless AGENTPERF_KEEP_TEST_DIRS is set).
#pragma once

#include <string>

namespace agentperf::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace agentperf::testing
