// agentperf watch: placeholder until the command is built (issue 4).
#include <fmt/format.h>

#include "cli/commands.h"

namespace agentperf::cli {

std::function<int()> SetupWatch(CLI::App* cmd) {
  return []() -> int {
    fmt::print(stderr, "agentperf watch: not built yet\n");
    return 1;
  };
}

}  // namespace agentperf::cli
