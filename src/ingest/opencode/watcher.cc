#include "ingest/opencode/watcher.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "ingest/opencode/live_spans.h"
#include "ingest/opencode/sse_parser.h"
#include "net/http_client.h"
#include "net/sse_stream.h"

namespace agentperf::ingest::opencode {
namespace od = simdjson::ondemand;

namespace {

int64_t MonoMs() {
  return MonotonicNanos() / 1'000'000;
}

std::string UrlEncode(std::string_view s) { return net::PercentEncode(s); }

struct ListedSession {
  std::string id, directory, raw;
  int64_t updated = -1;
};

// {"ses_..": {"type": "busy"|"retry"|"idle", ...}, ...}
Status ParseStatusMap(std::string_view body, std::map<std::string, std::string>* out) {
  simdjson::padded_string json(body);
  od::parser parser;
  od::document doc;
  od::object obj;
  if (parser.iterate(json).get(doc) || doc.get_object().get(obj)) return Status::Corruption("bad /session/status");
  for (auto fr : obj) {
    od::field f;
    std::string_view key, type;
    if (std::move(fr).get(f) || f.unescaped_key().get(key)) return Status::Corruption("bad /session/status");
    od::object st;
    if (f.value().get_object().get(st)) continue;
    if (st.find_field_unordered("type").get_string().get(type)) type = "";
    (*out)[std::string(key)] = std::string(type);
  }
  return Status::OK();
}

// [Session, ...]: id, directory, time.updated and the raw object.
Status ParseSessionList(std::string_view body, std::vector<ListedSession>* out) {
  simdjson::padded_string json(body);
  od::parser parser;
  od::document doc;
  od::array arr;
  if (parser.iterate(json).get(doc) || doc.get_array().get(arr)) return Status::Corruption("bad session list");
  for (auto er : arr) {
    od::object o;
    if (er.get_object().get(o)) return Status::Corruption("bad session list item");
    std::string_view raw;
    if (o.raw_json().get(raw)) return Status::Corruption("bad session list item");
    ListedSession s;
    s.raw = std::string(raw);
    // Parse the copy again for the few fields needed.
    simdjson::padded_string item(s.raw);
    od::parser p2;
    od::document d2;
    od::object o2;
    if (p2.iterate(item).get(d2) || d2.get_object().get(o2)) return Status::Corruption("bad session list item");
    for (auto fr : o2) {
      od::field f;
      std::string_view key;
      if (std::move(fr).get(f) || f.unescaped_key().get(key)) return Status::Corruption("bad session list item");
      std::string_view v;
      if (key == "id" && !f.value().get_string().get(v)) s.id = std::string(v);
      if (key == "directory" && !f.value().get_string().get(v)) s.directory = std::string(v);
      if (key == "time") {
        od::object t;
        if (f.value().get_object().get(t)) continue;
        double u;
        if (!t.find_field_unordered("updated").get_double().get(u)) s.updated = static_cast<int64_t>(u);
      }
    }
    if (!s.id.empty()) out->push_back(std::move(s));
  }
  return Status::OK();
}

}  // namespace

struct Watcher::Impl {
  WatchOptions opt;
  EventSink* sink;
  LiveState live;
  event::EventBatch pending;
  mutable std::mutex mu;
  WatchStatus st;  // guarded by mu
  std::function<void(const WatchStatus&)> on_status;
  std::mt19937_64 rng;
  int64_t last_flush = 0, last_status = 0, last_health = 0;
  std::atomic<bool>* stop = nullptr;

  Impl(WatchOptions o, EventSink* s) : opt(std::move(o)), sink(s), live(opt.live) {
    if (!opt.clock) opt.clock = [] { return WallMicros() / 1000; };
    rng.seed(opt.seed ? opt.seed : static_cast<uint64_t>(MonotonicNanos()));
    st.url = opt.url.ToString();
  }

  int64_t Now() const { return opt.clock(); }

  template <typename Fn>
  void Update(Fn&& fn) {
    std::lock_guard<std::mutex> l(mu);
    fn(st);
  }

  void Publish(bool force) {
    const int64_t now = MonoMs();
    if (!force && now - last_status < opt.status_interval_ms) return;
    last_status = now;
    if (!on_status) return;
    WatchStatus copy;
    {
      std::lock_guard<std::mutex> l(mu);
      st.events = live.stats().events;
      st.spans = live.stats().SpansTotal();
      copy = st;
    }
    on_status(copy);
  }

  net::HttpHeaders Headers() const {
    net::HttpHeaders h;
    if (!opt.authorization.empty()) h.emplace_back("Authorization", opt.authorization);
    return h;
  }

  // Sends the pending spans (all of them when `force`, else once per interval).
  void Flush(bool force) {
    const int64_t now = MonoMs();
    if (pending.empty() || (!force && now - last_flush < opt.flush_interval_ms)) return;
    last_flush = now;
    size_t sent = 0;
    while (sent < pending.size()) {
      const size_t end = std::min(pending.size(), sent + opt.batch_max);
      event::EventBatch b;
      for (size_t i = sent; i < end; ++i) CopyEvent(pending, pending.events[i], &b);
      auto r = sink->Send(std::move(b));
      if (!r.ok()) {
        Update([&](WatchStatus& s) {
          s.sink_errors++;
          s.last_error = r.status().ToString();
        });
        break;
      }
      Update([&](WatchStatus& s) {
        s.stored += r->accepted;
        s.duplicates += r->duplicates;
      });
      sent = end;
    }
    if (sent == pending.size()) {
      pending = event::EventBatch();
      return;
    }
    // Keep what was not sent (bounded).
    event::EventBatch rest;
    size_t from = sent;
    if (pending.size() - sent > opt.max_pending) {
      const size_t drop = pending.size() - sent - opt.max_pending;
      Update([&](WatchStatus& s) { s.dropped += drop; });
      from += drop;
    }
    for (size_t i = from; i < pending.size(); ++i) CopyEvent(pending, pending.events[i], &rest);
    pending = std::move(rest);
  }

  void RecordRepairError(const Status& s) {
    Update([&](WatchStatus& w) {
      w.repair_errors++;
      w.last_error = s.ToString();
    });
  }

  // Design §5.4. Blocking requests on a separate connection.
  void RepairGap(int64_t since_ms) {
    net::HttpClient::Options ho;
    ho.connect_timeout_ms = opt.connect_timeout_ms;
    ho.io_timeout_ms = opt.request_timeout_ms;
    net::HttpClient client(opt.url, ho);
    const net::HttpHeaders headers = Headers();
    const std::string dir_q = opt.live.directory.empty() ? "" : "directory=" + UrlEncode(opt.live.directory);
    auto get = [&](const std::string& path) -> Result<std::string> {
      AP_ASSIGN_OR_RETURN(net::HttpResponse r, client.Get(path, headers));
      if (r.status != 200) return Status::Unavailable(fmt::format("GET {}: HTTP {}", path, r.status));
      return std::move(r.body);
    };
    std::map<std::string, std::string> status;
    if (auto body = get("/session/status" + (dir_q.empty() ? "" : "?" + dir_q)); body.ok()) {
      if (Status s = ParseStatusMap(*body, &status); !s.ok()) RecordRepairError(s);
    } else {
      RecordRepairError(body.status());
    }
    std::vector<ListedSession> listed;
    auto list =
        get(fmt::format("/experimental/session?start={}&limit=1000{}", since_ms, dir_q.empty() ? "" : "&" + dir_q));
    if (!list.ok()) list = get("/session" + (dir_q.empty() ? "" : "?" + dir_q));
    if (list.ok()) {
      if (Status s = ParseSessionList(*list, &listed); !s.ok()) RecordRepairError(s);
    } else {
      RecordRepairError(list.status());
    }
    std::map<std::string, ListedSession> todo;
    for (ListedSession& s : listed) {
      if (!opt.live.directory.empty() && !s.directory.empty() && s.directory != opt.live.directory) continue;
      if (s.updated >= since_ms || status.count(s.id)) todo[s.id] = std::move(s);
    }
    for (const auto& [id, type] : status) {
      if (type == "idle" || todo.count(id)) continue;
      ListedSession s;
      s.id = id;
      if (auto body = get("/session/" + UrlEncode(id) + (dir_q.empty() ? "" : "?" + dir_q)); body.ok()) s.raw = *body;
      todo[id] = std::move(s);
    }
    for (const auto& [id, s] : todo) {
      if (stop->load(std::memory_order_relaxed)) return;
      const std::string dir = !s.directory.empty() ? s.directory : opt.live.directory;
      auto msgs = get("/session/" + UrlEncode(id) + "/message" + (dir.empty() ? "" : "?directory=" + UrlEncode(dir)));
      if (!msgs.ok()) {
        RecordRepairError(msgs.status());
        continue;
      }
      auto it = status.find(id);
      const bool busy = it != status.end() && it->second != "idle";
      Status rs = live.Repair(s.raw, *msgs, busy, Now(), &pending);
      if (!rs.ok()) {
        RecordRepairError(rs.WithContext("session " + id));
        continue;
      }
      Update([&](WatchStatus& w) { w.repaired_sessions++; });
    }
  }

  bool Healthy() {
    net::HttpClient::Options ho;
    ho.connect_timeout_ms = opt.connect_timeout_ms;
    ho.io_timeout_ms = std::min(opt.request_timeout_ms, 10000);
    net::HttpClient client(opt.url, ho);
    auto r = client.Get("/global/health", Headers());
    return r.ok() && r->status == 200 && r->body.find("true") != std::string::npos;
  }

  int64_t Jittered(int64_t ms) {
    std::uniform_real_distribution<double> d(1.0 - opt.jitter, 1.0 + opt.jitter);
    return static_cast<int64_t>(static_cast<double>(ms) * d(rng));
  }
};

Watcher::Watcher(WatchOptions options, EventSink* sink) : impl_(std::make_unique<Impl>(std::move(options), sink)) {
  impl_->stop = &stop_;
}
Watcher::~Watcher() = default;

WatchStatus Watcher::status() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->st;
}

void Watcher::set_on_status(std::function<void(const WatchStatus&)> fn) {
  impl_->on_status = std::move(fn);
}

Status Watcher::Run() {
  Impl& d = *impl_;
  const WatchOptions& o = d.opt;
  int64_t backoff = o.backoff_initial_ms;
  bool first = true;
  int64_t disconnected_wall = 0;
  Status result = Status::OK();
  while (!stop_.load(std::memory_order_relaxed)) {
    SseParser parser;
    int64_t opened_mono = 0;
    bool health_failed = false;
    auto stopping = [&] { return stop_.load(std::memory_order_relaxed); };
    net::StreamOptions so;
    so.connect_timeout_ms = o.connect_timeout_ms;
    so.tick_ms = 100;
    so.headers = d.Headers();
    net::StreamCallbacks cb;
    cb.on_open = [&] {
      opened_mono = MonoMs();
      d.last_health = opened_mono;
      const int64_t now = d.Now();
      d.Update([&](WatchStatus& s) {
        s.connected = true;
        s.connects++;
        s.backoff_ms = 0;
        if (!first) {
          s.reconnects++;
          s.gap_ms += std::max<int64_t>(0, now - disconnected_wall);
        }
      });
      d.Publish(true);
      if (o.gap_repair) d.RepairGap(first ? now - o.since_ms : disconnected_wall - 5000);
      first = false;
      d.Flush(true);
      d.Publish(true);
      return !stopping();
    };
    cb.on_body = [&](std::string_view bytes) {
      parser.Feed(bytes, [&](std::string_view data) { (void)d.live.HandleData(data, d.Now(), &d.pending); });
      d.Flush(false);
      d.Publish(false);
      return !stopping();
    };
    cb.on_tick = [&] {
      d.live.Tick(d.Now(), &d.pending);
      d.Flush(false);
      d.Publish(false);
      if (o.health_interval_ms > 0 && MonoMs() - d.last_health >= o.health_interval_ms) {
        d.last_health = MonoMs();
        if (!d.Healthy()) {
          health_failed = true;
          return false;
        }
      }
      return !stopping();
    };
    Status s = net::StreamGet(o.url, "/global/event", so, cb);
    if (health_failed) s = Status::Unavailable("GET /global/health failed");
    disconnected_wall = d.Now();
    d.Flush(true);
    d.Update([&](WatchStatus& w) {
      w.connected = false;
      if (!s.ok()) w.last_error = s.ToString();
    });
    if (stopping()) break;
    if (s.code() == StatusCode::kPermissionDenied) {
      result = s;
      break;
    }
    if (opened_mono != 0 && MonoMs() - opened_mono >= o.backoff_reset_after_ms) backoff = o.backoff_initial_ms;
    const int64_t wait = d.Jittered(backoff);
    d.Update([&](WatchStatus& w) { w.backoff_ms = wait; });
    d.Publish(true);
    const int64_t until = MonoMs() + wait;
    while (!stopping() && MonoMs() < until) {
      d.live.Tick(d.Now(), &d.pending);
      d.Flush(false);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp<int64_t>(until - MonoMs(), 1, 50)));
    }
    backoff = std::min(backoff * 2, o.backoff_max_ms);
  }
  // Final flush: the session spans of idle sessions, then everything pending.
  d.live.FlushAll(d.Now(), &d.pending);
  d.Flush(true);
  if (Status f = d.sink->Finish(); !f.ok() && result.ok()) result = f;
  d.Update([&](WatchStatus& w) {
    w.connected = false;
    w.stopped = true;
    w.backoff_ms = 0;
  });
  d.Publish(true);
  return result;
}

}  // namespace agentperf::ingest::opencode
