// Random agent events for the query differential test (differential_test.cc):
// the label and field tables with their SQL columns, the event generator and
// its JSON form.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "event/event.h"
#include "event/fields.h"
#include "testing/events.h"

namespace agentperf::query::differential {

using event::SpanKind;
using event::SpanStatus;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kT0 = testing::kBaseMs * 1000;
constexpr int64_t kSpanUs = 6LL * 3600 * 1000000;  // events start within 6 hours of kT0

// ---- Labels and fields, by index, with their SQL columns ----

struct LabelInfo {
  const char* name;  // query label and SQL column
  std::vector<std::string> values;  // values to filter on ("" = absent)
  std::vector<std::string> regexes;
};
inline const std::vector<LabelInfo>& Labels() {
  static const std::vector<LabelInfo> labels = {
      {"kind",
       {"llm_call", "tool_call", "turn", "permission_wait", "retry", "compaction", "session", ""},
       {"tool_.*", ".*_call", "turn|retry", ".*", "(llm|tool)_call", "t.*"}},
      {"status", {"ok", "error", "cancelled", ""}, {"ok", "e.*|c.*", ".*", "(ok|error)"}},
      {"agent",
       {"coder", "reviewer", "planner", "tester", "docs", "late-agent", "", "nobody"},
       {"c.*", ".*er", "(coder|tester)", ".*", ".+", "late-.*", "", "[a-p].*"}},
      {"model",
       {"gpt-4o", "gpt-4o-mini", "claude-sonnet", "gemini-pro", "new-model", "", "nope"},
       {"gpt-.*", "claude-.*|gemini-.*", ".*mini", ".*", ".+", "", "new-.*"}},
      {"tool",
       {"bash", "read", "edit", "write", "grep", "glob", "task", "", "rm"},
       {"b.*|r.*", "(edit|write)", ".*", "", "g.*", "[a-f].*", ".+"}},
      {"provider", {"openai", "anthropic", "google", "", "other"}, {"open.*", "", ".*", "(anthropic|google)"}},
  };
  return labels;
}

struct FieldInfo {
  const char* name;  // query field
  const char* sql;   // SQL expression
};
inline const std::vector<FieldInfo>& Fields() {
  static const std::vector<FieldInfo> fields = {
      {"duration_ms", "(dur_us / 1000.0)"},
      {"tokens.input", "tokens_in"},
      {"tokens.output", "tokens_out"},
      {"cost", "cost"},
      {"ttfc_ms", "ttfc"},
  };
  return fields;
}

// ---- Random events ----

struct GenEvent {
  int64_t start_us = 0;
  int64_t dur_us = 0;
  SpanKind kind = SpanKind::kLlmCall;
  SpanStatus status = SpanStatus::kOk;
  std::string agent, model, tool, provider;  // "" = absent
  int64_t tokens_in = event::kAbsentInt;
  int64_t tokens_out = event::kAbsentInt;
  double cost = kNaN;
  double ttfc = kNaN;
};

class Rng {
 public:
  explicit Rng(uint64_t seed) : rng_(seed) {}
  double U() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  bool P(double p) { return U() < p; }
  int64_t Int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }  // inclusive
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Int(0, static_cast<int64_t>(v.size()) - 1))];
  }
  double LogUniform(double lo_exp, double hi_exp) { return std::pow(10.0, lo_exp + (hi_exp - lo_exp) * U()); }

 private:
  std::mt19937_64 rng_;
};

inline std::vector<GenEvent> Generate(uint64_t seed, size_t n) {
  Rng r(seed);
  std::vector<GenEvent> out;
  out.reserve(n);
  const std::vector<std::string> agents = {"coder", "reviewer", "planner", "tester", "docs"};
  const std::vector<std::string> models = {"gpt-4o", "gpt-4o-mini", "claude-sonnet", "gemini-pro"};
  const std::vector<std::string> tools = {"bash", "read", "edit", "write", "grep", "glob"};
  for (size_t i = 0; i < n; ++i) {
    const bool late = i > n * 7 / 10;  // new dictionary values only appear late
    GenEvent e;
    // Roughly ordered in time (so blocks cover different ranges), with jitter.
    int64_t t = kT0 + static_cast<int64_t>(static_cast<double>(i) / static_cast<double>(n) * kSpanUs) +
                r.Int(-300000000, 300000000);
    if (r.P(0.05)) t -= t % 60000000;           // exactly on a minute edge
    else if (r.P(0.03)) t -= t % 60000000 + 1;  // one microsecond before one
    e.start_us = std::max(t, kT0 - 300000000);
    e.dur_us = r.P(0.01) ? 0 : static_cast<int64_t>(std::llround(r.LogUniform(0, 10)));  // 1 us .. 1e10 us
    double k = r.U();
    e.kind = k < 0.4 ? SpanKind::kLlmCall
             : k < 0.8 ? SpanKind::kToolCall
             : k < 0.88 ? SpanKind::kTurn
             : k < 0.93 ? SpanKind::kPermissionWait
             : k < 0.97 ? SpanKind::kRetry
                        : SpanKind::kCompaction;
    double s = r.U();
    e.status = s < 0.85 ? SpanStatus::kOk : s < 0.95 ? SpanStatus::kError : SpanStatus::kCancelled;
    e.agent = r.P(0.03) ? "" : (late && r.P(0.1)) ? "late-agent" : r.Pick(agents);
    if (e.kind == SpanKind::kLlmCall) {
      e.model = r.P(0.05) ? "" : (late && r.P(0.1)) ? "new-model" : r.Pick(models);
      e.provider = e.model.rfind("gpt", 0) == 0       ? "openai"
                   : e.model.rfind("claude", 0) == 0  ? "anthropic"
                   : e.model.rfind("gemini", 0) == 0  ? "google"
                                                      : "";
      if (r.P(0.8)) e.tokens_in = r.P(0.03) ? 0 : static_cast<int64_t>(std::llround(r.LogUniform(0, 6)));
      if (r.P(0.75)) e.tokens_out = r.P(0.03) ? 0 : static_cast<int64_t>(std::llround(r.LogUniform(0, 5)));
      if (r.P(0.7)) e.cost = r.P(0.02) ? 0.0 : r.LogUniform(-6, 1);
      if (r.P(0.6)) e.ttfc = r.LogUniform(0, 4.5);
    } else if (e.kind == SpanKind::kToolCall) {
      e.tool = r.P(0.1) ? "" : r.Pick(tools);
    } else if (r.P(0.05)) {
      e.tool = "task";
    }
    out.push_back(std::move(e));
  }
  return out;
}

// Exact decimal milliseconds of a non-negative microsecond count.
inline std::string Millis(int64_t us) { return fmt::format("{}.{:03}", us / 1000, us % 1000); }

inline std::string EventJsonLine(const GenEvent& e, size_t i) {
  std::string s = "{";
  s += fmt::format(R"("kind":"{}","status":"{}","start_ms":{},"duration_ms":{},"session_id":"s{}","span_id":"sp{}")",
                   event::KindName(e.kind), event::StatusName(e.status), Millis(e.start_us), Millis(e.dur_us), i % 97,
                   i);
  auto str = [&](const char* key, const std::string& v) {
    if (!v.empty()) s += fmt::format(R"(,"{}":"{}")", key, v);
  };
  str("agent", e.agent);
  str("model", e.model);
  str("tool", e.tool);
  str("provider", e.provider);
  if (e.tokens_in != event::kAbsentInt || e.tokens_out != event::kAbsentInt) {
    s += R"(,"tokens":{)";
    bool first = true;
    if (e.tokens_in != event::kAbsentInt) {
      s += fmt::format(R"("input":{})", e.tokens_in);
      first = false;
    }
    if (e.tokens_out != event::kAbsentInt) s += fmt::format(R"({}"output":{})", first ? "" : ",", e.tokens_out);
    s += "}";
  }
  if (!std::isnan(e.cost)) s += fmt::format(R"(,"cost":{})", e.cost);  // shortest round-trip form
  if (!std::isnan(e.ttfc)) s += fmt::format(R"(,"ttfc_ms":{})", e.ttfc);
  return s + "}";
}

bool SameDouble(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace agentperf::query::differential
