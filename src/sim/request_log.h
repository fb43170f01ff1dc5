// RequestLog: `simulate llm --log FILE`, one NDJSON line per chat request,
// written when its answer has ended (docs/simulate.md, "Log"). Each line is
// one write(2) to a file opened with O_APPEND, so readers never see half a
// line and a test can read the file while the simulator runs.
// Thread-safety: Append is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "sim/tokens.h"

namespace agentperf::sim {

struct LogRecord {
  double received_ms = 0;  // epoch milliseconds, when the request was complete
  std::string response_id;
  std::string session;
  std::string parent;  // empty: absent
  std::string model;
  std::string agent;
  std::string kind;  // title, trigger, agent, default ("" for a bad request)
  int turn = 0;
  int step = 0;
  int attempt = 0;
  bool stream = false;
  int status = 200;
  std::string error;  // scripted, rate_limit, error, bad_request
  int64_t retry_after_ms = 0;
  double ttfc_planned_ms = 0;
  double tokens_per_s = 0;
  std::optional<double> first_chunk_sent_ms;  // after received_ms
  double end_ms = 0;                          // after received_ms
  std::string finish_reason;
  std::vector<std::string> tool_calls;  // names
  std::optional<Usage> usage;           // successful answers
  bool client_gone = false;             // the connection closed before the end
  std::vector<std::string> warnings;
};

class RequestLog {
 public:
  // Appends to `path` (created if missing).
  static Result<std::unique_ptr<RequestLog>> Open(const std::string& path);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  Status Append(const LogRecord& record);
  // The JSON object of one line (without the newline).
  static std::string Format(const LogRecord& record);

 private:
  explicit RequestLog(int fd) : fd_(fd) {}
  std::mutex mu_;
  int fd_;
};

}  // namespace agentperf::sim
