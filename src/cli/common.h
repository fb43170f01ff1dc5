// Shared pieces of the CLI commands: where data lives (--data DIR or
// --server URL), errors, terminal detection, tables.
// Thread-safety: single-threaded CLI helpers.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "net/http_client.h"
#include "store/embedded_store.h"

namespace agentperf::cli {

// $AGENTPERF_DATA, else $XDG_DATA_HOME/agentperf, else ~/.local/share/agentperf.
std::string DefaultDataDir();

// Where a command reads or writes data.
struct Target {
  std::string data_dir;    // used when server_url is empty
  std::string server_url;  // a running `agentperf serve`
  std::string token;       // for --server (also $AGENTPERF_TOKEN)
  bool remote() const { return !server_url.empty(); }
};
void AddTargetOptions(CLI::App* cmd, Target* target);
Result<std::unique_ptr<store::EmbeddedStore>> OpenLocalStore(const Target& target, int flush_threads = 1);
Result<net::HttpClient> ConnectServer(const Target& target);
// Turns a non-2xx server answer into a Status (with the server's message).
Status ServerError(const net::HttpResponse& r);

// Prints "agentperf: error: <message>" and returns exit status 1.
int Fail(const Status& status);
bool StderrIsTerminal();
bool StdoutIsTerminal();

// --color auto|always|never: auto = stdout is a terminal and NO_COLOR is unset.
bool UseColor(const std::string& mode);

// The options of the windowed analysis commands (report, outliers,
// correlations): where the data is, the window, label filters, --json,
// --color. Params() gives the endpoint's window and filter parameters.
struct AnalysisOptions {
  Target target;
  std::string since = "7d", from, to, agent, model, tool;
  bool json = false;
  std::string color = "auto";
  Result<std::vector<std::pair<std::string, std::string>>> Params() const;
};
void AddAnalysisOptions(CLI::App* cmd, AnalysisOptions* o, std::string_view endpoint);

// The window parameters (from, to; ms since the epoch) of --since/--from/--to.
Result<std::vector<std::pair<std::string, std::string>>> WindowParams(const std::string& since, const std::string& from,
                                                                      const std::string& to);

// Runs an analysis endpoint (analysis/service) on the target, a local store
// or a server (GET /v1/analysis/<endpoint>), and returns its JSON answer.
Result<std::string> RunAnalysis(const Target& target, std::string_view endpoint,
                                const std::vector<std::pair<std::string, std::string>>& params);

// The tail every analysis command shares: on error, Fail; with --json, the
// answer (pretty on a terminal); else render(json) printed. Returns the exit
// status.
int PrintAnalysis(const Result<std::string>& json, bool as_json,
                  const std::function<Result<std::string>(std::string_view)>& render);

// A plain text table with aligned columns (right-aligned numbers).
std::string RenderTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// "12.3k", "1.5M" style for counts; fixed precision for values.
std::string FormatNumber(double v);

}  // namespace agentperf::cli
