#include "sim/sim_server.h"

#include <fmt/format.h>

#include "server/server.h"

namespace agentperf::sim {

Result<std::unique_ptr<SimServer>> SimServer::Start(SimConfig config, const SimServerOptions& options) {
  std::string host;
  uint16_t port = 0;
  AP_RETURN_IF_ERROR(server::ParseListen(options.listen, &host, &port));
  if (!server::IsLoopbackHost(host)) {
    return Status::InvalidArgument(
        fmt::format("--listen {}: the simulated model only listens on a loopback address", options.listen));
  }
  std::unique_ptr<SimServer> s(new SimServer());
  s->host_ = host;
  if (!options.log_path.empty()) {
    AP_ASSIGN_OR_RETURN(s->log_, RequestLog::Open(options.log_path));
  }
  s->sim_ = std::make_unique<Simulator>(std::move(config), s->log_.get());
  server::HttpServerOptions ho;
  ho.host = host;
  ho.port = port;
  ho.threads = std::max(1, options.threads);
  ho.max_body_bytes = uint64_t{32} << 20;  // long conversations
  ho.max_inflight_bytes = uint64_t{256} << 20;
  Simulator* sim = s->sim_.get();
  s->http_ = std::make_unique<server::HttpServer>(
      ho, server::StreamHandler([sim](server::HttpRequest&& r, std::shared_ptr<server::ResponseStream> st) {
        sim->Handle(std::move(r), std::move(st));
      }),
      server::EarlyCheck());
  AP_RETURN_IF_ERROR(s->http_->Start());
  return s;
}

SimServer::~SimServer() {
  Stop();
}

void SimServer::Stop() {
  if (http_) http_->Stop();
}

std::string SimServer::url() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", host_, v6 ? "]" : "", port());
}

}  // namespace agentperf::sim
