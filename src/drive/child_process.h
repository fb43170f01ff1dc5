// Child processes with an explicit environment (nothing inherited), working
// directory, output files and a timeout, for driving real programs (the
// opencode binary, agentperf's own simulate/serve) from `agentperf demo`,
// `agentperf bench plugin` and the end-to-end tests.
//
//  * Child: fork/exec in its own process group (stdin /dev/null, stdout and
//    stderr to files); the destructor kills the group (SIGTERM, SIGKILL after
//    5 s) if it still runs, so nothing is left behind.
//  * RunCommand: a Child to completion, killed after a timeout.
//  * EnvOr, BaseEnv, ReadFile, WriteFile: small helpers around them.
//
// Thread-safety: a Child is used from one thread. Constructing one is safe in
// a threaded process (everything is prepared before fork).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace agentperf::drive {

// $name if set and non-empty, else `fallback`.
std::string EnvOr(const char* name, const std::string& fallback);
// The whole file ("" when it cannot be read).
std::string ReadFile(const std::string& path);
// Creates the parent folders; replaces the file.
Status WriteFile(const std::string& path, const std::string& text);
// PATH (from this process) and LANG=C.UTF-8: what tools need, nothing else.
std::vector<std::string> BaseEnv();

class Child {
 public:
  // Starts argv[0] (a path) with exactly `env`; cwd "" = this one's. Check
  // ok() (false: the output files could not be opened or fork failed).
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& cwd,
        const std::string& out_path, const std::string& err_path);
  ~Child() { Kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool ok() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }
  bool running() { return ok() && !Poll(); }
  // The exit status (128 + signal when killed), once it has exited.
  std::optional<int> Poll();
  // Waits up to `timeout`; nullopt if still running then.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM to the process group, SIGKILL after 5 s; returns the exit status.
  int Kill();
  // Sends `sig` to the process group (if it still runs).
  void Signal(int sig);
  std::string out() const { return ReadFile(out_path_); }
  std::string err() const { return ReadFile(err_path_); }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_;
  std::string out_path_, err_path_, error_;
};

struct CommandResult {
  int exit_code = -1;  // -1: timed out (and killed), or could not start
  std::string out, err;
  double seconds = 0;  // wall time, fork to exit
};

// Runs a command to completion (killed after `timeout`); its output goes to
// out_prefix + ".out" / ".err" and is returned.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& cwd, const std::string& out_prefix, std::chrono::seconds timeout);

// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t FreeLoopbackPort();

}  // namespace agentperf::drive
