#include "cli/common.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

#include "core/json_writer.h"

namespace agentperf::cli {

std::string DefaultDataDir() {
  if (const char* d = std::getenv("AGENTPERF_DATA"); d && *d) return d;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/agentperf";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/agentperf";
  return "./agentperf-data";
}

void AddTargetOptions(CLI::App* cmd, Target* t) {
  t->data_dir = DefaultDataDir();
  if (const char* tok = std::getenv("AGENTPERF_TOKEN")) t->token = tok;
  auto* data = cmd->add_option("--data", t->data_dir, "data directory of the embedded store")
                   ->capture_default_str();
  auto* server = cmd->add_option("--server", t->server_url, "URL of a running `agentperf serve` (e.g. http://127.0.0.1:7420)");
  data->excludes(server);
  cmd->add_option("--token", t->token, "token for --server (default: $AGENTPERF_TOKEN)");
}

Result<std::unique_ptr<store::EmbeddedStore>> OpenLocalStore(const Target& t, int flush_threads) {
  store::EmbeddedStoreOptions o;
  o.data_dir = t.data_dir;
  o.flush_threads = flush_threads;
  return store::EmbeddedStore::Open(o);
}

Result<net::HttpClient> ConnectServer(const Target& t) {
  AP_ASSIGN_OR_RETURN(net::Url url, net::ParseUrl(t.server_url));
  net::HttpClientOptions o;
  o.bearer_token = t.token;
  return net::HttpClient(std::move(url), o);
}

Status ServerError(const net::HttpResponse& r) {
  std::string msg = r.body;
  // Our server answers {"error": "...", ...}; show the message alone when we can.
  size_t k = msg.find("\"error\":\"");
  if (k != std::string::npos) {
    size_t start = k + 9, end = start;
    while (end < msg.size() && msg[end] != '"') end += msg[end] == '\\' ? 2 : 1;
    msg = msg.substr(start, end - start);
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string text = fmt::format("server answered {}: {}", r.status, msg);
  if (r.status == 400 || r.status == 404 || r.status == 413 || r.status == 415) return Status::InvalidArgument(text);
  if (r.status == 401 || r.status == 403) return Status::PermissionDenied(text + " (check --token)");
  return Status::Unavailable(text);
}

int Fail(const Status& st) {
  std::string msg = st.message();
  fmt::print(stderr, "agentperf: error: {}\n", msg.empty() ? st.ToString() : msg);
  return 1;
}

int PrintAnalysis(const Result<std::string>& json, bool as_json,
                  const std::function<Result<std::string>(std::string_view)>& render) {
  if (!json.ok()) return Fail(json.status());
  if (as_json) {
    fmt::print("{}\n", StdoutIsTerminal() ? PrettyJson(*json) : *json);
    return 0;
  }
  auto text = render(*json);
  if (!text.ok()) return Fail(text.status());
  fmt::print("{}", *text);
  return 0;
}

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }
bool StdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "-";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  if (std::fabs(v) >= 100) return fmt::format("{:.1f}", v);
  if (std::fabs(v) >= 1) return fmt::format("{:.3f}", v);
  return fmt::format("{:.6g}", v);
}

std::string RenderTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  std::vector<bool> numeric(header.size(), true);
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], r[c].size());
      if (!r[c].empty() && r[c] != "-" && r[c].find_first_not_of("0123456789.-e+") != std::string::npos) {
        numeric[c] = false;
      }
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < width.size(); ++c) {
      std::string cell = c < cells.size() ? cells[c] : "";
      if (c > 0) out += "  ";
      if (numeric[c]) out += std::string(width[c] - cell.size(), ' ') + cell;
      else out += cell + std::string(width[c] - cell.size(), ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}

}  // namespace agentperf::cli
