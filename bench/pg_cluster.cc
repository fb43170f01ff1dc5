#include "bench/pg_cluster.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/bench_util.h"

namespace agentperf::bench {
namespace {

namespace fs = std::filesystem;

// Signal-time cleanup of the one running cluster: everything is prepared
// beforehand (no allocation in the handler).
struct SignalCleanup {
  std::atomic<pid_t> postmaster{0};
  char rm_path[16] = "/bin/rm";
  char rm_arg0[8] = "rm";
  char rm_arg1[8] = "-rf";
  char dir[4096] = {0};
  struct sigaction old_int {}, old_term {}, old_hup {};
  bool installed = false;
};
SignalCleanup g_cleanup;

void OnSignal(int sig) {
  pid_t pm = g_cleanup.postmaster.load();
  if (pm > 0) {
    kill(pm, SIGQUIT);  // immediate shutdown
    for (int i = 0; i < 100 && kill(pm, 0) == 0; ++i) usleep(50000);
    pid_t c = fork();
    if (c == 0) {
      char* argv[] = {g_cleanup.rm_arg0, g_cleanup.rm_arg1, g_cleanup.dir, nullptr};
      execv(g_cleanup.rm_path, argv);
      _exit(127);
    }
    if (c > 0) waitpid(c, nullptr, 0);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void InstallSignalCleanup(pid_t postmaster, const std::string& dir) {
  std::snprintf(g_cleanup.dir, sizeof g_cleanup.dir, "%s", dir.c_str());
  g_cleanup.postmaster.store(postmaster);
  if (!g_cleanup.installed) {
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &g_cleanup.old_int);
    sigaction(SIGTERM, &sa, &g_cleanup.old_term);
    sigaction(SIGHUP, &sa, &g_cleanup.old_hup);
    g_cleanup.installed = true;
  }
}

void ClearSignalCleanup() {
  g_cleanup.postmaster.store(0);
  if (g_cleanup.installed) {
    sigaction(SIGINT, &g_cleanup.old_int, nullptr);
    sigaction(SIGTERM, &g_cleanup.old_term, nullptr);
    sigaction(SIGHUP, &g_cleanup.old_hup, nullptr);
    g_cleanup.installed = false;
  }
}

void ChownTree(const std::string& dir, int uid, int gid) {
  std::error_code ec;
  if (chown(dir.c_str(), uid, gid) != 0) return;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    (void)lchown(it->path().c_str(), uid, gid);
  }
}

}  // namespace

std::string PgCluster::DefaultBinDir() {
  const char* env = std::getenv("AGENTPERF_PG_BIN");
  return env != nullptr && *env != '\0' ? env : "/usr/lib/postgresql/15/bin";
}

bool PgCluster::Available(const std::string& bin_dir, std::string* why) {
  for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
    std::string p = bin_dir + "/" + tool;
    if (access(p.c_str(), X_OK) != 0) {
      *why = fmt::format("{} not found (install postgresql-15, or set AGENTPERF_PG_BIN)", p);
      return false;
    }
  }
  if (geteuid() == 0 && getpwnam("postgres") == nullptr) {
    *why = "running as root and there is no 'postgres' user to run the server as";
    return false;
  }
  return true;
}

PgCluster::PgCluster(PgClusterOptions options) : options_(std::move(options)) {
  if (options_.bin_dir.empty()) options_.bin_dir = DefaultBinDir();
}

PgCluster::~PgCluster() {
  Stop();
  if (!dir_.empty()) RemoveTree(dir_);
}

std::string PgCluster::LogTail(size_t bytes) const {
  std::ifstream in(log_file(), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

Status PgCluster::RunTool(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid < 0) return Status::Internal("fork failed");
  if (pid == 0) {
    int fd = open(log_file().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (run_uid_ >= 0) {
      if (setgroups(0, nullptr) != 0 || setgid(static_cast<gid_t>(run_gid_)) != 0 ||
          setuid(static_cast<uid_t>(run_uid_)) != 0) {
        _exit(126);
      }
    }
    // A new process group: a ^C to the benchmark reaches our handler, which
    // stops the server itself.
    setpgid(0, 0);
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    return Status::Internal(fmt::format("{} failed (exit {}); log {}:\n{}", args[0],
                                        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), log_file(), LogTail()));
  }
  return Status::OK();
}

pid_t PgCluster::PostmasterPid() const {
  std::ifstream in(data_dir() + "/postmaster.pid");
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

Status PgCluster::Start() {
  std::string why;
  if (!Available(options_.bin_dir, &why)) return Status::Unavailable(why);
  dir_ = MakeScratchDir(options_.parent_dir, "agentperf-pg-");
  if (dir_.empty()) return Status::Internal("cannot create a scratch directory for PostgreSQL");
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    run_uid_ = static_cast<int>(pw->pw_uid);
    run_gid_ = static_cast<int>(pw->pw_gid);
    ChownTree(dir_, run_uid_, run_gid_);
    // The user must be able to reach the folder.
    for (fs::path p = fs::path(dir_).parent_path(); !p.empty() && p != p.parent_path(); p = p.parent_path()) {
      struct stat sb {};
      if (stat(p.c_str(), &sb) == 0 && (sb.st_mode & S_IXOTH) == 0) {
        return Status::FailedPrecondition(fmt::format(
            "{} is not searchable by the postgres user; pass --data-dir with a world-searchable parent", p.string()));
      }
    }
  }
  {
    // The log is written by this process's children (maybe as postgres).
    std::ofstream(log_file()).flush();
    if (run_uid_ >= 0) (void)chown(log_file().c_str(), run_uid_, run_gid_);
  }
  AP_RETURN_IF_ERROR(RunTool({options_.bin_dir + "/initdb", "-D", data_dir(), "-E", "UTF8", "--locale=C", "-A",
                              "trust", "-U", "postgres", "--no-sync"}));
  std::string sock = dir_ + "/sock";
  fs::create_directories(sock);
  if (run_uid_ >= 0) (void)chown(sock.c_str(), run_uid_, run_gid_);
  port_ = FreeLoopbackPort();
  {
    std::ofstream conf(data_dir() + "/postgresql.conf", std::ios::app);
    conf << "\n# agentperf bench store\n"
         << "listen_addresses = '127.0.0.1'\n"
         << "port = " << port_ << "\n"
         << "unix_socket_directories = '" << sock << "'\n";
    for (const auto& s : options_.settings) conf << s << "\n";
  }
  AP_RETURN_IF_ERROR(RunTool({options_.bin_dir + "/pg_ctl", "-D", data_dir(), "-l", log_file(), "-w", "-t", "120",
                              "-s", "start"}));
  running_ = true;
  InstallSignalCleanup(PostmasterPid(), dir_);
  return Status::OK();
}

Status PgCluster::Restart() {
  if (!running_) return Status::FailedPrecondition("cluster not running");
  AP_RETURN_IF_ERROR(RunTool({options_.bin_dir + "/pg_ctl", "-D", data_dir(), "-l", log_file(), "-w", "-t", "120",
                              "-s", "-m", "fast", "restart"}));
  InstallSignalCleanup(PostmasterPid(), dir_);
  return Status::OK();
}

void PgCluster::Stop() {
  if (!running_) return;
  Status st = RunTool({options_.bin_dir + "/pg_ctl", "-D", data_dir(), "-w", "-t", "60", "-s", "-m", "fast", "stop"});
  if (!st.ok()) {
    pid_t pm = PostmasterPid();
    if (pm > 0) kill(pm, SIGQUIT);
  }
  running_ = false;
  ClearSignalCleanup();
}

std::string PgCluster::ConnInfo(const std::string& db) const {
  return fmt::format("host={}/sock port={} dbname={} user=postgres connect_timeout=30", dir_, port_, db);
}

}  // namespace agentperf::bench
