// agentperf verify [DIR | --data DIR | --server URL]
#include <fmt/format.h>
#include <simdjson.h>

#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "store/verify.h"

namespace agentperf::cli {

std::function<int()> SetupVerify(CLI::App* cmd) {
  struct Opts {
    std::string dir;
    Target target;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("DIR", o->dir, "data directory to check (same as --data)");
  AddTargetOptions(cmd, &o->target);
  cmd->add_flag("--json", o->json, "print the report as JSON");
  return [o]() -> int {
    std::string json, text;
    bool ok = false;
    if (o->target.remote()) {
      auto c = ConnectServer(o->target);
      if (!c.ok()) return Fail(c.status());
      auto r = c->Get("/v1/verify");
      if (!r.ok()) return Fail(r.status());
      if (r->status != 200) return Fail(ServerError(*r));
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      if (parser.parse(r->body).get(root) != simdjson::SUCCESS || !root["ok"].is_bool()) {
        return Fail(Status::Internal("the server's verify report is not valid JSON"));
      }
      ok = root["ok"].get_bool().value();
      std::string_view t;
      if (root["text"].get(t) == simdjson::SUCCESS) text = std::string(t);
      json = r->body;
    } else {
      store::VerifyReport report;
      Status st = store::VerifyDataDir(fs::DefaultFileSystem(), o->dir.empty() ? o->target.data_dir : o->dir, &report);
      if (!st.ok()) return Fail(st);
      ok = report.ok();
      json = report.ToJson();
      text = report.ToText();
    }
    if (o->json) fmt::print("{}\n", json);
    else fmt::print("{}", text);
    return ok ? 0 : 1;
  };
}

}  // namespace agentperf::cli
