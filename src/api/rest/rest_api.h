// RestApi: the HTTP API of `agentperf serve` (docs/api.md):
//   GET  /                          index page
//   GET  /healthz                   liveness
//   GET  /v1/status                 store and server statistics
//   POST /v1/events                 ingest (JSON array or NDJSON; gzip/zstd); llm_calls
//                                   are first joined with cached OTLP step facts
//   POST /v1/query                  query (docs/query.md)
//   GET  /v1/labels/{name}/values   distinct values of a label
//   GET  /v1/verify                 checksums of the stored data (read-only)
//   POST /v1/traces, /v1/logs, /v1/metrics   OTLP/HTTP JSON (otlp_routes.h)
//   GET  /v1/analysis/{endpoint}    the analysis engine (analysis/service/service.h)
//   GET  /v1/openapi.yaml           docs/openapi.yaml, compiled in (Routes() must
//                                   match its paths: tests/server/openapi_test.cc)
// With a token configured, every request must carry "Authorization: Bearer
// <token>" (checked before the body is read).
//
// Thread-safety: Handle/EarlyCheck are called concurrently from I/O threads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/cost/price_table.h"
#include "analysis/service/service.h"
#include "event/fields.h"
#include "ingest/body.h"
#include "ingest/otlp/receiver.h"
#include "server/http_types.h"
#include "store/store.h"

namespace agentperf::api {

struct ApiOptions {
  std::string token;  // empty: no authentication (loopback only)
  event::Limits limits;
  ingest::BodyLimits body_limits;
  std::string version;
  analysis::PriceTable prices = analysis::PriceTable::Bundled();  // cost estimates
};

class OtlpRoutes;

// One route: a lowercase method and an OpenAPI path template.
struct RouteInfo {
  std::string_view method;
  std::string_view path;
};

class RestApi {
 public:
  // REQUIRES: store (and otlp, if given) outlive the RestApi. extra_status
  // adds the server's own fields to /v1/status (a JSON object, or empty).
  // Without `otlp` the OTLP endpoints answer 404 and no join happens.
  RestApi(store::Store* store, ApiOptions options, std::function<std::string()> extra_status = {},
          otlp::OtlpReceiver* otlp = nullptr);
  ~RestApi();

  void Handle(server::HttpRequest&& request, server::Responder respond);
  // Every route Handle answers (the alias /index.html of / aside), for the
  // OpenAPI check.
  static std::vector<RouteInfo> Routes();
  // From now on every request gets 503; returns once no handler is inside
  // the store any more (answers already owed still arrive through callbacks).
  void BeginShutdown();
  bool EarlyCheck(const server::HttpRequest& head, uint64_t content_length, server::HttpResponse* early);

 private:
  void PostEvents(server::HttpRequest&& request, server::Responder respond);
  server::HttpResponse PostQuery(const server::HttpRequest& request);
  server::HttpResponse LabelValues(const server::HttpRequest& request, std::string_view name);
  server::HttpResponse Status();
  server::HttpResponse Analysis(const server::HttpRequest& request, std::string_view endpoint);
  bool Authorized(const server::HttpRequest& request) const;

  store::Store* store_;
  ApiOptions options_;
  otlp::OtlpReceiver* otlp_;
  std::unique_ptr<OtlpRoutes> otlp_routes_;
  std::unique_ptr<analysis::AnalysisService> analysis_;
  std::function<std::string()> extra_status_;
  std::atomic<uint64_t> bad_requests_{0};
  std::atomic<bool> closing_{false};
  std::atomic<int> active_{0};
};

// Maps a Status to an HTTP status code (400, 413, 503, ...).
int HttpStatusFor(const agentperf::Status& status);
server::HttpResponse ErrorResponse(const agentperf::Status& status);

}  // namespace agentperf::api
