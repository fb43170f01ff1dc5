#include "testing/server_fixture.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace agentperf::testing {

TestServer::TestServer(TestServerOptions options) : options_(std::move(options)) {
  if (options_.fault_fs) faults_ = std::make_unique<fs::FaultInjectingFileSystem>(fs::DefaultFileSystem());
  if (options_.server.listen == server::kDefaultListen) options_.server.listen = "127.0.0.1:0";
  Start();
}

TestServer::~TestServer() { Stop(); }

void TestServer::Start() {
  store::EmbeddedStoreOptions so = options_.store;
  if (so.data_dir.empty()) so.data_dir = dir_.path();
  so.fs = faults_ ? faults_.get() : nullptr;
  auto s = store::EmbeddedStore::Open(so);
  if (!s.ok()) throw std::runtime_error("store: " + s.status().ToString());
  store_ = std::move(s).value();
  server::ServerOptions o = options_.server;
  if (port_ != 0) o.listen = fmt::format("127.0.0.1:{}", port_);
  auto srv = server::Server::Start(o, store_.get());
  if (!srv.ok()) throw std::runtime_error("server: " + srv.status().ToString());
  server_ = std::move(srv).value();
  port_ = server_->port();
}

void TestServer::Stop() {
  if (server_) server_->StopAccepting();
  store_.reset();
  server_.reset();
}

void TestServer::Restart() {
  Stop();
  Start();
}

std::string TestServer::url() const { return fmt::format("http://127.0.0.1:{}", port_); }

net::HttpClient TestServer::Client(const std::string& token) const {
  net::HttpClientOptions o;
  o.bearer_token = token;
  o.io_timeout_ms = 30000;
  return net::HttpClient(*net::ParseUrl(url()), o);
}

}  // namespace agentperf::testing
