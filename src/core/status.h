// Status and Result<T>: errors as values at module boundaries.
//
// A Status is either OK or carries a code and a human-readable message. Result<T>
// holds either a T or a non-OK Status. Both are cheap to move; an OK Status does
// not allocate. Thread-safety: values, no shared state.
#pragma once

#include <cassert>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace agentperf {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,   // bad input from a caller (maps to HTTP 400)
  kNotFound,          // (404)
  kAlreadyExists,
  kCorruption,        // on-disk data failed a checksum or format check
  kIOError,           // the OS refused a read/write/fsync (maps to HTTP 503)
  kResourceExhausted, // overload, disk full, limits (429/503/413 by context)
  kTooLarge,          // a body or value over its size limit (413)
  kUnavailable,       // temporarily unable (shutting down, failed WAL) (503)
  kPermissionDenied,  // missing/wrong token (401/403)
  kFailedPrecondition,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
  static Status TooLarge(std::string msg) { return {StatusCode::kTooLarge, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) { return {StatusCode::kPermissionDenied, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  const std::string& message() const;
  // "IOError: fsync wal/000001.wal: Input/output error"
  std::string ToString() const;
  // Returns a copy with "context: " prepended to the message.
  Status WithContext(std::string_view context) const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;  // null when OK; shared so copies are cheap
};

// Result<T>: a T or an error Status (never an OK Status).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace agentperf

// Early return on error. Usage: AP_RETURN_IF_ERROR(DoThing());
#define AP_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    ::agentperf::Status ap_status_ = (expr);      \
    if (!ap_status_.ok()) return ap_status_;      \
  } while (0)

#define AP_CONCAT_INNER(a, b) a##b
#define AP_CONCAT(a, b) AP_CONCAT_INNER(a, b)
// AP_ASSIGN_OR_RETURN(auto x, MakeX());
#define AP_ASSIGN_OR_RETURN(lhs, expr) AP_ASSIGN_OR_RETURN_IMPL(AP_CONCAT(ap_result_, __LINE__), lhs, expr)
#define AP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
