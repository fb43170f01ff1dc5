// A synthetic agent workload for benchmarks and tests, following the mix of
// ../shared/baselines.md so figures are comparable with those baselines:
// sessions of 50-150 spans (a session span, then turns, LLM calls, tool
// calls, permission waits, retries), five agents (coder 40 %, tester 20 %,
// architect 10 %, planner 15 %, researcher 15 %), ten models from four
// providers with per-million prices (four reasoning models), fifteen tools,
// lognormal durations per kind and tool (capped at 10 min for tools, 4 h for
// everything), per-model error rates with two provider outage days, token
// sizes drawn from the Azure LLM inference trace (ContextTokens x 3 as input,
// GeneratedTokens as output), timestamps with exponential gaps and +-500 ms of
// jitter, whole milliseconds.
//
// Identifiers are shaped like OpenCode's (packages/opencode/src/id/id.ts):
// prefix "ses_" / "msg_" / "prt_", 12 hex digits of (ms * 0x1000 + counter)
// (the counter restarts at 1 for every new millisecond; ses_ ids are
// bitwise-inverted so newer sessions sort first), then 14 random base62
// characters (one random byte modulo 62 each, as OpenCode does). span_id is a
// fresh prt_ id per span, message_id is shared by ~3 spans, session_id by the
// session; 10 % of sessions have a parent_session_id (one of the previous
// 1,000 sessions). Costs are rounded to 7 decimal places, ttfc_ms to 0.1 ms.
//
// One generator, several renderings of the same span: NDJSON (what collectors
// POST), an event::EventBatch (agentperf in-process), PostgreSQL COPY text,
// and the accessors SQLite binds from. Deterministic for (seed, start, gap).
// Thread-safety: one Workload per thread; a TokenTrace is immutable once
// loaded and may be shared.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "event/event.h"

namespace agentperf::bench {

// (ContextTokens, GeneratedTokens) pairs of an LLM inference trace.
class TokenTrace {
 public:
  // Reads a TIMESTAMP,ContextTokens,GeneratedTokens CSV (header first).
  static Result<TokenTrace> Load(const std::string& csv_path);
  // A trace from given pairs (tests).
  static TokenTrace FromPairs(std::vector<std::pair<int32_t, int32_t>> pairs);
  size_t size() const { return pairs_.size(); }
  const std::pair<int32_t, int32_t>& operator[](size_t i) const { return pairs_[i]; }

 private:
  std::vector<std::pair<int32_t, int32_t>> pairs_;
};

// The shared folder (../shared of the project): `option` if non-empty, else
// $AGENTPERF_SHARED_DIR, else the first "shared" folder holding
// data/llm-traces found beside an ancestor of the executable, of the working
// directory or of the source tree. Error (saying where it looked) if none.
Result<std::string> FindSharedDir(const std::string& option = "");
// <shared>/data/llm-traces/AzureLLMInferenceTrace_conv.csv
std::string TokenTracePath(const std::string& shared_dir);
// FindSharedDir(option), then the trace at TokenTracePath (its path in *path).
Result<TokenTrace> LoadTokenTrace(const std::string& option = "", std::string* path = nullptr);
// The default trace, loaded once per process (thread-safe). Exits the
// process with a clear message when the file cannot be found or read.
const TokenTrace& DefaultTokenTrace();

// One generated span. Strings are fixed-size (ids are always 30 characters).
struct Span {
  using Id = std::array<char, 30>;
  event::SpanKind kind = event::SpanKind::kSession;
  event::SpanStatus status = event::SpanStatus::kOk;
  int64_t start_us = 0;  // whole milliseconds
  int64_t dur_us = 0;    // whole milliseconds
  Id session_id{}, parent_session_id{}, message_id{}, span_id{};
  bool has_parent_session = false;
  uint8_t agent = 0, model = 0;
  int8_t tool = -1;         // -1: none
  int8_t error_class = -1;  // -1: none (status ok)
  // tokens input, output, reasoning, cache_read, cache_write (event::kAbsentInt = absent)
  std::array<int64_t, 5> tokens{event::kAbsentInt, event::kAbsentInt, event::kAbsentInt, event::kAbsentInt,
                                event::kAbsentInt};
  double cost = std::numeric_limits<double>::quiet_NaN();     // USD; NaN = absent
  double ttfc_ms = std::numeric_limits<double>::quiet_NaN();  // NaN = absent

  std::string_view Session() const { return {session_id.data(), session_id.size()}; }
  std::string_view ParentSession() const {
    return has_parent_session ? std::string_view(parent_session_id.data(), parent_session_id.size())
                              : std::string_view();
  }
  std::string_view Message() const { return {message_id.data(), message_id.size()}; }
  std::string_view SpanId() const { return {span_id.data(), span_id.size()}; }
  std::string_view Agent() const;
  std::string_view Model() const;
  std::string_view Provider() const;
  std::string_view Tool() const;        // "" = none
  std::string_view ErrorClass() const;  // "" = none
  static constexpr std::string_view kSource = "bench";
};

class Workload {
 public:
  // Spans start at start_us plus exponential gaps of mean gap_us (30 days of
  // history for N events: gap_us = 30 days / N). `tokens` must outlive this.
  Workload(uint64_t seed, int64_t start_us, double gap_us, const TokenTrace* tokens);
  // The same with DefaultTokenTrace().
  Workload(uint64_t seed, int64_t start_us, double gap_us);

  void Next(Span* out);
  // Generates n spans as NDJSON lines.
  void AppendNdjson(size_t n, std::string* out);
  uint64_t produced() const { return produced_; }

  // Renderings of one span.
  static void AppendNdjson(const Span& s, std::string* out);
  // Appends an event (strings copied into the batch's arena, the stable id
  // derived exactly as the JSON decoder derives it).
  static void AppendToBatch(const Span& s, event::EventBatch* batch);
  // One line of PostgreSQL COPY text format in the column order of
  // kSqlColumns (tab-separated, \N = NULL).
  static void AppendCopyText(const Span& s, std::string* out);
  // The SQL columns (SQLite and PostgreSQL schemas of ../shared/baselines.md).
  static constexpr const char* kSqlColumns =
      "ts_start_ms, duration_ms, kind, agent, model, provider, tool, status, error_class, tokens_input, "
      "tokens_output, tokens_reasoning, tokens_cache_read, tokens_cache_write, cost, ttfc_ms, span_id, message_id, "
      "session_id, parent_session_id";

  static size_t NumAgents();
  static size_t NumModels();
  static size_t NumTools();

 private:
  struct Rng {
    uint64_t s[4];
    uint64_t Next();
    double Uniform();  // [0, 1)
    double Normal();
    bool have_spare = false;
    double spare = 0;
  };
  void NewSession(int64_t start_ms);
  void MakeId(const char* prefix, int64_t ms, bool descending, Span::Id* out);
  double LogNormal(double median, double sigma);

  Rng rng_;
  const TokenTrace* tokens_;
  double t_us_;
  int64_t start_us_;
  double gap_us_;
  uint64_t produced_ = 0;
  int left_in_session_ = 0;
  uint8_t agent_ = 0, model_ = 0;
  Span::Id session_id_{}, parent_session_id_{}, message_id_{};
  bool has_parent_ = false;
  std::vector<Span::Id> recent_sessions_;  // ring of the last 1,000 sessions
  size_t recent_next_ = 0;
  // OpenCode's id state: last millisecond and counter within it.
  int64_t id_last_ms_ = -1;
  uint64_t id_counter_ = 0;
};

}  // namespace agentperf::bench
