#include "drive/opencode_serve.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <thread>

namespace agentperf::drive {

namespace {

using namespace std::chrono_literals;

// The string at a JSON pointer, "" when absent.
std::string JsonStr(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view s;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return "";
  if (root.at_pointer(pointer).get_string().get(s) != simdjson::SUCCESS) return "";
  return std::string(s);
}

}  // namespace

Status OpencodeServe::Start(const OpencodeWorld& world, const std::vector<std::string>& extra_env,
                            std::chrono::seconds timeout) {
  port_ = FreeLoopbackPort();
  child_ = std::make_unique<Child>(
      std::vector<std::string>{world.binary(), "serve", "--port", std::to_string(port_), "--hostname", "127.0.0.1"},
      world.Env(extra_env), world.project(), world.root() + "/out/oc-serve.out", world.root() + "/out/oc-serve.err");
  if (!child_->ok()) return Status::Internal(child_->error());
  auto url = net::ParseUrl(this->url());
  if (!url.ok()) return url.status();
  client_ = std::make_unique<net::HttpClient>(*url);
  // Health is polled on fresh connections with a short timeout: a connection
  // accepted while opencode is still starting may never be answered.
  net::HttpClientOptions probe_options;
  probe_options.connect_timeout_ms = 1000;
  probe_options.io_timeout_ms = 2000;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && child_->running()) {
    net::HttpClient probe(*url, probe_options);
    auto r = probe.Get("/global/health");
    if (r.ok() && r->status == 200) return Status::OK();
    last_ = r.ok() ? fmt::format("GET /global/health: {} {}", r->status, r->body) : r.status().ToString();
    std::this_thread::sleep_for(100ms);
  }
  return Status::Unavailable(fmt::format("opencode serve did not come up ({}):\n{}", last_, child_->err()));
}

std::string OpencodeServe::url() const { return fmt::format("http://127.0.0.1:{}", port_); }

std::optional<std::string> OpencodeServe::Call(const char* method, const std::string& path, const std::string& body) {
  if (!client_) return std::nullopt;
  auto r = body.empty() && std::string_view(method) == "GET"
               ? client_->Get(path)
               : client_->Request(method, path, body, {{"content-type", "application/json"}});
  if (!r.ok()) {
    last_ = fmt::format("{} {}: {}", method, path, r.status().ToString());
    return std::nullopt;
  }
  last_ = fmt::format("{} {}: {} {}", method, path, r->status, r->body.substr(0, 500));
  if (r->status >= 300) return std::nullopt;
  return r->body;
}

Result<OpencodeServe::PermissionRun> OpencodeServe::PermissionSession(const std::string& prompt,
                                                                      std::chrono::milliseconds delay,
                                                                      std::chrono::seconds timeout) {
  PermissionRun run;
  auto created = Call("POST", "/session", "{}");
  if (!created) return Status::Unavailable("creating a session failed: " + last_);
  run.session_id = JsonStr(*created, "/id");
  if (run.session_id.empty()) return Status::Internal("no session id in " + *created);
  std::string body;
  body = "{\"parts\":[{\"type\":\"text\",\"text\":\"";
  for (char c : prompt) {
    if (c == '"' || c == '\\') body += '\\';
    body += c;
  }
  body += "\"}]}";
  if (!Call("POST", "/session/" + run.session_id + "/prompt_async", body)) {
    return Status::Unavailable("sending the prompt failed: " + last_);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (run.permission_id.empty() && std::chrono::steady_clock::now() < deadline) {
    if (auto p = Call("GET", "/permission")) run.permission_id = JsonStr(*p, "/0/id");
    if (run.permission_id.empty()) std::this_thread::sleep_for(50ms);
  }
  if (run.permission_id.empty()) return Status::Unavailable("no permission request appeared");
  const auto asked = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(delay);
  if (!Call("POST", "/permission/" + run.permission_id + "/reply", R"({"reply":"once"})")) {
    return Status::Unavailable("replying to the permission failed: " + last_);
  }
  run.wait_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - asked).count();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    auto st = Call("GET", "/session/status");
    if (st && st->find(run.session_id) == std::string::npos) return run;
  }
  return Status::Unavailable("the permission session did not finish");
}

int OpencodeServe::Stop() {
  if (!child_) return -1;
  // A graceful stop: opencode disposes its instances (the plugin's dispose
  // hook sends what it still holds), then the process ends.
  if (child_->running() && Call("POST", "/global/dispose")) std::this_thread::sleep_for(1000ms);
  return child_->Kill();
}

}  // namespace agentperf::drive
