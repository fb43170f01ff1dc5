#include "sim/request_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/json_writer.h"

namespace agentperf::sim {

namespace {
// Milliseconds with microsecond resolution.
double Round3(double v) {
  return std::round(v * 1000.0) / 1000.0;
}
}  // namespace

Result<std::unique_ptr<RequestLog>> RequestLog::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(fmt::format("cannot open log file {}: {}", path, std::strerror(errno)));
  return std::unique_ptr<RequestLog>(new RequestLog(fd));
}

RequestLog::~RequestLog() {
  ::close(fd_);
}

std::string RequestLog::Format(const LogRecord& r) {
  JsonWriter w;
  w.BeginObject()
      .Field("received_ms", Round3(r.received_ms))
      .Field("response_id", r.response_id)
      .Field("session", r.session);
  w.Key("parent");
  if (r.parent.empty()) {
    w.Null();
  } else {
    w.String(r.parent);
  }
  w.Field("model", r.model)
      .Field("agent", r.agent)
      .Field("kind", r.kind)
      .Field("turn", r.turn)
      .Field("step", r.step)
      .Field("attempt", r.attempt)
      .Field("stream", r.stream)
      .Field("status", r.status);
  if (!r.error.empty()) w.Field("error", r.error);
  if (r.status == 429) w.Field("retry_after_ms", r.retry_after_ms);
  w.Field("ttfc_planned_ms", Round3(r.ttfc_planned_ms)).Field("tokens_per_s", Round3(r.tokens_per_s));
  w.Key("first_chunk_sent_ms");
  if (r.first_chunk_sent_ms) {
    w.Double(Round3(*r.first_chunk_sent_ms));
  } else {
    w.Null();
  }
  w.Field("end_ms", Round3(r.end_ms));
  if (!r.finish_reason.empty()) w.Field("finish_reason", r.finish_reason);
  w.Key("tool_calls").BeginArray();
  for (const auto& t : r.tool_calls) w.String(t);
  w.EndArray();
  w.Key("usage");
  if (r.usage) {
    w.BeginObject()
        .Field("prompt_tokens", r.usage->prompt_tokens)
        .Field("completion_tokens", r.usage->completion_tokens)
        .Field("cached_tokens", r.usage->cached_tokens)
        .Field("total_tokens", r.usage->total_tokens())
        .EndObject();
  } else {
    w.Null();
  }
  w.Field("client_gone", r.client_gone);
  if (!r.warnings.empty()) {
    w.Key("warnings").BeginArray();
    for (const auto& x : r.warnings) w.String(x);
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

Status RequestLog::Append(const LogRecord& record) {
  std::string line = Format(record);
  line.push_back('\n');
  std::lock_guard<std::mutex> l(mu_);
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(fmt::format("writing the request log: {}", std::strerror(errno)));
    }
    off += static_cast<size_t>(n);
  }
  return Status::OK();
}

}  // namespace agentperf::sim
