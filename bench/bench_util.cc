#include "bench/bench_util.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "net/http_client.h"

extern char** environ;

namespace agentperf::bench {

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

uint64_t PeakRssBytes(pid_t pid) {
  std::ifstream f(pid == 0 ? "/proc/self/status" : fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

double CpuSeconds(pid_t pid) {
  std::ifstream f(pid == 0 ? "/proc/self/stat" : fmt::format("/proc/{}/stat", pid));
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t p = s.rfind(')');
  if (p == std::string::npos) return 0;
  // Fields after the command: state(3) ... utime(14) stime(15).
  std::vector<std::string> fields;
  size_t i = p + 2;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    fields.push_back(s.substr(i, j - i));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  if (fields.size() < 13) return 0;
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
}

std::string MakeScratchDir(const std::string& parent, const std::string& prefix) {
  std::string base = parent;
  if (base.empty()) {
    const char* t = std::getenv("TMPDIR");
    base = t && *t ? t : "/tmp";
  }
  std::string templ = base + "/" + prefix + "XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) return "";
  return buf.data();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void RemoveTree(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string SelfExe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "agentperf" : p.string();
}

ChildServer::~ChildServer() {
  if (pid_ > 0) Stop();
}

std::string ChildServer::url() const { return fmt::format("http://127.0.0.1:{}", port_); }

void ChildServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
}

Status ChildServer::Start(const std::string& data_dir, const std::vector<std::string>& extra_args, uint16_t port) {
  port_ = port != 0 ? port : FreeLoopbackPort();
  std::vector<std::string> args = {binary_, "serve", "--data", data_dir, "--listen",
                                   fmt::format("{}:{}", host_, port_), "--log-level", "warn"};
  if (!token_.empty()) {
    args.push_back("--token");
    args.push_back(token_);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  if (pid_ < 0) return Status::Internal("fork failed");
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto url = net::ParseUrl(this->url());
  net::HttpClientOptions o;
  o.connect_timeout_ms = 200;
  o.io_timeout_ms = 2000;
  o.bearer_token = token_;
  net::HttpClient client(*url, o);
  for (int i = 0; i < 600; ++i) {
    auto r = client.Get("/healthz");
    if (r.ok() && r->status == 200) return Status::OK();
    int st;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("agentperf serve exited during start-up");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable("agentperf serve did not answer /healthz within 30 s");
}

int ChildServer::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Result<Timed> RunTimed(const std::vector<std::string>& argv, const std::vector<std::string>* env,
                       const std::string& prefix) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string out_path = prefix + ".out", err_path = prefix + ".err", rss_path = prefix + ".rss";
  std::remove(rss_path.c_str());
  std::vector<std::string> env_strings;
  if (env != nullptr) {
    env_strings = *env;
  } else {
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  }
  env_strings.push_back("AGENTPERF_PEAK_RSS_FILE=" + rss_path);
  std::vector<char*> envp;
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return Status::IOError(fmt::format("cannot start {}: {}", argv[0], std::strerror(rc)));
  int st = 0;
  struct rusage ru {};
  while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {
  }
  Timed t;
  t.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  auto tv_ms = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3;
  };
  t.cpu_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
  t.peak_rss_bytes = std::strtoull(drive::ReadFile(rss_path).c_str(), nullptr, 10);
  std::remove(rss_path.c_str());
  t.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  t.out = drive::ReadFile(out_path);
  t.err = drive::ReadFile(err_path);
  return t;
}

Status Failed(const std::string& what, const Timed& t) {
  return Status::Internal(fmt::format("{} exited with status {}: {}", what, t.exit_code,
                                      t.err.substr(0, std::min<size_t>(t.err.size(), 2000))));
}

}  // namespace agentperf::bench
