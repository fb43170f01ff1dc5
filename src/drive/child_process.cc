#include "drive/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace agentperf::drive {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IOError("cannot write " + path);
  return Status::OK();
}

std::vector<std::string> BaseEnv() {
  return {"PATH=" + EnvOr("PATH", "/usr/local/bin:/usr/bin:/bin"), "LANG=C.UTF-8"};
}

Child::Child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& cwd,
             const std::string& out_path, const std::string& err_path)
    : out_path_(out_path), err_path_(err_path) {
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || in < 0 || argv.empty()) {
    error_ = "cannot open the output files " + out_path + " / " + err_path;
  } else {
    pid_ = fork();
    if (pid_ < 0) error_ = "fork failed";
    if (pid_ == 0) {
      setpgid(0, 0);  // its own process group: killing it takes its children along
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    if (pid_ > 0) setpgid(pid_, pid_);
  }
  for (int fd : {out, err, in}) {
    if (fd >= 0) ::close(fd);
  }
}

std::optional<int> Child::Poll() {
  if (exit_ || pid_ <= 0) return exit_;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) exit_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return exit_;
}

std::optional<int> Child::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Poll() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Poll();
}

void Child::Signal(int sig) {
  if (pid_ > 0 && !Poll()) ::kill(-pid_, sig);
}

int Child::Kill() {
  if (pid_ <= 0) return -1;
  if (Poll()) return *exit_;
  ::kill(-pid_, SIGTERM);
  if (Wait(std::chrono::seconds(5))) return *exit_;
  ::kill(-pid_, SIGKILL);
  Wait(std::chrono::seconds(5));
  return exit_.value_or(-1);
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& cwd, const std::string& out_prefix, std::chrono::seconds timeout) {
  const auto t0 = std::chrono::steady_clock::now();
  Child c(argv, env, cwd, out_prefix + ".out", out_prefix + ".err");
  CommandResult r;
  if (!c.ok()) {
    r.err = c.error();
    return r;
  }
  auto st = c.Wait(timeout);
  if (!st) c.Kill();
  r.exit_code = st.value_or(-1);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.out = c.out();
  r.err = c.err();
  return r;
}

uint16_t FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace agentperf::drive
