// Helpers of the end-to-end tests that drive the REAL opencode binary
// (header-only: tests/e2e_opencode/ globs only *_test.cc).
//
//  * OpencodeBinary(): the pinned opencode 1.18.33 that
//    scripts/install-opencode.sh installs; RequireOpencode() fails the test
//    with the install command when it is missing (never skips).
//  * Child / RunCommand: processes with an explicit environment, working
//    directory, output files and a timeout (killed, never left behind).
//  * SimProcess: `agentperf simulate llm` on a free port.
//  * OpencodeEnv: an isolated opencode world (FACTS.md §2 and §5): a temp
//    HOME and XDG dirs, a git project with one commit, opencode.json with the
//    `sim` provider, .opencode/agent/*.md, node_modules pre-filled from the
//    install (no background npm install), proxies pointing at a dead port.
//  * OpencodeDb: opencode.db opened read-only (sqlite3 C API).
//
// Thread-safety: test helpers, use from the test's thread.
#pragma once

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

extern char** environ;

namespace agentperf::e2e {

inline constexpr const char* kOpencodeVersion = "1.18.33";
inline constexpr const char* kInstallCommand = "scripts/install-opencode.sh";

inline std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

// $AGENTPERF_OPENCODE_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/agentperf/opencode-1.18.33.
inline std::string OpencodeInstallDir() {
  const std::string cache = EnvOr("XDG_CACHE_HOME", EnvOr("HOME", "/tmp") + "/.cache");
  return EnvOr("AGENTPERF_OPENCODE_DIR", fmt::format("{}/agentperf/opencode-{}", cache, kOpencodeVersion));
}
// $AGENTPERF_OPENCODE, else <install dir>/node_modules/.bin/opencode.
inline std::string OpencodeBinary() {
  return EnvOr("AGENTPERF_OPENCODE", OpencodeInstallDir() + "/node_modules/.bin/opencode");
}
// The @opencode-ai/plugin install copied into every config dir.
inline std::string PluginNodeModules() {
  return OpencodeInstallDir() + "/plugin/node_modules";
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// A child process with its own environment (nothing inherited), working
// directory and stdout/stderr files. The destructor kills it (SIGTERM, then
// SIGKILL after 5 s) if it still runs.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& cwd,
        const std::string& out_path, const std::string& err_path)
      : out_path_(out_path), err_path_(err_path) {
    // Everything the child needs is prepared before fork (the test process has threads).
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || err < 0 || in < 0) throw std::runtime_error("cannot open the output files of " + argv[0]);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      setpgid(0, 0);  // its own process group: killing it takes its children along
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    setpgid(pid_, pid_);
    ::close(out);
    ::close(err);
    ::close(in);
  }
  ~Child() { Kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running() { return Poll() == std::nullopt; }
  // The exit status (128 + signal when killed), once it has exited.
  std::optional<int> Poll() {
    if (exit_) return exit_;
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) exit_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return exit_;
  }
  // Waits up to `timeout`; nullopt if still running then.
  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!Poll() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Poll();
  }
  // SIGTERM to the process group, SIGKILL after 5 s; returns the exit status.
  int Kill() {
    if (Poll()) return *exit_;
    ::kill(-pid_, SIGTERM);
    if (Wait(std::chrono::seconds(5))) return *exit_;
    ::kill(-pid_, SIGKILL);
    Wait(std::chrono::seconds(5));
    return exit_.value_or(-1);
  }
  std::string out() const { return ReadFile(out_path_); }
  std::string err() const { return ReadFile(err_path_); }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_;
  std::string out_path_, err_path_;
};

struct CommandResult {
  int exit_code = -1;  // -1: timed out (and killed)
  std::string out, err;
  double seconds = 0;
};

// Runs a command to completion (killed after `timeout`).
inline CommandResult RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                const std::string& cwd, const std::string& out_prefix, std::chrono::seconds timeout) {
  const auto t0 = std::chrono::steady_clock::now();
  Child c(argv, env, cwd, out_prefix + ".out", out_prefix + ".err");
  CommandResult r;
  auto st = c.Wait(timeout);
  if (!st) c.Kill();
  r.exit_code = st.value_or(-1);
  r.out = c.out();
  r.err = c.err();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

// The environment variables of this process that tools need (PATH), for a
// child that otherwise inherits nothing.
inline std::vector<std::string> BaseEnv() {
  return {"PATH=" + EnvOr("PATH", "/usr/local/bin:/usr/bin:/bin"), "LANG=C.UTF-8"};
}

// FAILS the current test (with the install command) when the pinned opencode
// or its plugin package is missing. Returns false then.
inline bool RequireOpencode() {
  const std::string bin = OpencodeBinary();
  if (::access(bin.c_str(), X_OK) != 0) {
    ADD_FAILURE() << "opencode " << kOpencodeVersion << " is not installed at " << bin
                  << ". Install it with: " << kInstallCommand << " (needs npm and the npm registry once)";
    return false;
  }
  if (!std::filesystem::exists(PluginNodeModules() + "/@opencode-ai/plugin/package.json")) {
    ADD_FAILURE() << "the @opencode-ai/plugin pre-fill is missing at " << PluginNodeModules()
                  << ". Install it with: " << kInstallCommand;
    return false;
  }
  return true;
}

// `agentperf simulate llm` ($AGENTPERF_BIN) with a config, on a free port.
class SimProcess {
 public:
  SimProcess(const std::string& dir, const std::string& config_json) : dir_(dir) {
    std::filesystem::create_directories(dir);
    WriteFile(dir + "/sim.json", config_json);
    const std::string port_file = dir + "/sim.port";
    std::filesystem::remove(port_file);
    child_ = std::make_unique<Child>(
        std::vector<std::string>{agentperf::testing::AgentperfBin(), "simulate", "llm", "--config", dir + "/sim.json",
                                 "--listen", "127.0.0.1:0", "--port-file", port_file, "--log", log_path()},
        BaseEnv(), dir, dir + "/sim.stdout", dir + "/sim.stderr");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline && child_->running()) {
      std::string p = ReadFile(port_file);
      if (!p.empty() && p.back() == '\n') {
        port_ = static_cast<uint16_t>(std::stoi(p));
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "agentperf simulate llm did not start: " << child_->err();
  }
  uint16_t port() const { return port_; }
  bool ok() const { return port_ != 0; }
  std::string base_url() const { return fmt::format("http://127.0.0.1:{}/v1", port_); }
  std::string log_path() const { return dir_ + "/sim.ndjson"; }
  // The request log, one JSON object per line.
  std::vector<std::string> LogLines() const {
    std::vector<std::string> out;
    std::istringstream in(ReadFile(log_path()));
    for (std::string l; std::getline(in, l);) {
      if (!l.empty()) out.push_back(l);
    }
    return out;
  }
  // Stops it (SIGTERM); returns its exit status.
  int Stop() { return child_->Kill(); }
  std::string stderr_text() const { return child_->err(); }

 private:
  std::string dir_;
  std::unique_ptr<Child> child_;
  uint16_t port_ = 0;
};

struct AgentFile {
  std::string name;
  std::string mode = "subagent";  // primary, subagent, all
  std::string description;
  std::string prompt;             // the body (the system prompt); start it with "You are the X agent."
  std::string extra_frontmatter;  // more YAML lines, e.g. "temperature: 0.3\n"
};

// An isolated world for the real opencode.
class OpencodeEnv {
 public:
  explicit OpencodeEnv(std::string root) : root_(std::move(root)) {
    for (const char* d : {"home/.config/opencode", "home/.local/share", "home/.cache", "home/.local/state",
                          "project/.opencode/agent", "out"}) {
      std::filesystem::create_directories(root_ + "/" + d);
    }
  }
  const std::string& root() const { return root_; }
  std::string home() const { return root_ + "/home"; }
  std::string project() const { return root_ + "/project"; }
  std::string data_dir() const { return home() + "/.local/share/opencode"; }
  std::string db_path() const { return data_dir() + "/opencode.db"; }

  // opencode.json with the `sim` provider at `base_url` and models sim-large and
  // sim-small (cost input 1, output 2, cache_read 0.1 per million tokens).
  void WriteProjectConfig(const std::string& base_url, const std::string& extra_fields = "") const {
    const std::string model = R"("tool_call": true, "temperature": true,
        "cost": {"input": 1.0, "output": 2.0, "cache_read": 0.1},
        "limit": {"context": 128000, "output": 4096})";
    WriteFile(project() + "/opencode.json",
              fmt::format(R"({{
  "$schema": "https://opencode.ai/config.json",
  "model": "sim/sim-large", "small_model": "sim/sim-small",
  "autoupdate": false, "share": "disabled",
  "provider": {{"sim": {{"npm": "@ai-sdk/openai-compatible", "name": "agentperf simulated model",
    "options": {{"baseURL": "{}", "apiKey": "sk-sim"}},
    "models": {{"sim-large": {{"name": "Sim Large", {}}},
               "sim-small": {{"name": "Sim Small", {}}}}}}}}},
  "permission": {{"bash": "allow", "edit": "allow", "external_directory": "allow"}}{}
}}
)",
                          base_url, model, model, extra_fields.empty() ? "" : ",\n  " + extra_fields));
  }

  void WriteAgent(const AgentFile& a) const {
    WriteFile(project() + "/.opencode/agent/" + a.name + ".md",
              fmt::format("---\ndescription: {}\nmode: {}\nmodel: sim/sim-large\npermission:\n  bash: allow\n"
                          "  task: allow\n{}---\n{}\n",
                          a.description, a.mode, a.extra_frontmatter, a.prompt));
  }

  // git init + one commit (opencode's project id is the root commit), a
  // README, and node_modules pre-filled in both config dirs. Call after the
  // config files are written.
  ::testing::AssertionResult Prepare() const {
    WriteFile(project() + "/README.md", "# sim project\n\nhello\n");
    const std::vector<std::string> env = {"PATH=" + EnvOr("PATH", "/usr/bin:/bin"), "HOME=" + home(),
                                          "GIT_CONFIG_NOSYSTEM=1"};
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"git", "init", "-q"},
             {"git", "-c", "user.email=e2e@agentperf", "-c", "user.name=e2e", "add", "-A"},
             {"git", "-c", "user.email=e2e@agentperf", "-c", "user.name=e2e", "commit", "-q", "-m", "init"}}) {
      std::vector<std::string> argv = cmd;
      argv[0] = "/usr/bin/git";
      CommandResult r = RunCommand(argv, env, project(), root_ + "/out/git", std::chrono::seconds(60));
      if (r.exit_code != 0) return ::testing::AssertionFailure() << cmd[1] << " failed: " << r.err;
    }
    // Hard links (cheap) from the install; a plain copy across file systems.
    for (const std::string& dir : {project() + "/.opencode", home() + "/.config/opencode"}) {
      CommandResult r = RunCommand({"/bin/cp", "-al", PluginNodeModules(), dir + "/node_modules"}, BaseEnv(), "",
                                   root_ + "/out/cp", std::chrono::seconds(120));
      if (r.exit_code != 0) {
        std::filesystem::remove_all(dir + "/node_modules");
        r = RunCommand({"/bin/cp", "-a", PluginNodeModules(), dir + "/node_modules"}, BaseEnv(), "", root_ + "/out/cp",
                       std::chrono::seconds(120));
      }
      if (r.exit_code != 0) return ::testing::AssertionFailure() << "pre-filling node_modules failed: " << r.err;
      // The package.json opencode itself writes (FACTS §2.4) and the install's
      // package-lock.json: opencode's Npm.install re-resolves (over the
      // network: a ~70 s stall against the dead registry, awaited once a local
      // plugin is installed) whenever a dependency of package.json, or
      // @opencode-ai/plugin, is missing from the lock's root dependencies.
      WriteFile(dir + "/package.json",
                fmt::format("{{\n  \"dependencies\": {{\n    \"@opencode-ai/plugin\": \"{}\"\n  }}\n}}\n",
                            kOpencodeVersion));
      WriteFile(dir + "/package-lock.json", ReadFile(PluginNodeModules() + "/../package-lock.json"));
    }
    return ::testing::AssertionSuccess();
  }

  // The environment of an opencode process: nothing from the user's.
  std::vector<std::string> Env(const std::vector<std::string>& extra = {}) const {
    const std::string dead = "http://127.0.0.1:9";
    std::vector<std::string> env = BaseEnv();
    for (const std::string& e : std::vector<std::string>{
             "HOME=" + home(), "XDG_CONFIG_HOME=" + home() + "/.config", "XDG_DATA_HOME=" + home() + "/.local/share",
             "XDG_CACHE_HOME=" + home() + "/.cache", "XDG_STATE_HOME=" + home() + "/.local/state",
             "OPENCODE_DISABLE_MODELS_FETCH=1", "OPENCODE_DISABLE_AUTOUPDATE=1", "OPENCODE_DISABLE_SHARE=1",
             "OPENCODE_DISABLE_LSP_DOWNLOAD=1", "OPENCODE_DISABLE_DEFAULT_PLUGINS=1", "OPENCODE_DISABLE_CLAUDE_CODE=1",
             "HTTP_PROXY=" + dead, "HTTPS_PROXY=" + dead, "http_proxy=" + dead, "https_proxy=" + dead,
             "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost", "npm_config_registry=" + dead + "/"}) {
      env.push_back(e);
    }
    for (const auto& e : extra) env.push_back(e);
    return env;
  }

  // `opencode <args...>` in the project; `name` names its output files in out/.
  CommandResult Run(const std::vector<std::string>& args, const std::string& name,
                    std::chrono::seconds timeout = std::chrono::seconds(180),
                    const std::vector<std::string>& extra_env = {}) const {
    std::vector<std::string> argv = {OpencodeBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, Env(extra_env), project(), root_ + "/out/" + name, timeout);
  }

 private:
  std::string root_;
};

// opencode.db, read-only. Values come back as text; NULL as std::nullopt.
class OpencodeDb {
 public:
  using Row = std::vector<std::optional<std::string>>;
  explicit OpencodeDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      error_ = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    }
  }
  ~OpencodeDb() { sqlite3_close(db_); }
  OpencodeDb(const OpencodeDb&) = delete;
  OpencodeDb& operator=(const OpencodeDb&) = delete;
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // ADD_FAILUREs on an SQL error.
  std::vector<Row> Query(const std::string& sql) {
    std::vector<Row> rows;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "SQL error: " << sqlite3_errmsg(db_) << " in " << sql;
      return rows;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Row row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        if (t == nullptr) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(reinterpret_cast<const char*>(t)));
        }
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) ADD_FAILURE() << "SQL error: " << sqlite3_errmsg(db_) << " in " << sql;
    sqlite3_finalize(st);
    return rows;
  }

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

}  // namespace agentperf::e2e
