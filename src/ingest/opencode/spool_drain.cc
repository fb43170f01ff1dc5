#include "ingest/opencode/spool_drain.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/log.h"
#include "net/http_client.h"
#include "net/url.h"

namespace agentperf::ingest::opencode {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kSpoolSuffix = ".ndjson";
constexpr std::string_view kClaimInfix = ".ndjson.sending-";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool ProcessAlive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// Spool files ready to send, after taking back the claims of dead drainers.
std::vector<fs::path> ListSpool(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (size_t at = name.find(kClaimInfix); at != std::string::npos) {
      long pid = std::strtol(name.c_str() + at + kClaimInfix.size(), nullptr, 10);
      if (!ProcessAlive(pid)) {
        fs::path back = dir / name.substr(0, at + kSpoolSuffix.size());
        std::error_code rec;
        fs::rename(it->path(), back, rec);
        if (!rec) out.push_back(back);
      }
    } else if (EndsWith(name, kSpoolSuffix)) {
      out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());  // oldest first: names start with the time
  return out;
}

bool ReadFile(const fs::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

uint64_t CountLines(std::string_view s) {
  uint64_t n = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string_view::npos) nl = s.size();
    if (s.substr(pos, nl - pos).find_first_not_of(" \t\r") != std::string_view::npos) ++n;
    pos = nl + 1;
  }
  return n;
}

}  // namespace

std::string DefaultSpoolDir() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state != nullptr && *state != '\0') return (fs::path(state) / "agentperf" / "spool").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home != nullptr ? home : "/tmp") / ".local" / "state" / "agentperf" / "spool").string();
}

SpoolDrainer::SpoolDrainer(SpoolDrainOptions options) : options_(std::move(options)) {}

SpoolDrainer::~SpoolDrainer() { Stop(); }

Result<SpoolDrainCounts> SpoolDrainer::DrainOnce() {
  SpoolDrainCounts c;
  std::error_code ec;
  if (!fs::is_directory(options_.dir, ec)) return c;
  auto url = net::ParseUrl(options_.url);
  if (!url.ok()) return url.status();
  net::HttpClient::Options copts;
  copts.bearer_token = options_.token;
  copts.io_timeout_ms = 30000;
  net::HttpClient client(*url, copts);
  for (const fs::path& file : ListSpool(options_.dir)) {
    const fs::path claimed = file.string() + std::string(kClaimInfix.substr(kSpoolSuffix.size())) +
                             std::to_string(::getpid());
    std::error_code rec;
    fs::rename(file, claimed, rec);
    if (rec) continue;  // another drainer (the plugin) took it
    std::string body;
    if (!ReadFile(claimed, &body)) {
      fs::rename(claimed, file, rec);
      continue;
    }
    if (CountLines(body) == 0) {
      fs::remove(claimed, rec);
      continue;
    }
    auto r = client.Post("/v1/events", body, "application/x-ndjson");
    if (r.ok() && r->status == 200) {
      fs::remove(claimed, rec);
      ++c.files_sent;
      c.events_sent += CountLines(body);
    } else if (r.ok() && r->status == 400) {
      fs::rename(claimed, file.string() + ".rejected", rec);
      ++c.files_rejected;
      log::Warn("spool", "{}: refused by the collector, kept as {}.rejected: {}", file.string(), file.string(),
                r->body.substr(0, 300));
    } else {
      fs::rename(claimed, file, rec);  // collector unavailable (or auth): next round
      ++c.files_retry;
      if (r.ok() && (r->status == 401 || r->status == 403)) {
        log::Warn("spool", "the collector refused the token ({}); spool files kept", r->status);
      }
      break;
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  totals_.files_sent += c.files_sent;
  totals_.events_sent += c.events_sent;
  totals_.files_rejected += c.files_rejected;
  totals_.files_retry += c.files_retry;
  return c;
}

void SpoolDrainer::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void SpoolDrainer::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SpoolDrainCounts SpoolDrainer::totals() const {
  std::lock_guard<std::mutex> l(mu_);
  return totals_;
}

void SpoolDrainer::Loop() {
  for (;;) {
    auto r = DrainOnce();
    if (!r.ok()) log::Warn("spool", "draining {} failed: {}", options_.dir, r.status().ToString());
    else if (r->files_sent > 0) log::Info("spool", "sent {} spooled events from {} files", r->events_sent, r->files_sent);
    std::unique_lock<std::mutex> l(mu_);
    if (cv_.wait_for(l, std::chrono::milliseconds(options_.interval_ms), [this] { return stop_; })) return;
  }
}

}  // namespace agentperf::ingest::opencode
