// Runs a program to completion and captures its output (for end-to-end tests
// of the agentperf binary).
#pragma once

#include <string>
#include <vector>

namespace agentperf::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal if killed by a signal
  std::string out;
  std::string err;
};

// argv[0] is the program path. `stdin_data` is written to its stdin.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         const std::vector<std::string>& extra_env = {});

// The agentperf binary under test ($AGENTPERF_BIN, set by CTest).
std::string AgentperfBin();

}  // namespace agentperf::testing
