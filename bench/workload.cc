#include "bench/workload.h"

#include <fmt/format.h>

#include <cmath>

namespace agentperf::bench {
namespace {

constexpr const char* kAgents[] = {"coder", "coder", "coder", "coder", "tester", "tester",
                                   "architect", "planner", "planner", "researcher"};
struct Model {
  const char* name;
  const char* provider;
  double in_price, out_price;  // USD per token
};
constexpr Model kModels[] = {
    {"claude-sonnet-4", "anthropic", 3e-6, 15e-6}, {"claude-haiku-4", "anthropic", 0.8e-6, 4e-6},
    {"claude-opus-4", "anthropic", 15e-6, 75e-6},  {"gpt-5", "openai", 1.25e-6, 10e-6},
    {"gpt-5-mini", "openai", 0.25e-6, 2e-6},       {"o4-mini", "openai", 1.1e-6, 4.4e-6},
    {"gemini-2.5-pro", "google", 1.25e-6, 10e-6},  {"gemini-2.5-flash", "google", 0.3e-6, 2.5e-6},
    {"qwen3-coder", "openrouter", 0.4e-6, 1.6e-6}, {"deepseek-v3", "openrouter", 0.3e-6, 1.2e-6}};
struct Tool {
  const char* name;
  double median_ms, sigma;
};
constexpr Tool kTools[] = {{"bash", 900, 1.8},   {"read", 15, 1.0},     {"edit", 40, 1.0},     {"write", 30, 1.0},
                           {"grep", 60, 1.2},    {"glob", 20, 1.0},     {"list", 10, 1.0},     {"task", 45000, 1.2},
                           {"webfetch", 1200, 1.0}, {"websearch", 2500, 1.0}, {"todowrite", 5, 0.8},
                           {"todoread", 5, 0.8}, {"patch", 50, 1.0},    {"multiedit", 60, 1.0}, {"lsp_diagnostics", 300, 1.0}};
constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

}  // namespace

Workload::Workload(uint64_t seed, int64_t start_us, double gap_us)
    : rng_(seed), t_us_(static_cast<double>(start_us)), gap_us_(gap_us) {}

std::string Workload::RandomId() {
  std::string s(26, '0');
  for (auto& c : s) c = kBase62[rng_() % 62];
  return s;
}

void Workload::NewSession() {
  std::uniform_int_distribution<int> len(50, 150);
  left_in_session_ = len(rng_);
  agent_ = static_cast<int>(rng_() % std::size(kAgents));
  model_ = static_cast<int>(rng_() % std::size(kModels));
  parent_session_id_ = (rng_() % 10 == 0 && !session_id_.empty()) ? session_id_ : "";
  session_id_ = "ses_" + RandomId();
  message_id_ = "msg_" + RandomId();
}

void Workload::AppendNdjson(size_t n, std::string* out) {
  std::exponential_distribution<double> gap(1.0 / gap_us_);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> z(0, 1);
  auto lognormal = [&](double median, double sigma) { return median * std::exp(sigma * z(rng_)); };
  for (size_t i = 0; i < n; ++i) {
    bool first = left_in_session_ <= 0;
    if (first) NewSession();
    --left_in_session_;
    t_us_ += gap(rng_);
    if (u(rng_) < 1.0 / 3) message_id_ = "msg_" + RandomId();
    const Model& m = kModels[model_];
    const char* kind;
    double dur_ms;
    double r = u(rng_);
    int tool = -1;
    if (first) {
      kind = "session";
      dur_ms = lognormal(600000, 1.0);
    } else if (r < 0.08) {
      kind = "turn";
      dur_ms = lognormal(20000, 1.0);
    } else if (r < 0.51) {
      kind = "llm_call";
      dur_ms = lognormal(1500, 0.8);
    } else if (r < 0.95) {
      kind = "tool_call";
      tool = static_cast<int>(rng_() % std::size(kTools));
      dur_ms = std::min(lognormal(kTools[tool].median_ms, kTools[tool].sigma), 600000.0);
    } else if (r < 0.98) {
      kind = "permission_wait";
      dur_ms = lognormal(8000, 1.5);
    } else {
      kind = "retry";
      dur_ms = lognormal(2000, 1.0);
    }
    dur_ms = std::min(dur_ms, 4 * 3600 * 1000.0);
    bool error = u(rng_) < (kind[0] == 'r' ? 0.25 : 0.02);
    double start_ms = t_us_ / 1000.0;
    fmt::format_to(std::back_inserter(*out),
                   R"({{"kind":"{}","start_ms":{:.3f},"duration_ms":{:.3f},"session_id":"{}",)", kind, start_ms,
                   dur_ms, session_id_);
    if (!parent_session_id_.empty()) fmt::format_to(std::back_inserter(*out), R"("parent_session_id":"{}",)", parent_session_id_);
    fmt::format_to(std::back_inserter(*out), R"("message_id":"{}","span_id":"prt_{}","agent":"{}","model":"{}","provider":"{}",)",
                   message_id_, RandomId(), kAgents[agent_], m.name, m.provider);
    if (tool >= 0) fmt::format_to(std::back_inserter(*out), R"("tool":"{}",)", kTools[tool].name);
    if (error) {
      fmt::format_to(std::back_inserter(*out), R"("status":"error","error_class":"{}",)",
                     tool >= 0 ? "ToolError" : (kind[0] == 'r' ? "RateLimitError" : "APIError"));
    }
    if (kind[0] == 'l' || kind[0] == 'r') {
      auto in = static_cast<int64_t>(lognormal(3100, 1.0));
      auto outt = static_cast<int64_t>(lognormal(250, 1.0));
      int64_t cache_read = u(rng_) < 0.8 ? static_cast<int64_t>(static_cast<double>(in) * (0.5 + 0.45 * u(rng_))) : 0;
      double cost = static_cast<double>(in) * m.in_price + static_cast<double>(outt) * m.out_price;
      fmt::format_to(std::back_inserter(*out),
                     R"("tokens":{{"input":{},"output":{},"cache_read":{},"cache_write":{}}},"cost":{:.6f},)", in, outt,
                     cache_read, u(rng_) < 0.3 ? in / 10 : 0, cost);
      if (!error) fmt::format_to(std::back_inserter(*out), R"("ttfc_ms":{:.1f},)", std::min(lognormal(700, 0.6), dur_ms * 0.9));
    }
    out->append(R"("source":"bench"})");
    out->push_back('\n');
    ++produced_;
  }
}

}  // namespace agentperf::bench
