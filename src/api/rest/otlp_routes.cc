#include "api/rest/otlp_routes.h"

#include <fmt/format.h>

#include <cctype>
#include <memory>

#include "core/clock.h"
#include "ingest/decompress.h"

namespace agentperf::api {

using server::HttpRequest;
using server::HttpResponse;
using server::Responder;

namespace {

// Bodies above this size (decoded) drop the per-thread decoder afterwards,
// so one huge request does not keep its parse buffers alive per thread.
constexpr size_t kKeepDecoderBelow = size_t{8} << 20;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The media type of a Content-Type header, lowercased, without parameters.
std::string MediaType(std::string_view content_type) {
  size_t semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return Lower(t);
}

std::string_view SignalName(OtlpSignal s) {
  switch (s) {
    case OtlpSignal::kTraces:
      return "traces";
    case OtlpSignal::kLogs:
      return "logs";
    case OtlpSignal::kMetrics:
      return "metrics";
  }
  return "";
}

// The OTLP success answer (an empty Export*ServiceResponse).
HttpResponse Ok() {
  return HttpResponse::Json(200, "{}");
}

}  // namespace

bool OtlpSignalForPath(std::string_view path, OtlpSignal* signal) {
  if (path == "/v1/traces")
    *signal = OtlpSignal::kTraces;
  else if (path == "/v1/logs")
    *signal = OtlpSignal::kLogs;
  else if (path == "/v1/metrics")
    *signal = OtlpSignal::kMetrics;
  else
    return false;
  return true;
}

void OtlpRoutes::Handle(OtlpSignal signal, HttpRequest&& req, Responder respond) {
  const std::string media = MediaType(req.Header("content-type"));
  if (media == "application/x-protobuf" || media == "application/protobuf") {
    receiver_->OnRejected();
    return respond(HttpResponse::Error(
        415, "unsupported_media_type",
        fmt::format("OTLP/HTTP protobuf is not supported on /v1/{}; send OTLP/HTTP JSON (Content-Type: "
                    "application/json), e.g. set OTEL_EXPORTER_OTLP_PROTOCOL=http/json",
                    SignalName(signal))));
  }
  auto enc = ingest::ParseContentEncoding(req.Header("content-encoding"));
  if (!enc.ok()) {
    receiver_->OnRejected();
    return respond(HttpResponse::Error(415, "unsupported_encoding", enc.status().message()));
  }
  std::string decoded;
  std::string* json = &req.body;
  if (*enc != ingest::Encoding::kIdentity) {
    agentperf::Status st =
        ingest::Decompress(*enc, req.body, body_limits_.max_decoded_bytes, otlp::OtlpJsonDecoder::Padding(), &decoded);
    if (!st.ok()) {
      receiver_->OnRejected();
      return respond(ErrorResponse(st));
    }
    std::string().swap(req.body);
    json = &decoded;
  } else if (req.body.size() > body_limits_.max_decoded_bytes) {
    receiver_->OnRejected();
    return respond(ErrorResponse(agentperf::Status::TooLarge("body too large")));
  }

  thread_local std::unique_ptr<otlp::OtlpJsonDecoder> decoder;
  if (!decoder) decoder = std::make_unique<otlp::OtlpJsonDecoder>();
  const size_t json_bytes = json->size();
  struct DropLarge {
    std::unique_ptr<otlp::OtlpJsonDecoder>* d;
    size_t bytes;
    ~DropLarge() {
      if (bytes > kKeepDecoderBelow) d->reset();
    }
  } drop_large{&decoder, json_bytes};

  auto bad = [&](const agentperf::Status& st) {
    receiver_->OnRejected();
    respond(HttpResponse::Error(400, "invalid_otlp", st.message()));
  };
  if (signal == OtlpSignal::kLogs || signal == OtlpSignal::kMetrics) {
    otlp::SignalCounts counts;
    agentperf::Status st = signal == OtlpSignal::kLogs ? decoder->DecodeLogs(*json, json->capacity(), &counts)
                                                       : decoder->DecodeMetrics(*json, json->capacity(), &counts);
    if (!st.ok()) return bad(st);
    if (signal == OtlpSignal::kLogs)
      receiver_->OnLogs(counts);
    else
      receiver_->OnMetrics(counts);
    return respond(Ok());
  }

  otlp::TracesRequest traces;
  agentperf::Status st = decoder->DecodeTraces(*json, json->capacity(), &traces);
  if (!st.ok()) return bad(st);
  event::EventBatch batch;
  const int64_t now = WallMicros();
  receiver_->OnTraces(traces, now, &batch);
  // The decoded views point into the decoder's buffers and the body; the
  // batch owns its strings, so both can go now.
  traces.Clear();
  std::string().swap(decoded);
  std::string().swap(req.body);
  if (batch.empty()) return respond(Ok());
  // Generic gen_ai events and title calls: the answer waits until they are
  // durable, like POST /v1/events.
  store_->AppendAsync(std::move(batch), [respond = std::move(respond)](const Result<store::AppendResult>& r,
                                                                       const event::DecodeError* e) {
    if (!r.ok()) {
      if (e != nullptr) return respond(HttpResponse::Error(400, "invalid_event", e->ToString()));
      return respond(ErrorResponse(r.status()));
    }
    respond(Ok());
  });
}

}  // namespace agentperf::api
