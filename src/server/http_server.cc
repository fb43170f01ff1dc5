// The only translation unit that includes Boost.Beast / Asio.
#include "server/http_server.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <thread>
#include <vector>

#include "core/log.h"

namespace agentperf::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string UrlDecode(std::string_view s, bool plus_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (c == '+' && plus_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

class Session;

// State shared by the server and every session; sessions keep it (and so the
// io_contexts) alive while a store callback may still answer them. Each I/O
// thread runs its own single-threaded io_context (no scheduler lock
// contention); connections are spread over them round-robin.
struct Shared {
  HttpServerOptions opts;
  Handler handler;
  StreamHandler stream_handler;  // when set, used instead of handler
  EarlyCheck early;
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::atomic<uint64_t> inflight{0};
  std::atomic<uint64_t> conns_open{0};
  std::atomic<uint64_t> conns_total{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> rejected{0};
  // Open sessions, so that Stop() can close them; and whether Stop() has
  // begun, after which answers are dropped instead of being posted to an
  // io_context that no thread runs (that would keep their sessions alive).
  std::mutex mu;
  bool stopped = false;                                           // guarded by mu
  std::unordered_map<const void*, std::weak_ptr<Session>> sessions;  // guarded by mu
  Shared(HttpServerOptions o, Handler h, StreamHandler sh, EarlyCheck e)
      : opts(std::move(o)), handler(std::move(h)), stream_handler(std::move(sh)), early(std::move(e)) {
    int n = std::max(1, opts.threads);
    for (int i = 0; i < n; ++i) iocs.push_back(std::make_unique<net::io_context>(1));
  }
  // Runs f on the executor unless the server is stopping (then f is dropped
  // and false returned: no thread would run it).
  template <typename Executor, typename F>
  bool Post(const Executor& ex, F&& f) {
    std::lock_guard<std::mutex> l(mu);
    if (stopped) return false;
    net::post(ex, std::forward<F>(f));
    return true;
  }
};

// What a streamed response and the thread writing it share.
struct StreamState {
  std::atomic<bool> closed{false};     // the connection is gone: drop output
  std::atomic<uint64_t> buffered{0};   // body bytes accepted by Write() and not yet written
};

void FillHead(const http::request<http::string_body>& req, const tcp::socket& sock, HttpRequest* out) {
  out->method = std::string(req.method_string());
  out->target = std::string(req.target());
  std::string_view t = req.target();
  size_t q = t.find('?');
  out->path = UrlDecode(t.substr(0, q), false);
  if (q != std::string_view::npos) {
    std::string_view qs = t.substr(q + 1);
    while (!qs.empty()) {
      size_t amp = qs.find('&');
      std::string_view kv = qs.substr(0, amp);
      size_t eq = kv.find('=');
      if (!kv.empty()) {
        out->query.emplace_back(UrlDecode(kv.substr(0, eq), true),
                                eq == std::string_view::npos ? std::string() : UrlDecode(kv.substr(eq + 1), true));
      }
      if (amp == std::string_view::npos) break;
      qs.remove_prefix(amp + 1);
    }
  }
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out->headers.emplace_back(std::move(name), std::string(f.value()));
  }
  beast::error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (!ec) out->remote = ep.address().to_string();
}

// Spare capacity reserved after request bodies: the JSON parser reads up to
// this many bytes past the end, and reserving it here avoids a copy later.
constexpr size_t kBodyPadding = 64;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Shared> shared, tcp::socket socket)
      : shared_(std::move(shared)), socket_(std::move(socket)), timer_(socket_.get_executor()) {
    shared_->conns_open.fetch_add(1);
    shared_->conns_total.fetch_add(1);
  }
  ~Session() {
    Release();
    {
      std::lock_guard<std::mutex> l(shared_->mu);
      shared_->sessions.erase(this);
    }
    shared_->conns_open.fetch_sub(1);
  }

  void Start() { ReadHeader(); }
  // Closes the connection and cancels the timers; pending operations complete
  // with operation_aborted. Only where no I/O thread runs this session.
  void Shutdown() {
    timer_.cancel();
    Close();
  }
  tcp::socket::executor_type executor() { return socket_.get_executor(); }
  Shared& shared() { return *shared_; }

  // The operations of a ResponseStream, run on this session's thread. `seq`
  // names the request; calls about an earlier request are ignored.
  void StreamRespond(uint64_t seq, HttpResponse r);
  void StreamBegin(uint64_t seq, int status, std::string content_type,
                   std::vector<std::pair<std::string, std::string>> headers);
  void StreamWrite(uint64_t seq, std::string data);
  void StreamFinish(uint64_t seq);
  void StreamAbort(uint64_t seq);
  void StreamAt(uint64_t seq, ResponseStream::TimePoint deadline, std::function<void(bool)> fn);

 private:
  void Release() {
    if (reserved_ > 0) {
      shared_->inflight.fetch_sub(reserved_);
      reserved_ = 0;
    }
  }

  // One timer per session instead of one per socket operation.
  void Arm(int seconds) {
    timer_.expires_after(std::chrono::seconds(seconds));
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled
      if (auto self = weak.lock()) {
        beast::error_code ignored;
        self->socket_.close(ignored);
      }
    });
  }
  void Disarm() { timer_.cancel(); }

  void ReadHeader() {
    head_method_ = false;
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(shared_->opts.max_body_bytes);
    Arm(shared_->opts.idle_timeout_seconds);
    http::async_read_header(socket_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // 413 for a body over max_body_bytes; the rest of it is not read, so the
  // connection closes.
  void RefuseTooLarge() {
    Disarm();
    HttpResponse r = HttpResponse::Error(
        413, "too_large", fmt::format("request body exceeds the limit of {} bytes", shared_->opts.max_body_bytes));
    r.close = true;
    Write(std::move(r));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    // Beast checks a declared Content-Length against body_limit() while reading the header.
    if (ec == http::error::body_limit) return RefuseTooLarge();
    if (ec) {
      Disarm();
      if (ec != http::error::end_of_stream && ec != net::error::operation_aborted && ec != net::error::eof &&
          ec != net::error::connection_reset && ec != net::error::bad_descriptor) {
        HttpResponse r = HttpResponse::Error(400, "bad_request", fmt::format("malformed HTTP request: {}", ec.message()));
        r.close = true;
        Write(std::move(r));
        return;
      }
      return Close();
    }
    const auto& req = parser_->get();
    head_ = HttpRequest{};
    FillHead(req, socket_, &head_);
    keep_alive_ = req.keep_alive();
    head_method_ = req.method() == http::verb::head;
    http10_ = req.version() < 11;
    const bool chunked = parser_->chunked();
    const uint64_t length = parser_->content_length().value_or(0);
    const bool has_body = chunked || length > 0;
    const uint64_t max_body = shared_->opts.max_body_bytes;
    if (length > max_body) {
      Disarm();
      HttpResponse r = HttpResponse::Error(
          413, "too_large", fmt::format("request body of {} bytes exceeds the limit of {} bytes", length, max_body));
      r.close = true;
      return Write(std::move(r));
    }
    HttpResponse early;
    if (shared_->early && shared_->early(head_, length, &early)) {
      Disarm();
      early.close = early.close || has_body;  // the body is not read: the connection cannot be reused
      return Write(std::move(early));
    }
    const uint64_t reserve = chunked ? max_body : length;
    uint64_t now = shared_->inflight.fetch_add(reserve) + reserve;
    reserved_ = reserve;
    if (now > shared_->opts.max_inflight_bytes && reserve > 0) {
      Disarm();
      Release();
      shared_->rejected.fetch_add(1);
      HttpResponse r = HttpResponse::Error(503, "overloaded",
                                           "server busy: too many request bytes in flight; retry after a second");
      r.headers.emplace_back("Retry-After", "1");
      r.close = true;
      return Write(std::move(r));
    }
    if (chunked) {
      // Rare: let Beast decode the chunks.
      return http::async_read(socket_, buffer_, *parser_,
                              beast::bind_front_handler(&Session::OnChunkedBody, shared_from_this()));
    }
    // Content-Length: read straight into the final buffer, in large reads.
    body_.clear();
    body_.reserve(length + kBodyPadding);
    size_t have = std::min<size_t>(buffer_.size(), length);
    auto data = buffer_.data();
    body_.append(static_cast<const char*>(data.data()), have);
    buffer_.consume(have);
    body_.resize(length);
    if (have == length) return OnBody(beast::error_code{}, 0);
    net::async_read(socket_, net::buffer(body_.data() + have, length - have),
                    beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void OnChunkedBody(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) return RefuseTooLarge();
    if (!ec) {
      body_ = std::move(parser_->get().body());
      body_.reserve(body_.size() + kBodyPadding);
    }
    OnBody(ec, 0);
  }

  void OnBody(beast::error_code ec, std::size_t) {
    Disarm();
    if (ec) {
      // The client went away or stalled mid-body: a truncated request is never processed.
      if (ec == net::error::eof || ec == net::error::operation_aborted || ec == net::error::connection_reset ||
          ec == http::error::partial_message || ec == http::error::end_of_stream || ec == net::error::bad_descriptor) {
        return Close();
      }
      HttpResponse r = HttpResponse::Error(400, "bad_request", fmt::format("malformed HTTP body: {}", ec.message()));
      r.close = true;
      return Write(std::move(r));
    }
    head_.body = std::move(body_);
    body_ = std::string();
    parser_.reset();
    shared_->requests.fetch_add(1);
    auto self = shared_from_this();
    if (shared_->stream_handler) return CallStreamHandler();
    shared_->handler(std::move(head_), [self](HttpResponse r) {
      std::lock_guard<std::mutex> l(self->shared_->mu);
      if (self->shared_->stopped) return;  // no thread would ever write it
      net::post(self->socket_.get_executor(), [self, r = std::move(r)]() mutable { self->Write(std::move(r)); });
    });
  }

  void Write(HttpResponse r) {
    Release();
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "agentperf");
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive_ && !r.close);
    if (head_method_) {
      // HEAD: the headers of the GET answer, without its body (RFC 9110 9.3.2).
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    Arm(shared_->opts.idle_timeout_seconds);
    http::async_write(socket_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      self->Disarm();
      if (ec || !res->keep_alive()) return self->Close();
      self->ReadHeader();
    });
  }

  void Close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
    if (stream_state_) stream_state_->closed.store(true);
    CancelStreamTimers();
  }

  // --- streamed responses ---
  enum class StreamPhase { kNone, kHandler, kBody, kFinishing };
  void CallStreamHandler();
  bool Current(uint64_t seq) const { return seq == stream_seq_ && stream_phase_ != StreamPhase::kNone; }
  void EnqueueStream(std::string bytes, uint64_t accounted);
  void WriteStreamQueue();
  void OnStreamWritten(beast::error_code ec);
  void MaybeEndStream();
  void CancelStreamTimers() {
    for (auto& [id, t] : stream_timers_) t->cancel();
  }

  std::shared_ptr<Shared> shared_;
  tcp::socket socket_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest head_;
  std::string body_;
  bool keep_alive_ = true;
  bool head_method_ = false;  // the request being answered is a HEAD
  bool http10_ = false;       // the request being answered is HTTP/1.0
  uint64_t reserved_ = 0;

  struct Queued {
    std::string bytes;
    uint64_t accounted;  // counted in StreamState::buffered
  };
  uint64_t stream_seq_ = 0;
  StreamPhase stream_phase_ = StreamPhase::kNone;
  std::shared_ptr<StreamState> stream_state_;
  bool stream_chunked_ = false;      // chunked framing (else: ends with the connection)
  bool stream_body_ = false;         // false for HEAD: body writes are dropped
  bool stream_close_after_ = false;  // close the connection after the body
  bool stream_writing_ = false;
  std::deque<Queued> stream_queue_;
  std::vector<Queued> stream_in_flight_;
  uint64_t next_timer_id_ = 0;
  std::unordered_map<uint64_t, std::shared_ptr<net::steady_timer>> stream_timers_;
};

// The handler's side of a streamed response: every call is posted to the
// session's thread.
class StreamImpl final : public ResponseStream {
 public:
  StreamImpl(std::shared_ptr<Session> session, uint64_t seq, std::shared_ptr<StreamState> state, uint64_t max_buffer)
      : session_(std::move(session)), seq_(seq), state_(std::move(state)), max_buffer_(max_buffer) {}
  ~StreamImpl() override {
    if (!ended_.exchange(true)) Post([s = session_, seq = seq_] { s->StreamAbort(seq); });
  }

  void Respond(HttpResponse response) override {
    if (begun_.exchange(true) || ended_.exchange(true)) return;
    Post([s = session_, seq = seq_, r = std::move(response)]() mutable { s->StreamRespond(seq, std::move(r)); });
  }
  void Begin(int status, std::string content_type,
             std::vector<std::pair<std::string, std::string>> headers) override {
    if (ended_.load() || begun_.exchange(true)) return;
    Post([s = session_, seq = seq_, status, ct = std::move(content_type), h = std::move(headers)]() mutable {
      s->StreamBegin(seq, status, std::move(ct), std::move(h));
    });
  }
  Status Write(std::string data) override {
    if (ended_.load() || state_->closed.load()) return Status::Unavailable("the response stream has ended");
    if (data.empty()) return Status::OK();
    const uint64_t n = data.size();
    const uint64_t before = state_->buffered.fetch_add(n);
    if (before > 0 && before + n > max_buffer_) {
      state_->buffered.fetch_sub(n);
      return Status::ResourceExhausted(
          fmt::format("response stream buffer full ({} bytes waiting for the client)", before));
    }
    if (!Post([s = session_, seq = seq_, d = std::move(data)]() mutable { s->StreamWrite(seq, std::move(d)); })) {
      state_->buffered.fetch_sub(n);
      return Status::Unavailable("the server is stopping");
    }
    return Status::OK();
  }
  void Finish() override {
    if (ended_.exchange(true)) return;
    Post([s = session_, seq = seq_] { s->StreamFinish(seq); });
  }
  void At(TimePoint deadline, std::function<void(bool)> fn) override {
    Post([s = session_, seq = seq_, deadline, f = std::move(fn)]() mutable { s->StreamAt(seq, deadline, std::move(f)); });
  }
  bool closed() const override { return state_->closed.load(); }
  uint64_t buffered() const override { return state_->buffered.load(); }

 private:
  template <typename F>
  bool Post(F&& f) {
    return session_->shared().Post(session_->executor(), std::forward<F>(f));
  }
  std::shared_ptr<Session> session_;
  const uint64_t seq_;
  std::shared_ptr<StreamState> state_;
  const uint64_t max_buffer_;
  std::atomic<bool> begun_{false};
  std::atomic<bool> ended_{false};
};

void Session::CallStreamHandler() {
  ++stream_seq_;
  stream_phase_ = StreamPhase::kHandler;
  stream_state_ = std::make_shared<StreamState>();
  auto stream = std::make_shared<StreamImpl>(shared_from_this(), stream_seq_, stream_state_,
                                             shared_->opts.max_stream_buffer_bytes);
  shared_->stream_handler(std::move(head_), std::move(stream));
}

void Session::StreamRespond(uint64_t seq, HttpResponse r) {
  if (!Current(seq) || stream_phase_ != StreamPhase::kHandler) return;
  stream_phase_ = StreamPhase::kNone;
  CancelStreamTimers();
  Write(std::move(r));
}

void Session::StreamBegin(uint64_t seq, int status, std::string content_type,
                          std::vector<std::pair<std::string, std::string>> headers) {
  if (!Current(seq) || stream_phase_ != StreamPhase::kHandler) return;
  Release();
  stream_phase_ = StreamPhase::kBody;
  stream_body_ = !head_method_;
  // HTTP/1.0 has no chunked coding: the body then ends with the connection.
  stream_chunked_ = !http10_;
  http::response<http::empty_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::server, "agentperf");
  res.set(http::field::content_type, content_type);
  for (const auto& [k, v] : headers) res.set(k, v);
  if (stream_chunked_) res.chunked(true);
  res.keep_alive(keep_alive_ && stream_chunked_);
  stream_close_after_ = !res.keep_alive();
  std::ostringstream os;
  os << res.base();
  EnqueueStream(os.str(), 0);
}

void Session::StreamWrite(uint64_t seq, std::string data) {
  const uint64_t n = data.size();
  if (!Current(seq) || stream_phase_ != StreamPhase::kBody || !stream_body_ || stream_state_->closed.load()) {
    // Still counted by the stream that wrote it (which may be an earlier one).
    if (seq == stream_seq_ && stream_state_) stream_state_->buffered.fetch_sub(n);
    return;
  }
  if (stream_chunked_) {
    std::string framed = fmt::format("{:x}\r\n", n);
    framed.reserve(framed.size() + n + 2);
    framed += data;
    framed += "\r\n";
    return EnqueueStream(std::move(framed), n);
  }
  EnqueueStream(std::move(data), n);
}

void Session::StreamFinish(uint64_t seq) {
  if (!Current(seq)) return;
  if (stream_phase_ == StreamPhase::kHandler) return StreamAbort(seq);  // Finish without Begin
  if (stream_phase_ != StreamPhase::kBody) return;
  stream_phase_ = StreamPhase::kFinishing;
  if (stream_chunked_ && stream_body_ && !stream_state_->closed.load()) EnqueueStream("0\r\n\r\n", 0);
  MaybeEndStream();
}

void Session::StreamAbort(uint64_t seq) {
  if (!Current(seq)) return;
  if (stream_phase_ == StreamPhase::kHandler) {
    stream_phase_ = StreamPhase::kNone;
    CancelStreamTimers();
    return Write(HttpResponse::Error(500, "internal", "the request handler gave no response"));
  }
  if (stream_phase_ == StreamPhase::kBody) {
    // A body cut short cannot be framed as complete: what was written goes
    // out, then (without the last chunk) the connection closes.
    stream_phase_ = StreamPhase::kFinishing;
    stream_close_after_ = true;
    MaybeEndStream();
  }
}

void Session::StreamAt(uint64_t seq, ResponseStream::TimePoint deadline, std::function<void(bool)> fn) {
  if (seq != stream_seq_ || stream_phase_ == StreamPhase::kNone || !stream_state_ || stream_state_->closed.load()) {
    return fn(false);
  }
  const uint64_t id = ++next_timer_id_;
  auto timer = std::make_shared<net::steady_timer>(socket_.get_executor(), deadline);
  stream_timers_.emplace(id, timer);
  timer->async_wait([self = shared_from_this(), id, st = stream_state_, f = std::move(fn)](beast::error_code ec) {
    self->stream_timers_.erase(id);  // destroys the timer; its handler already left it
    f(!ec && !st->closed.load());
  });
}

void Session::EnqueueStream(std::string bytes, uint64_t accounted) {
  stream_queue_.push_back(Queued{std::move(bytes), accounted});
  WriteStreamQueue();
}

void Session::WriteStreamQueue() {
  if (stream_writing_ || stream_queue_.empty()) return;
  std::vector<net::const_buffer> bufs;
  while (!stream_queue_.empty() && stream_in_flight_.size() < 64) {
    stream_in_flight_.push_back(std::move(stream_queue_.front()));
    stream_queue_.pop_front();
  }
  bufs.reserve(stream_in_flight_.size());
  for (const auto& q : stream_in_flight_) bufs.emplace_back(q.bytes.data(), q.bytes.size());
  stream_writing_ = true;
  Arm(shared_->opts.idle_timeout_seconds);
  net::async_write(socket_, bufs, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->OnStreamWritten(ec);
  });
}

void Session::OnStreamWritten(beast::error_code ec) {
  Disarm();
  stream_writing_ = false;
  uint64_t done = 0;
  for (const auto& q : stream_in_flight_) done += q.accounted;
  stream_in_flight_.clear();
  if (ec) {
    for (const auto& q : stream_queue_) done += q.accounted;
    stream_queue_.clear();
    stream_state_->buffered.fetch_sub(done);
    stream_phase_ = StreamPhase::kNone;
    return Close();
  }
  stream_state_->buffered.fetch_sub(done);
  WriteStreamQueue();
  MaybeEndStream();
}

void Session::MaybeEndStream() {
  if (stream_phase_ != StreamPhase::kFinishing || stream_writing_ || !stream_queue_.empty()) return;
  stream_phase_ = StreamPhase::kNone;
  CancelStreamTimers();
  if (stream_close_after_ || stream_state_->closed.load()) return Close();
  ReadHeader();
}

}  // namespace

struct HttpServer::Impl {
  std::shared_ptr<Shared> shared;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  uint16_t port = 0;
  size_t next_ioc = 0;
  bool started = false;
  bool stopped = false;

  void Accept() {
    net::io_context& target = *shared->iocs[next_ioc++ % shared->iocs.size()];
    acceptor->async_accept(target, [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
        log::Warn("http", "accept failed: {}", ec.message());
      } else if (shared->conns_open.load() >= static_cast<uint64_t>(shared->opts.max_connections)) {
        shared->rejected.fetch_add(1);
        static const std::string kBusy = [] {
          std::string body = "{\"error\":\"too many connections; retry later\",\"code\":\"overloaded\"}";
          return fmt::format(
              "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
              "Connection: close\r\nContent-Length: {}\r\n\r\n{}",
              body.size(), body);
        }();
        beast::error_code wec;
        net::write(socket, net::buffer(kBusy), wec);
        socket.close(wec);
      } else {
        beast::error_code nec;
        socket.set_option(tcp::no_delay(true), nec);
        auto session = std::make_shared<Session>(shared, std::move(socket));
        {
          std::lock_guard<std::mutex> l(shared->mu);
          shared->sessions.emplace(session.get(), session);
        }
        // Start on the session's own io_context thread.
        net::post(session->executor(), [session] { session->Start(); });
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler, EarlyCheck early_check)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared =
      std::make_shared<Shared>(std::move(options), std::move(handler), StreamHandler(), std::move(early_check));
}

HttpServer::HttpServer(HttpServerOptions options, StreamHandler handler, EarlyCheck early_check)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared =
      std::make_shared<Shared>(std::move(options), Handler(), std::move(handler), std::move(early_check));
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  Impl& im = *impl_;
  Shared& sh = *im.shared;
  net::io_context& first = *sh.iocs[0];
  beast::error_code ec;
  tcp::resolver resolver(first);
  auto results = resolver.resolve(sh.opts.host, std::to_string(sh.opts.port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return Status::InvalidArgument(fmt::format("cannot resolve listen address '{}': {}", sh.opts.host, ec.message()));
  }
  tcp::endpoint ep = results.begin()->endpoint();
  im.acceptor.emplace(first);
  im.acceptor->open(ep.protocol(), ec);
  if (!ec) im.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor->bind(ep, ec);
  if (ec) {
    return Status::Unavailable(fmt::format("cannot listen on {}:{}: {}{}", sh.opts.host, sh.opts.port, ec.message(),
                                           ec == net::error::address_in_use
                                               ? " (another agentperf serve? use --listen HOST:PORT)"
                                               : ""));
  }
  im.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable(fmt::format("listen: {}", ec.message()));
  im.port = im.acceptor->local_endpoint().port();
  im.Accept();
  for (auto& ioc : sh.iocs) {
    im.work.push_back(net::make_work_guard(*ioc));
    im.threads.emplace_back([s = im.shared, ioc = ioc.get()] { ioc->run(); });
  }
  im.started = true;
  return Status::OK();
}

void HttpServer::StopAccepting() {
  Impl& im = *impl_;
  if (!im.started || im.stopped) return;
  std::promise<void> done;
  net::post(*im.shared->iocs[0], [&im, &done] {
    beast::error_code ec;
    im.acceptor->close(ec);
    done.set_value();
  });
  done.get_future().wait();
}

void HttpServer::Stop() {
  Impl& im = *impl_;
  if (!im.started || im.stopped) return;
  StopAccepting();
  im.stopped = true;
  {
    std::lock_guard<std::mutex> l(im.shared->mu);
    im.shared->stopped = true;  // answers given from now on are dropped
  }
  im.work.clear();
  for (auto& ioc : im.shared->iocs) ioc->stop();
  for (auto& t : im.threads) t.join();
  im.threads.clear();
  // No I/O thread runs any more: close every open connection from here, then
  // run what that completes (aborted reads and writes, answers posted before
  // the stop), so that no session is left waiting forever, holding its socket
  // open and, through its pending handlers, itself and the io_contexts.
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard<std::mutex> l(im.shared->mu);
    for (auto& [key, weak] : im.shared->sessions) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->Shutdown();
  open.clear();
  for (auto& ioc : im.shared->iocs) {
    ioc->restart();
    ioc->poll();
  }
}

uint16_t HttpServer::port() const { return impl_->port; }

HttpServerStats HttpServer::Stats() const {
  const Shared& s = *impl_->shared;
  HttpServerStats st;
  st.connections_open = s.conns_open.load();
  st.connections_total = s.conns_total.load();
  st.requests = s.requests.load();
  st.rejected_overload = s.rejected.load();
  st.inflight_bytes = s.inflight.load();
  return st;
}

}  // namespace agentperf::server
