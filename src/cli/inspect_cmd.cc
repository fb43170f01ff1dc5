// agentperf inspect [DIR | --data DIR] [--json]
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "store/verify.h"

namespace agentperf::cli {

std::function<int()> SetupInspect(CLI::App* cmd) {
  struct Opts {
    std::string dir;
    std::string data_dir = DefaultDataDir();
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("DIR", o->dir, "data directory to inspect (same as --data)");
  cmd->add_option("--data", o->data_dir, "data directory (default: $AGENTPERF_DATA or ~/.local/share/agentperf)");
  cmd->add_flag("--json", o->json,
                "print the report as JSON: columns, dictionaries, sections (header, id_section, id_filter, footer) "
                "and files outside the segments (MANIFEST, wal/*.wal, ...), each with bytes, bytes_per_event and chosen "
                "codecs");
  return [o]() -> int {
    store::SizeReport report;
    Status st = store::InspectDataDir(fs::DefaultFileSystem(), o->dir.empty() ? o->data_dir : o->dir, &report);
    if (!st.ok()) return Fail(st);
    if (o->json) fmt::print("{}\n", report.ToJson());
    else fmt::print("{}", report.ToText());
    return 0;
  };
}

}  // namespace agentperf::cli
