// agentperf verify DIR
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "store/verify.h"

namespace agentperf::cli {

std::function<int()> SetupVerify(CLI::App* cmd) {
  struct Opts {
    std::string dir = DefaultDataDir();
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("DIR", o->dir, "data directory to check")->capture_default_str();
  cmd->add_option("--data", o->dir, "same as DIR");
  cmd->add_flag("--json", o->json, "print the report as JSON");
  return [o]() -> int {
    store::VerifyReport report;
    Status st = store::VerifyDataDir(fs::DefaultFileSystem(), o->dir, &report);
    if (!st.ok()) return Fail(st);
    if (o->json) fmt::print("{}\n", report.ToJson());
    else fmt::print("{}", report.ToText());
    return report.ok() ? 0 : 1;
  };
}

}  // namespace agentperf::cli
