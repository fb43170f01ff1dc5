// agentperf explain SESSION [--json] [--width N]
#include <fmt/format.h>
#include <simdjson.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "analysis/breakdown/span_json.h"
#include "analysis/decompose/render.h"
#include "analysis/decompose/session_tree.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/json_writer.h"

namespace agentperf::cli {

namespace {

struct ExplainOptions {
  Target target;
  std::string session;
  bool json = false;
  int width = 0;
  std::string color = "auto";
};

int TerminalWidth() {
  if (const char* c = std::getenv("COLUMNS"); c != nullptr && std::atoi(c) > 0) return std::atoi(c);
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 100;
}

}  // namespace

Result<std::string> RenderExplain(std::string_view json, int width, bool color) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Status::Corruption("the explain answer is not JSON");
  }
  std::string_view id;
  simdjson::dom::array spans;
  if (root["session_id"].get_string().get(id) != simdjson::SUCCESS ||
      root["spans"].get_array().get(spans) != simdjson::SUCCESS) {
    return Status::Corruption("not an explain answer (session_id, spans)");
  }
  AP_ASSIGN_OR_RETURN(std::vector<analysis::decompose::Span> list,
                      analysis::ParseSpansJson(simdjson::minify(root["spans"])));
  const analysis::decompose::SpanTree tree = analysis::decompose::BuildTree(std::move(list));
  const analysis::decompose::NodeId node = tree.FindSession(id);
  if (node == analysis::decompose::kNoNode) return Status::Corruption("the answer does not hold its session");
  return analysis::decompose::RenderWaterfall(tree, node, width, color);
}

std::function<int()> SetupExplain(CLI::App* cmd) {
  auto o = std::make_shared<ExplainOptions>();
  AddTargetOptions(cmd, &o->target);
  cmd->add_option("session", o->session, "the session id (ses_...; `agentperf query --group-by session_id` lists them)")
      ->required();
  cmd->add_flag("--json", o->json, "print the JSON answer (as GET /v1/analysis/explain?session=ID)");
  cmd->add_option("--width", o->width, "columns for the waterfall (default: the terminal's, else 100)");
  cmd->add_option("--color", o->color, "auto (on a terminal, unless NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  return [o]() -> int {
    return PrintAnalysis(RunAnalysis(o->target, "explain", {{"session", o->session}}), o->json, [&](std::string_view j) {
      return RenderExplain(j, o->width > 0 ? o->width : TerminalWidth(), UseColor(o->color));
    });
  };
}

}  // namespace agentperf::cli
