#include "server/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <malloc.h>

#include <charconv>
#include <fstream>
#include <thread>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/ingest_backpressure.h"
#include "store/segment/segment_reader.h"

namespace agentperf::server {

Status ParseListen(std::string_view s, std::string* host, uint16_t* port) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("--listen '{}': expected HOST:PORT, e.g. 127.0.0.1:{}", s, kDefaultPort));
  };
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return bad();
  std::string_view h = s.substr(0, colon);
  std::string_view p = s.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  else if (h.find(':') != std::string_view::npos) return bad();  // IPv6 needs brackets
  unsigned v = 0;
  auto r = std::from_chars(p.data(), p.data() + p.size(), v);
  if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || v > 65535) return bad();
  *host = h.empty() ? "127.0.0.1" : std::string(h);
  *port = static_cast<uint16_t>(v);
  return Status::OK();
}

bool IsLoopbackHost(std::string_view h) {
  if (h == "localhost") return true;
  // Only address literals: a name like "127.example.com" may resolve anywhere.
  std::string s(h);
  in_addr a4{};
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  in6_addr a6{};
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
  return false;
}

namespace {

// The process's memory, for GET /v1/status ("server.memory"): resident set
// and its peak (/proc/self/status), thread count, and glibc malloc's view
// (bytes in use, free bytes it holds, bytes in mmapped chunks). Cheap: one
// small file read and one mallinfo2() (which walks the arenas' bins).
void WriteMemory(JsonWriter& w) {
  w.Key("memory").BeginObject();
  std::ifstream f("/proc/self/status");
  std::string line;
  auto field = [&](std::string_view key, std::string_view name) {
    if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size() || line[key.size()] != ':') return;
    uint64_t v = std::strtoull(line.c_str() + key.size() + 1, nullptr, 10);
    w.Field(name, key == "Threads" ? v : v * 1024);
  };
  while (std::getline(f, line)) {
    field("VmRSS", "rss_bytes");
    field("VmHWM", "peak_rss_bytes");
    field("RssAnon", "rss_anon_bytes");
    field("Threads", "threads");
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2();
  w.Field("malloc_in_use_bytes", static_cast<uint64_t>(mi.uordblks + mi.hblkhd));
  w.Field("malloc_free_bytes", static_cast<uint64_t>(mi.fordblks));
  w.Field("malloc_mmapped_bytes", static_cast<uint64_t>(mi.hblkhd));
  w.Field("malloc_arena_bytes", static_cast<uint64_t>(mi.arena));
#endif
  backpressure::Stats hs = backpressure::GetStats();
  w.Key("heads").BeginObject();
  w.Field("bytes", hs.bytes);
  w.Field("count", hs.holders);
  w.Field("limit_bytes", hs.limit);
  w.Field("waits", hs.waits);
  w.Field("wait_ms", hs.wait_ms);
  w.Field("timeouts", hs.timeouts);
  w.EndObject();
  auto ids = store::segment::SegmentReader::GetIdCacheStats();
  w.Key("segment_id_cache").BeginObject();
  w.Field("bytes", static_cast<uint64_t>(ids.bytes));
  w.Field("sets", static_cast<uint64_t>(ids.sets));
  w.Field("loads", ids.loads);
  w.Field("evictions", ids.evictions);
  w.EndObject();
  w.EndObject();
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& o, store::Store* store) {
  std::string host;
  uint16_t port;
  AP_RETURN_IF_ERROR(ParseListen(o.listen, &host, &port));
  if (!IsLoopbackHost(host) && o.token.empty()) {
    return Status::PermissionDenied(fmt::format(
        "refusing to listen on non-loopback address {} without a token: pass --token TOKEN (or set "
        "AGENTPERF_TOKEN); clients then send 'Authorization: Bearer TOKEN'",
        host));
  }
  std::unique_ptr<Server> s(new Server());
  s->host_ = host;
  s->store_ = store;
  if (o.otlp) {
    otlp::ReceiverOptions ro = o.otlp_options;
    ro.join.limits = o.limits;
    s->otlp_ = std::make_unique<otlp::OtlpReceiver>(ro);
  }
  api::ApiOptions ao;
  ao.token = o.token;
  ao.limits = o.limits;
  ao.body_limits = o.body_limits;
  ao.version = AGENTPERF_VERSION;
  ao.prices = o.prices;
  Server* raw = s.get();
  s->api_ = std::make_unique<api::RestApi>(store, ao, [raw] {
    HttpServerStats st = raw->http_->Stats();
    JsonWriter w;
    w.BeginObject();
    w.Field("listen", fmt::format("{}:{}", raw->host_, raw->port()));
    w.Field("connections_open", st.connections_open);
    w.Field("connections_total", st.connections_total);
    w.Field("requests", st.requests);
    w.Field("rejected_overload", st.rejected_overload);
    w.Field("inflight_bytes", st.inflight_bytes);
    WriteMemory(w);
    {
      std::lock_guard lock(raw->status_mu_);
      for (const auto& [name, write] : raw->status_sections_) write(w.Key(name));
    }
    w.EndObject();
    return w.Take();
  }, s->otlp_.get());
  HttpServerOptions ho;
  ho.host = host;
  ho.port = port;
  ho.threads = o.threads > 0 ? o.threads : std::max(2u, std::thread::hardware_concurrency());
  ho.max_body_bytes = o.max_body_bytes;
  ho.max_inflight_bytes = o.max_inflight_bytes;
  ho.max_connections = o.max_connections;
  api::RestApi* api = s->api_.get();
  s->http_ = std::make_unique<HttpServer>(
      ho, [api](HttpRequest&& r, Responder respond) { api->Handle(std::move(r), std::move(respond)); },
      [api](const HttpRequest& head, uint64_t len, HttpResponse* early) { return api->EarlyCheck(head, len, early); });
  AP_RETURN_IF_ERROR(s->http_->Start());
  if (s->otlp_ && o.otlp_sweep_ms > 0) {
    const auto every = std::chrono::milliseconds(o.otlp_sweep_ms);
    s->sweeper_ = std::thread([raw, every] {
      std::unique_lock lock(raw->sweep_mu_);
      while (!raw->sweep_cv_.wait_for(lock, every, [raw] { return raw->sweep_stop_; })) {
        lock.unlock();
        raw->SweepOtlp(WallMicros());
        lock.lock();
      }
    });
  }
  return s;
}

void Server::SweepOtlp(int64_t now_us) {
  if (!otlp_) return;
  event::EventBatch aux;
  otlp_->Expire(now_us, &aux);
  if (aux.empty()) return;
  // Blocking: the sweeper is the only caller besides tests, and the store
  // must not be closed under it (StopAccepting joins the sweeper first).
  const size_t n = aux.size();
  auto r = store_->Append(std::move(aux));
  if (!r.ok()) log::Warn("otlp", "storing {} auxiliary llm_calls failed: {}", n, r.status().ToString());
}

void Server::AddStatusSection(std::string name, std::function<void(JsonWriter&)> write) {
  std::lock_guard lock(status_mu_);
  status_sections_.emplace_back(std::move(name), std::move(write));
}

void Server::ClearStatusSections() {
  std::lock_guard lock(status_mu_);
  status_sections_.clear();
}

void Server::StopSweeper() {
  {
    std::lock_guard lock(sweep_mu_);
    sweep_stop_ = true;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

Server::~Server() {
  StopSweeper();
  if (http_) http_->Stop();
}

std::string Server::url() const {
  std::string h = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  if (h == "0.0.0.0") h = "127.0.0.1";
  return fmt::format("http://{}:{}", h, port());
}

}  // namespace agentperf::server
