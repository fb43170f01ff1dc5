// TestServer: an EmbeddedStore plus the real HTTP server on 127.0.0.1 (a free
// port), in this process, and a client for it. Options allow a
// FaultInjectingFileSystem underneath and small limits.
#pragma once

#include <memory>
#include <string>

#include "net/http_client.h"
#include "server/server.h"
#include "store/embedded_store.h"
#include "store/fs/fault_injecting_file_system.h"
#include "testing/temp_dir.h"

namespace agentperf::testing {

struct TestServerOptions {
  bool fault_fs = false;  // put a FaultInjectingFileSystem under the store
  server::ServerOptions server;  // listen defaults to 127.0.0.1:0
  store::EmbeddedStoreOptions store;  // fs is filled in; data_dir too when empty (a temporary directory)
};

class TestServer {
 public:
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();

  // Stops the server and store (as a clean shutdown) and starts them again on
  // the same data directory (and port).
  void Restart();

  std::string url() const;
  net::HttpClient Client(const std::string& token = "") const;
  store::EmbeddedStore* store() { return store_.get(); }
  fs::FaultInjectingFileSystem* faults() { return faults_.get(); }
  const std::string& data_dir() const { return options_.store.data_dir.empty() ? dir_.path() : options_.store.data_dir; }

 private:
  void Start();
  void Stop();
  TestServerOptions options_;
  TempDir dir_;
  std::unique_ptr<fs::FaultInjectingFileSystem> faults_;
  std::unique_ptr<store::EmbeddedStore> store_;
  std::unique_ptr<server::Server> server_;
  uint16_t port_ = 0;
};

}  // namespace agentperf::testing
