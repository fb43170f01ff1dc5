// OtlpRoutes: the OTLP/HTTP receiver endpoints of `agentperf serve`
// (docs/api.md "OTLP"):
//   POST /v1/traces    ExportTraceServiceRequest, JSON
//   POST /v1/logs      ExportLogsServiceRequest, JSON (counted only)
//   POST /v1/metrics   ExportMetricsServiceRequest, JSON (counted only)
// Same token and body limits as /v1/events (the RestApi checks the token
// first); Content-Encoding gzip/deflate/zstd. Protobuf bodies get 415.
// Answers: 200 `{}` once accepted (for traces that produce events, once those
// are durable); 400 for a body that is not OTLP/JSON (nothing is kept);
// 503 + Retry-After when the store is overloaded.
//
// Thread-safety: Handle is called concurrently from I/O threads.
#pragma once

#include "api/rest/rest_api.h"
#include "ingest/otlp/receiver.h"

namespace agentperf::api {

enum class OtlpSignal { kTraces, kLogs, kMetrics };

class OtlpRoutes {
 public:
  // REQUIRES: store and receiver outlive this object.
  OtlpRoutes(store::Store* store, otlp::OtlpReceiver* receiver, ingest::BodyLimits body_limits)
      : store_(store), receiver_(receiver), body_limits_(body_limits) {}

  void Handle(OtlpSignal signal, server::HttpRequest&& request, server::Responder respond);

 private:
  store::Store* store_;
  otlp::OtlpReceiver* receiver_;
  ingest::BodyLimits body_limits_;
};

// "/v1/traces" -> kTraces etc.; false for other paths.
bool OtlpSignalForPath(std::string_view path, OtlpSignal* signal);

}  // namespace agentperf::api
