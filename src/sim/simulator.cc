#include "sim/simulator.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "core/log.h"
#include "sim/chat_request.h"
#include "sim/chunks.h"
#include "sim/pacing.h"
#include "sim/plan.h"

namespace agentperf::sim {

namespace {

using SteadyClock = std::chrono::steady_clock;

server::HttpResponse JsonAnswer(int status, std::string body) {
  return server::HttpResponse::Json(status, std::move(body));
}

double EpochMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}

SteadyClock::time_point After(SteadyClock::time_point t0, double ms) {
  return t0 + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double, std::milli>(ms));
}

double MsSince(SteadyClock::time_point t0) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
}

}  // namespace

// One chat request on its way out.
struct Simulator::Exchange {
  std::shared_ptr<server::ResponseStream> stream;
  ResponsePlan plan;
  ChunkContext ctx;
  bool stream_mode = false;
  bool include_usage = false;
  std::vector<Emission> emissions;
  size_t next = 0;
  SteadyClock::time_point t0;
  LogRecord rec;
};

Simulator::Simulator(SimConfig config, RequestLog* log) : config_(std::move(config)), log_(log) {}

void Simulator::Handle(server::HttpRequest&& request, std::shared_ptr<server::ResponseStream> stream) {
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == "/v1/chat/completions" || path == "/chat/completions") {
    if (request.method != "POST") {
      return stream->Respond(JsonAnswer(405, ErrorJson(405, "use POST for chat completions")));
    }
    return HandleChat(std::move(request), std::move(stream));
  }
  if (path == "/v1/models" || path == "/models") {
    if (!get) return stream->Respond(JsonAnswer(405, ErrorJson(405, "use GET")));
    return stream->Respond(JsonAnswer(200, ModelsJson(config_)));
  }
  if (path == "/healthz") return stream->Respond(JsonAnswer(200, R"({"status":"ok"})"));
  if (path == "/sim/stats") {
    if (!get) return stream->Respond(JsonAnswer(405, ErrorJson(405, "use GET")));
    return stream->Respond(JsonAnswer(200, stats_.Json()));
  }
  stream->Respond(JsonAnswer(404, ErrorJson(404, fmt::format("no route for {} {}", request.method, path))));
}

void Simulator::HandleChat(server::HttpRequest&& request, std::shared_ptr<server::ResponseStream> stream) {
  const auto t0 = SteadyClock::now();
  const double received_ms = EpochMs();
  auto parsed = ParseChatRequest(request.body, request);
  if (!parsed.ok()) {
    stats_.BadRequest();
    LogRecord rec;
    rec.received_ms = received_ms;
    rec.status = 400;
    rec.error = "bad_request";
    rec.session = std::string(request.Header("x-session-affinity"));
    rec.warnings.push_back(parsed.status().message());
    if (log_ != nullptr) (void)log_->Append(rec);
    return stream->Respond(JsonAnswer(400, ErrorJson(400, parsed.status().message())));
  }
  const ChatRequest& req = *parsed;
  auto ex = std::make_shared<Exchange>();
  ex->stream = std::move(stream);
  ex->plan = PlanResponse(config_, req, state_);
  ex->t0 = t0;
  ex->stream_mode = req.stream;
  ex->include_usage = req.include_usage;
  ex->ctx = ChunkContext{ex->plan.response_id, static_cast<int64_t>(received_ms / 1000), req.model};
  const ResponsePlan& p = ex->plan;
  LogRecord& rec = ex->rec;
  rec.received_ms = received_ms;
  rec.response_id = p.response_id;
  rec.session = req.session_id;
  rec.parent = req.parent_session_id;
  rec.model = req.model;
  rec.agent = p.agent;
  rec.kind = p.kind;
  rec.turn = p.turn;
  rec.step = p.step;
  rec.attempt = p.attempt;
  rec.stream = req.stream;
  rec.status = p.status;
  rec.error = p.error;
  rec.retry_after_ms = p.retry_after_ms;
  rec.ttfc_planned_ms = p.ttfc_ms;
  rec.tokens_per_s = p.tokens_per_s;
  rec.finish_reason = p.finish_reason;
  for (const auto& c : p.tool_calls) rec.tool_calls.push_back(c.name);
  rec.warnings = p.warnings;
  if (p.status == 200) rec.usage = p.usage;
  stats_.RequestStarted(req.stream);
  for (const auto& w : p.warnings)
    log::Warn("sim", "{} (session {}, agent {}, step {})", w, req.session_id, p.agent, p.step);

  if (p.status != 200) {
    server::HttpResponse r = JsonAnswer(
        p.status, ErrorJson(p.status, fmt::format("simulated {} ({}, attempt {})", p.status, p.error, p.attempt)));
    if (p.status == 429) {
      // Retry-After is whole seconds (RFC 9110); retry-after-ms is what the
      // AI SDK reads first.
      const int64_t secs = std::max<int64_t>(1, (p.retry_after_ms + 999) / 1000);
      r.headers.emplace_back("Retry-After", std::to_string(secs));
      r.headers.emplace_back("retry-after-ms", std::to_string(p.retry_after_ms));
    }
    ex->stream->Respond(std::move(r));
    rec.end_ms = MsSince(t0);
    End(*ex, false);
    return;
  }
  if (!req.stream) {
    const double at = p.ttfc_ms + p.GenerationMs();
    ex->stream->At(After(t0, at), [this, ex](bool ok) {
      if (!ok) return End(*ex, true);
      ex->rec.first_chunk_sent_ms = MsSince(ex->t0);
      ex->stream->Respond(JsonAnswer(200, CompletionJson(ex->ctx, ex->plan)));
      ex->rec.end_ms = MsSince(ex->t0);
      End(*ex, false);
    });
    return;
  }
  ex->emissions = Pace(p);
  ex->stream->Begin(200, "text/event-stream", {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}});
  SendNext(std::move(ex));
}

void Simulator::SendNext(std::shared_ptr<Exchange> ex) {
  const Emission& e = ex->emissions[ex->next];
  ex->stream->At(After(ex->t0, e.at_ms), [this, ex](bool ok) {
    if (!ok || ex->stream->closed()) return End(*ex, true);
    const Emission& em = ex->emissions[ex->next];
    Status st = ex->stream->Write(FormatEmission(ex->ctx, ex->plan, em, ex->include_usage));
    if (!st.ok()) {
      ex->rec.warnings.push_back(st.message());
      ex->stream->Finish();
      return End(*ex, true);
    }
    if (ex->next == 0) ex->rec.first_chunk_sent_ms = MsSince(ex->t0);
    if (em.last) {
      ex->stream->Finish();
      ex->rec.end_ms = MsSince(ex->t0);
      return End(*ex, false);
    }
    ++ex->next;
    SendNext(ex);
  });
}

void Simulator::End(Exchange& ex, bool client_gone) {
  if (client_gone) {
    ex.rec.client_gone = true;
    ex.rec.end_ms = MsSince(ex.t0);
  }
  stats_.RequestEnded(ex.rec.stream, ex.rec.status, ex.rec.agent, ex.rec.usage ? &*ex.rec.usage : nullptr, client_gone);
  if (log_ != nullptr) {
    Status st = log_->Append(ex.rec);
    if (!st.ok()) log::Warn("sim", "{}", st.ToString());
  }
}

}  // namespace agentperf::sim
