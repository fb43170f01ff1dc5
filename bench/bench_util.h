// Small helpers for benchmarks: percentiles of latency samples, peak RSS,
// scratch directories, spawning and stopping a child `agentperf serve`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "drive/child_process.h"

namespace agentperf::bench {

double Percentile(std::vector<double> v, double q);  // q in [0,1], nearest rank
double Median(std::vector<double> v);  // the mean of the two middle values for an even count; 0 when empty
uint64_t PeakRssBytes(pid_t pid);                    // VmHWM of a process (0 = self)
double CpuSeconds(pid_t pid);                        // utime + stime of a process
std::string MakeScratchDir(const std::string& parent, const std::string& prefix);
void RemoveTree(const std::string& dir);
using drive::FreeLoopbackPort;  // a loopback port that was free a moment ago
std::string SelfExe();

// A child process run to completion (RunTimed).
struct Timed {
  int exit_code = -1;
  double ms = 0;      // wall, fork to exit
  double cpu_ms = 0;  // user + system of the process (and its waited-for children)
  // The process's own peak resident set when it is agentperf (written to
  // $AGENTPERF_PEAK_RSS_FILE by the child; rusage would include this
  // process's peak), else 0.
  uint64_t peak_rss_bytes = 0;
  std::string out, err;
};
// Runs argv to completion with `env` (nullptr: this process's, plus
// AGENTPERF_PEAK_RSS_FILE), stdin from
// /dev/null, stdout and stderr into files `prefix`.out / .err (read back into
// the result); times fork to exit.
Result<Timed> RunTimed(const std::vector<std::string>& argv, const std::vector<std::string>* env,
                       const std::string& prefix);
// "<what> exited with status N: <start of its stderr>".
Status Failed(const std::string& what, const Timed& t);

// A child `agentperf serve` on 127.0.0.1.
class ChildServer {
 public:
  // `binary`: the agentperf executable (default: this process's own).
  explicit ChildServer(std::string binary = SelfExe()) : binary_(std::move(binary)) {}
  ~ChildServer();
  // Starts `agentperf serve` on a free port (or `port` if non-zero) and waits
  // for /healthz.
  Status Start(const std::string& data_dir, const std::vector<std::string>& extra_args = {}, uint16_t port = 0);
  // SIGKILL and reap (a crash).
  void Kill();
  // Listen address host (default 127.0.0.1) and the token the server requires.
  void set_host(std::string host) { host_ = std::move(host); }
  void set_token(std::string token) { token_ = std::move(token); }
  // SIGTERM and wait; returns the exit status.
  int Stop();
  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  std::string url() const;

 private:
  std::string binary_;
  std::string host_ = "127.0.0.1";
  std::string token_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace agentperf::bench
