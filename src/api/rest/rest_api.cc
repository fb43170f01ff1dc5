#include "api/rest/rest_api.h"

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <thread>

#include "api/rest/openapi_source.h"
#include "api/rest/otlp_routes.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "query/spec.h"
#include "query/time_parse.h"

namespace agentperf::api {

namespace {
// Request bodies (compressed size) above which the per-thread JSON decoder is
// dropped after use (see PostEvents).
constexpr size_t kKeepDecoderBelow = size_t{4} << 20;
}  // namespace

using server::HttpRequest;
using server::HttpResponse;
using server::Responder;

int HttpStatusFor(const agentperf::Status& st) {
  switch (st.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kTooLarge: return 413;
    case StatusCode::kPermissionDenied: return 401;
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnavailable:
    case StatusCode::kIOError: return 503;
    default: return 500;
  }
}

HttpResponse ErrorResponse(const agentperf::Status& st) {
  int code = HttpStatusFor(st);
  std::string name(StatusCodeName(st.code()));
  HttpResponse r = HttpResponse::Error(code, name, st.message());
  if (code == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

RestApi::RestApi(store::Store* store, ApiOptions options, std::function<std::string()> extra_status,
                 otlp::OtlpReceiver* otlp)
    : store_(store), options_(std::move(options)), otlp_(otlp), extra_status_(std::move(extra_status)) {
  if (otlp_ != nullptr) otlp_routes_ = std::make_unique<OtlpRoutes>(store_, otlp_, options_.body_limits);
  analysis_ = std::make_unique<analysis::AnalysisService>(store_, options_.prices);
}

RestApi::~RestApi() = default;

bool RestApi::Authorized(const HttpRequest& r) const {
  if (options_.token.empty()) return true;
  std::string_view h = r.Header("authorization");
  // The scheme name is case-insensitive (RFC 7235 section 2.1); the token is not.
  constexpr std::string_view kBearer = "bearer ";
  if (h.size() < kBearer.size()) return false;
  for (size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != kBearer[i]) return false;
  }
  std::string_view given = h.substr(kBearer.size());
  const std::string& want = options_.token;
  // Constant time in the token's length.
  unsigned diff = given.size() == want.size() ? 0 : 1;
  for (size_t i = 0; i < want.size(); ++i) diff |= static_cast<unsigned>(want[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

bool RestApi::EarlyCheck(const HttpRequest& head, uint64_t, HttpResponse* early) {
  if (!Authorized(head)) {
    *early = HttpResponse::Error(401, "unauthorized", "missing or wrong token: send 'Authorization: Bearer <token>'");
    early->headers.emplace_back("WWW-Authenticate", "Bearer realm=\"agentperf\"");
    return true;
  }
  return false;
}

void RestApi::BeginShutdown() {
  closing_.store(true);
  while (active_.load() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void RestApi::Handle(HttpRequest&& req, Responder respond) {
  active_.fetch_add(1);
  struct Leave {
    std::atomic<int>* a;
    ~Leave() { a->fetch_sub(1); }
  } leave{&active_};
  if (closing_.load()) {
    HttpResponse r = HttpResponse::Error(503, "shutting_down", "the server is shutting down");
    r.close = true;
    return respond(std::move(r));
  }
  const std::string& p = req.path;
  const std::string& m = req.method;
  auto method_not_allowed = [&](std::string_view allowed) {
    HttpResponse r = HttpResponse::Error(405, "method_not_allowed", fmt::format("{} {} is not allowed; use {}", m, p, allowed));
    r.headers.emplace_back("Allow", std::string(allowed));
    respond(std::move(r));
  };
  if (p == "/v1/events") {
    if (m != "POST") return method_not_allowed("POST");
    return PostEvents(std::move(req), std::move(respond));
  }
  if (OtlpSignal signal; otlp_routes_ && OtlpSignalForPath(p, &signal)) {
    if (m != "POST") return method_not_allowed("POST");
    return otlp_routes_->Handle(signal, std::move(req), std::move(respond));
  }
  if (p == "/v1/query") {
    if (m != "POST") return method_not_allowed("POST");
    return respond(PostQuery(req));
  }
  if (p == "/healthz") {
    if (m != "GET" && m != "HEAD") return method_not_allowed("GET, HEAD");
    return respond(HttpResponse::Json(200, "{\"status\":\"ok\"}"));
  }
  if (p == "/v1/status") {
    if (m != "GET") return method_not_allowed("GET");
    return respond(Status());
  }
  if (p == "/v1/verify") {
    if (m != "GET") return method_not_allowed("GET");
    auto report = store_->Verify();
    if (!report.ok()) return respond(ErrorResponse(report.status()));
    return respond(HttpResponse::Json(200, std::move(report).value()));
  }
  if (p == "/v1/admin/flush") {
    // Rare and slow (seconds): runs on this I/O thread; other connections
    // are served by the others.
    if (m != "POST") return method_not_allowed("POST");
    agentperf::Status st = store_->Flush();
    if (!st.ok()) return respond(ErrorResponse(st));
    return respond(Status());
  }
  if (constexpr std::string_view kAnalysis = "/v1/analysis/"; p.compare(0, kAnalysis.size(), kAnalysis) == 0) {
    // Scans and rollup reads of seconds at most: on this I/O thread, like /v1/query.
    if (m != "GET") return method_not_allowed("GET");
    return respond(Analysis(req, std::string_view(p).substr(kAnalysis.size())));
  }
  constexpr std::string_view kLabels = "/v1/labels/";
  constexpr std::string_view kValues = "/values";
  if (p.size() > kLabels.size() + kValues.size() && p.compare(0, kLabels.size(), kLabels) == 0 &&
      p.compare(p.size() - kValues.size(), kValues.size(), kValues) == 0) {
    if (m != "GET") return method_not_allowed("GET");
    std::string_view name(p);
    name = name.substr(kLabels.size(), name.size() - kLabels.size() - kValues.size());
    return respond(LabelValues(req, name));
  }
  if (p == "/v1/openapi.yaml") {
    if (m != "GET") return method_not_allowed("GET");
    HttpResponse r;
    r.content_type = "application/yaml";
    r.body = std::string(kOpenApiYaml);
    return respond(std::move(r));
  }
  if (p == "/" || p == "/index.html") {
    if (m != "GET") return method_not_allowed("GET");
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = fmt::format(
        "<!doctype html><html><head><meta charset=utf-8><title>agentperf</title></head><body>"
        "<h1>agentperf {}</h1><p>Performance analytics for AI coding agents. The server is up.</p><ul>"
        "<li><a href=\"/v1/status\">GET /v1/status</a>: store statistics</li>"
        "<li>POST /v1/events: ingest events (JSON array or NDJSON; docs/events.md)</li>"
        "<li>POST /v1/query: query (docs/query.md)</li>"
        "<li>POST /v1/traces, /v1/logs, /v1/metrics: OTLP/HTTP JSON receiver</li>"
        "<li><a href=\"/v1/analysis/report\">GET /v1/analysis/report</a>, "
        "<a href=\"/v1/analysis/baselines\">/v1/analysis/baselines</a>: analysis (docs/api.md)</li>"
        "<li><a href=\"/v1/labels/agent/values\">GET /v1/labels/{{name}}/values</a></li>"
        "<li><a href=\"/v1/verify\">GET /v1/verify</a>: check the stored data's checksums</li>"
        "<li>POST /v1/admin/flush: write everything in memory into column segments now</li>"
        "<li><a href=\"/healthz\">GET /healthz</a></li>"
        "<li><a href=\"/v1/openapi.yaml\">GET /v1/openapi.yaml</a>: this API in OpenAPI 3</li></ul></body></html>\n",
        options_.version);
    return respond(std::move(r));
  }
  respond(HttpResponse::Error(404, "not_found", fmt::format("no such endpoint: {} {}", m, p)));
}

std::vector<RouteInfo> RestApi::Routes() {
  std::vector<RouteInfo> r = {
      {"get", "/"},
      {"get", "/healthz"},
      {"head", "/healthz"},
      {"get", "/v1/status"},
      {"post", "/v1/events"},
      {"post", "/v1/traces"},
      {"post", "/v1/logs"},
      {"post", "/v1/metrics"},
      {"post", "/v1/query"},
      {"get", "/v1/verify"},
      {"post", "/v1/admin/flush"},
      {"get", "/v1/labels/{name}/values"},
      {"get", "/v1/openapi.yaml"},
  };
  static const std::vector<std::string> analysis_paths = [] {
    std::vector<std::string> paths;
    for (std::string_view e : analysis::AnalysisService::Endpoints()) paths.push_back(fmt::format("/v1/analysis/{}", e));
    return paths;
  }();
  for (const std::string& path : analysis_paths) r.push_back({"get", path});
  return r;
}

void RestApi::PostEvents(HttpRequest&& req, Responder respond) {
  auto enc = ingest::ParseContentEncoding(req.Header("content-encoding"));
  if (!enc.ok()) {
    HttpResponse r = HttpResponse::Error(415, "unsupported_encoding", enc.status().message());
    return respond(std::move(r));
  }
  thread_local std::unique_ptr<event::JsonBatchDecoder> decoder;
  if (!decoder) decoder = std::make_unique<event::JsonBatchDecoder>(options_.limits);
  event::EventBatch batch;
  event::DecodeError err;
  const size_t body_bytes = req.body.size();
  agentperf::Status st =
      ingest::DecodeEventsBody(&req.body, *enc, options_.body_limits, decoder.get(), WallMicros(), &batch, &err);
  // The body is no longer needed; give its memory back before waiting on disk.
  std::string().swap(req.body);
  // The decoder keeps buffers sized for the largest body it parsed (~14
  // bytes per JSON byte): after an unusually large body (or one that
  // decompressed to much more), drop them rather than keep them per thread.
  if (body_bytes > kKeepDecoderBelow || batch.size() > kKeepDecoderBelow / 256) decoder.reset();
  auto error_json = [](int code, std::string_view name, const event::DecodeError& e) {
    JsonWriter w;
    w.BeginObject();
    w.Field("error", e.ToString());
    w.Field("code", name);
    if (e.index >= 0) w.Field("index", e.index);
    if (e.line >= 0) w.Field("line", e.line);
    if (e.offset >= 0) w.Field("offset", e.offset);
    if (!e.field.empty()) w.Field("field", e.field);
    w.Field("detail", e.message);
    w.EndObject();
    return HttpResponse::Json(code, w.Take());
  };
  if (!st.ok()) {
    bad_requests_.fetch_add(1, std::memory_order_relaxed);
    if (st.code() == StatusCode::kTooLarge) {
      return respond(error_json(413, "too_large", err.message.empty() ? event::DecodeError{-1, -1, -1, "", st.message()} : err));
    }
    return respond(error_json(400, "invalid_event", err));
  }
  // OTLP step facts fill llm_calls before their first write (design §6.3).
  if (otlp_ != nullptr) otlp_->Join(&batch, WallMicros());
  store_->AppendAsync(std::move(batch), [respond = std::move(respond), error_json](
                                            const Result<store::AppendResult>& r, const event::DecodeError* e) {
    if (!r.ok()) {
      if (e != nullptr) return respond(error_json(400, "invalid_event", *e));
      return respond(ErrorResponse(r.status()));
    }
    JsonWriter w;
    w.BeginObject().Field("accepted", r->accepted).Field("duplicates", r->duplicates).EndObject();
    respond(HttpResponse::Json(200, w.Take()));
  });
}

HttpResponse RestApi::PostQuery(const HttpRequest& req) {
  auto spec = query::ParseQuerySpec(req.body, WallMicros());
  if (!spec.ok()) return ErrorResponse(spec.status());
  auto result = store_->Query(*spec);
  if (!result.ok()) return ErrorResponse(result.status());
  return HttpResponse::Json(200, query::QueryResultToJson(*result));
}

HttpResponse RestApi::Analysis(const HttpRequest& req, std::string_view endpoint) {
  auto json = analysis_->Answer(endpoint, req.query, WallMicros());
  if (!json.ok()) return ErrorResponse(json.status());
  return HttpResponse::Json(200, std::move(json).value());
}

HttpResponse RestApi::LabelValues(const HttpRequest& req, std::string_view name) {
  auto label = query::ParseLabel(name);
  if (!label.ok()) return ErrorResponse(agentperf::Status::NotFound(label.status().message()));
  int64_t now = WallMicros();
  int64_t from = INT64_MIN, to = INT64_MAX;
  size_t limit = 10000;
  if (req.HasQuery("from")) {
    auto t = query::ParseTime(req.Query("from"), now);
    if (!t.ok()) return ErrorResponse(t.status().WithContext("from"));
    from = *t;
  }
  if (req.HasQuery("to")) {
    auto t = query::ParseTime(req.Query("to"), now);
    if (!t.ok()) return ErrorResponse(t.status().WithContext("to"));
    to = *t;
  }
  if (req.HasQuery("limit")) {
    std::string l(req.Query("limit"));
    char* end = nullptr;
    unsigned long v = std::strtoul(l.c_str(), &end, 10);
    if (l.empty() || *end != '\0' || v == 0) {
      return ErrorResponse(agentperf::Status::InvalidArgument("limit must be a positive integer"));
    }
    limit = v;
  }
  auto values = store_->LabelValues(*label, from, to, limit);
  if (!values.ok()) return ErrorResponse(values.status());
  JsonWriter w;
  w.BeginObject().Field("label", name).Key("values").BeginArray();
  for (const auto& v : *values) w.String(v);
  w.EndArray().EndObject();
  return HttpResponse::Json(200, w.Take());
}

HttpResponse RestApi::Status() {
  JsonWriter w;
  w.BeginObject();
  w.Field("version", options_.version);
  w.Key("store").Raw(store_->StatsJson());
  w.Field("bad_requests", bad_requests_.load());
  if (otlp_ != nullptr) w.Key("otlp").Raw(otlp_->StatsJson());
  if (extra_status_) {
    std::string extra = extra_status_();
    if (!extra.empty()) w.Key("server").Raw(extra);
  }
  w.EndObject();
  return HttpResponse::Json(200, w.Take());
}

}  // namespace agentperf::api
