// A throwaway PostgreSQL cluster for benchmarks: initdb into a scratch
// folder, start it with pg_ctl listening only on 127.0.0.1 (a free port) and
// on a unix socket inside the folder, stop it and delete the folder at the
// end. When this process runs as root the server binaries run as the
// `postgres` user (they refuse root); the folder is then owned by that user.
//
// A stop-and-delete also happens on SIGINT/SIGTERM/SIGHUP while a cluster is
// running (InstallSignalCleanup), so an interrupted benchmark leaves no
// server behind.
// Thread-safety: one thread drives a cluster.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace agentperf::bench {

struct PgClusterOptions {
  std::string bin_dir;        // default: $AGENTPERF_PG_BIN or /usr/lib/postgresql/15/bin
  std::string parent_dir;     // where the scratch folder goes (default $TMPDIR or /tmp)
  std::vector<std::string> settings;  // extra postgresql.conf lines
};

class PgCluster {
 public:
  // The bin directory that would be used, and whether initdb/pg_ctl are there.
  static std::string DefaultBinDir();
  static bool Available(const std::string& bin_dir, std::string* why);

  explicit PgCluster(PgClusterOptions options);
  ~PgCluster();  // Stop() and delete
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // initdb, configure, start, wait until it accepts connections.
  Status Start();
  // pg_ctl restart (empties shared_buffers: the "cold" run).
  Status Restart();
  // pg_ctl stop -m fast (immediate if that fails); keeps the folder.
  void Stop();

  // libpq connection string for database `db`.
  std::string ConnInfo(const std::string& db = "postgres") const;
  const std::string& dir() const { return dir_; }
  std::string data_dir() const { return dir_ + "/data"; }
  uint16_t port() const { return port_; }
  // Where the server writes its log (for error messages).
  std::string log_file() const { return dir_ + "/server.log"; }
  std::string LogTail(size_t bytes = 2000) const;

 private:
  // Runs a server binary (as postgres when root) and waits; output to the log.
  Status RunTool(const std::vector<std::string>& args);
  pid_t PostmasterPid() const;

  PgClusterOptions options_;
  std::string dir_;
  uint16_t port_ = 0;
  bool running_ = false;
  int run_uid_ = -1, run_gid_ = -1;  // postgres user when root
};

}  // namespace agentperf::bench
