#include "bench/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "bench/bench_util.h"
#include "event/event_id.h"

#ifndef AGENTPERF_SOURCE_DIR_DEFAULT
#define AGENTPERF_SOURCE_DIR_DEFAULT ""
#endif

namespace agentperf::bench {
namespace {

using event::SpanKind;
using event::SpanStatus;

struct Agent {
  const char* name;
  double weight;
};
constexpr Agent kAgents[] = {
    {"coder", 0.40}, {"tester", 0.20}, {"architect", 0.10}, {"planner", 0.15}, {"researcher", 0.15}};

struct Model {
  const char* name;
  const char* provider;
  double in_per_m, out_per_m;  // USD per million tokens
  bool reasoning;
  double llm_error_rate;
};
constexpr Model kModels[] = {
    {"claude-sonnet-4", "anthropic", 3.0, 15.0, false, 0.015},
    {"claude-haiku-4", "anthropic", 0.8, 4.0, false, 0.010},
    {"claude-opus-4", "anthropic", 15.0, 75.0, true, 0.020},
    {"gpt-5", "openai", 1.25, 10.0, true, 0.025},
    {"gpt-5-mini", "openai", 0.25, 2.0, false, 0.015},
    {"o4-mini", "openai", 1.1, 4.4, true, 0.020},
    {"gemini-2.5-pro", "google", 1.25, 10.0, true, 0.030},
    {"gemini-2.5-flash", "google", 0.3, 2.5, false, 0.020},
    {"qwen3-coder", "openrouter", 0.4, 1.6, false, 0.035},
    {"deepseek-v3", "openrouter", 0.3, 1.2, false, 0.030},
};

struct Tool {
  const char* name;
  double median_ms, sigma, weight;
};
constexpr Tool kTools[] = {
    {"bash", 900, 1.8, 0.20},      {"read", 15, 1.0, 0.22},      {"edit", 40, 1.0, 0.14},
    {"write", 30, 1.0, 0.05},      {"grep", 60, 1.2, 0.10},      {"glob", 20, 1.0, 0.06},
    {"list", 10, 1.0, 0.04},       {"task", 45000, 1.2, 0.02},   {"webfetch", 1200, 1.0, 0.02},
    {"websearch", 2500, 1.0, 0.01}, {"todowrite", 5, 0.8, 0.05},  {"todoread", 5, 0.8, 0.03},
    {"patch", 50, 1.0, 0.02},      {"multiedit", 60, 1.0, 0.03}, {"lsp_diagnostics", 300, 1.0, 0.01},
};

constexpr const char* kErrorClasses[] = {"ToolError", "APIError", "RateLimitError", "MessageAbortedError"};
enum : int8_t { kToolError = 0, kApiError = 1, kRateLimitError = 2, kAbortedError = 3 };

constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr char kHex[] = "0123456789abcdef";
constexpr int64_t kDayMs = 86400000;
constexpr double kMaxMs = 4 * 3600 * 1000.0;  // every span
constexpr double kMaxToolMs = 600000.0;

template <typename T, size_t N>
size_t PickWeighted(const T (&table)[N], double u) {
  double acc = 0;
  for (size_t i = 0; i < N; ++i) {
    acc += table[i].weight;
    if (u < acc) return i;
  }
  return N - 1;
}

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void AppendId(const Span::Id& id, std::string* out) { out->append(id.data(), id.size()); }

}  // namespace

// ---- TokenTrace and the shared folder ----

Result<TokenTrace> TokenTrace::Load(const std::string& csv_path) {
  std::ifstream in(csv_path);
  if (!in) return Status::NotFound(fmt::format("cannot open the token trace {}", csv_path));
  TokenTrace t;
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1) continue;  // header
    if (line.empty()) continue;
    size_t c1 = line.find(',');
    size_t c2 = c1 == std::string::npos ? c1 : line.find(',', c1 + 1);
    if (c2 == std::string::npos) {
      return Status::InvalidArgument(fmt::format("{}:{}: expected TIMESTAMP,ContextTokens,GeneratedTokens", csv_path, lineno));
    }
    int32_t ctx = 0, gen = 0;
    const char* b = line.data();
    auto r1 = std::from_chars(b + c1 + 1, b + c2, ctx);
    size_t end = line.size();
    while (end > c2 + 1 && (line[end - 1] == '\r' || line[end - 1] == ' ')) --end;
    auto r2 = std::from_chars(b + c2 + 1, b + end, gen);
    if (r1.ec != std::errc() || r2.ec != std::errc() || ctx < 0 || gen < 0) {
      return Status::InvalidArgument(fmt::format("{}:{}: bad token counts", csv_path, lineno));
    }
    t.pairs_.emplace_back(ctx, gen);
  }
  if (t.pairs_.empty()) return Status::InvalidArgument(fmt::format("{}: no rows", csv_path));
  return t;
}

TokenTrace TokenTrace::FromPairs(std::vector<std::pair<int32_t, int32_t>> pairs) {
  TokenTrace t;
  t.pairs_ = std::move(pairs);
  return t;
}

std::string TokenTracePath(const std::string& shared_dir) {
  return shared_dir + "/data/llm-traces/AzureLLMInferenceTrace_conv.csv";
}

Result<std::string> FindSharedDir(const std::string& option) {
  namespace fs = std::filesystem;
  auto has_trace = [](const fs::path& dir) {
    std::error_code ec;
    return fs::exists(TokenTracePath(dir.string()), ec);
  };
  if (!option.empty()) {
    if (!has_trace(option)) {
      return Status::NotFound(fmt::format("--shared-dir {}: {} not found", option, TokenTracePath(option)));
    }
    return option;
  }
  if (const char* env = std::getenv("AGENTPERF_SHARED_DIR"); env != nullptr && *env != '\0') {
    if (!has_trace(env)) {
      return Status::NotFound(fmt::format("AGENTPERF_SHARED_DIR={}: {} not found", env, TokenTracePath(env)));
    }
    return std::string(env);
  }
  std::vector<fs::path> starts;
  std::error_code ec;
  fs::path exe = fs::path(SelfExe()).parent_path();
  if (!exe.empty()) starts.push_back(exe);
  fs::path cwd = fs::current_path(ec);
  if (!ec) starts.push_back(cwd);
  if (std::string src = AGENTPERF_SOURCE_DIR_DEFAULT; !src.empty()) starts.emplace_back(src);
  std::string looked;
  for (const fs::path& start : starts) {
    for (fs::path p = fs::absolute(start, ec); !p.empty(); p = p.parent_path()) {
      fs::path cand = p / "shared";
      if (has_trace(cand)) return fs::weakly_canonical(cand, ec).string();
      if (p == p.parent_path()) break;
    }
    looked += (looked.empty() ? "" : ", ") + start.string();
  }
  return Status::NotFound(fmt::format(
      "the shared data folder (../shared, holding data/llm-traces/AzureLLMInferenceTrace_conv.csv) was not found "
      "above {}; set AGENTPERF_SHARED_DIR or pass --shared-dir",
      looked));
}

Result<TokenTrace> LoadTokenTrace(const std::string& option, std::string* path) {
  AP_ASSIGN_OR_RETURN(std::string dir, FindSharedDir(option));
  const std::string p = TokenTracePath(dir);
  if (path != nullptr) *path = p;
  return TokenTrace::Load(p);
}

const TokenTrace& DefaultTokenTrace() {
  static std::once_flag once;
  static TokenTrace* trace = nullptr;
  std::call_once(once, [] {
    auto t = LoadTokenTrace();
    if (!t.ok()) {
      fmt::print(stderr, "agentperf: error: {}\n", t.status().message());
      std::exit(1);
    }
    trace = new TokenTrace(std::move(t).value());
  });
  return *trace;
}

// ---- Span accessors ----

std::string_view Span::Agent() const { return kAgents[agent].name; }
std::string_view Span::Model() const { return kModels[model].name; }
std::string_view Span::Provider() const { return kModels[model].provider; }
std::string_view Span::Tool() const { return tool < 0 ? std::string_view() : std::string_view(kTools[tool].name); }
std::string_view Span::ErrorClass() const {
  return error_class < 0 ? std::string_view() : std::string_view(kErrorClasses[error_class]);
}

size_t Workload::NumAgents() { return std::size(kAgents); }
size_t Workload::NumModels() { return std::size(kModels); }
size_t Workload::NumTools() { return std::size(kTools); }

// ---- Generator ----

uint64_t Workload::Rng::Next() {  // xoshiro256**
  const uint64_t result = Rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = Rotl(s[3], 45);
  return result;
}

double Workload::Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Workload::Rng::Normal() {  // Marsaglia's polar method
  if (have_spare) {
    have_spare = false;
    return spare;
  }
  double u, v, s2;
  do {
    u = 2 * Uniform() - 1;
    v = 2 * Uniform() - 1;
    s2 = u * u + v * v;
  } while (s2 >= 1 || s2 == 0);
  double m = std::sqrt(-2 * std::log(s2) / s2);
  spare = v * m;
  have_spare = true;
  return u * m;
}

Workload::Workload(uint64_t seed, int64_t start_us, double gap_us, const TokenTrace* tokens)
    : tokens_(tokens), t_us_(static_cast<double>(start_us)), start_us_(start_us), gap_us_(gap_us) {
  uint64_t x = seed;
  for (auto& w : rng_.s) w = SplitMix64(&x);
  recent_sessions_.reserve(1000);
}

Workload::Workload(uint64_t seed, int64_t start_us, double gap_us)
    : Workload(seed, start_us, gap_us, &DefaultTokenTrace()) {}

double Workload::LogNormal(double median, double sigma) { return median * std::exp(sigma * rng_.Normal()); }

void Workload::MakeId(const char* prefix, int64_t ms, bool descending, Span::Id* out) {
  // OpenCode: counter restarts for a new millisecond, then increments;
  // value = ms * 0x1000 + counter, inverted for descending ids, low 48 bits
  // as 12 hex digits; then 14 characters, each a random byte modulo 62.
  if (ms != id_last_ms_) {
    id_last_ms_ = ms;
    id_counter_ = 0;
  }
  ++id_counter_;
  uint64_t v = static_cast<uint64_t>(ms) * 0x1000 + id_counter_;
  if (descending) v = ~v;
  char* p = out->data();
  std::memcpy(p, prefix, 4);
  for (int i = 0; i < 12; ++i) p[4 + i] = kHex[(v >> (44 - 4 * i)) & 0xf];
  uint64_t bits = rng_.Next();
  for (int i = 0; i < 14; ++i) {
    if (i == 8) bits = rng_.Next();
    p[16 + i] = kBase62[(bits & 0xff) % 62];
    bits >>= 8;
  }
}

void Workload::NewSession(int64_t start_ms) {
  left_in_session_ = 50 + static_cast<int>(rng_.Next() % 101);
  agent_ = static_cast<uint8_t>(PickWeighted(kAgents, rng_.Uniform()));
  model_ = static_cast<uint8_t>(rng_.Next() % std::size(kModels));
  has_parent_ = false;
  if (!recent_sessions_.empty() && rng_.Uniform() < 0.10) {
    parent_session_id_ = recent_sessions_[rng_.Next() % recent_sessions_.size()];
    has_parent_ = true;
  }
  MakeId("ses_", start_ms, /*descending=*/true, &session_id_);
  if (recent_sessions_.size() < 1000) {
    recent_sessions_.push_back(session_id_);
  } else {
    recent_sessions_[recent_next_] = session_id_;
    recent_next_ = (recent_next_ + 1) % 1000;
  }
}

void Workload::Next(Span* s) {
  *s = Span();
  t_us_ += -std::log1p(-rng_.Uniform()) * gap_us_;
  // +-500 ms of jitter (rows slightly out of order), whole milliseconds, never before the start.
  double jitter_us = (rng_.Uniform() - 0.5) * 1e6;
  int64_t start_ms = std::max<int64_t>(static_cast<int64_t>(std::llround((t_us_ + jitter_us) / 1000.0)),
                                       (start_us_ + 999) / 1000);
  const bool first = left_in_session_ <= 0;
  if (first) NewSession(start_ms);
  --left_in_session_;
  if (first || rng_.Uniform() < 1.0 / 3) MakeId("msg_", start_ms, false, &message_id_);
  const Model& m = kModels[model_];
  s->start_us = start_ms * 1000;
  s->agent = agent_;
  s->model = model_;
  s->session_id = session_id_;
  s->has_parent_session = has_parent_;
  if (has_parent_) s->parent_session_id = parent_session_id_;
  s->message_id = message_id_;
  MakeId("prt_", start_ms, false, &s->span_id);

  double dur_ms;
  double error_p = 0;
  int8_t error_class = kApiError;
  const int64_t day = (start_ms - start_us_ / 1000) / kDayMs;
  const bool outage = (day == 9 && std::string_view(m.provider) == "google") ||
                      (day == 21 && std::string_view(m.provider) == "openai");
  if (first) {
    s->kind = SpanKind::kSession;
    dur_ms = LogNormal(600000, 1.0);
  } else {
    double r = rng_.Uniform();
    if (r < 0.08) {
      s->kind = SpanKind::kTurn;
      dur_ms = LogNormal(20000, 1.0);
      error_p = 0.005;
      error_class = kAbortedError;
    } else if (r < 0.51) {
      s->kind = SpanKind::kLlmCall;
      dur_ms = LogNormal(1500, 0.8);
      error_p = m.llm_error_rate + (outage ? 0.15 : 0);
    } else if (r < 0.95) {
      s->kind = SpanKind::kToolCall;
      s->tool = static_cast<int8_t>(PickWeighted(kTools, rng_.Uniform()));
      const Tool& t = kTools[s->tool];
      dur_ms = std::min(LogNormal(t.median_ms, t.sigma), kMaxToolMs);
      error_p = 0.025;
      error_class = kToolError;
    } else if (r < 0.98) {
      s->kind = SpanKind::kPermissionWait;
      dur_ms = LogNormal(8000, 1.5);
    } else {
      s->kind = SpanKind::kRetry;
      dur_ms = LogNormal(2000, 1.0);
      error_p = 0.25 + (outage ? 0.15 : 0);
      error_class = kRateLimitError;
    }
  }
  dur_ms = std::round(std::min(dur_ms, kMaxMs));
  s->dur_us = static_cast<int64_t>(dur_ms) * 1000;
  if (error_p > 0 && rng_.Uniform() < error_p) {
    s->status = SpanStatus::kError;
    s->error_class = error_class;
  }
  if (s->kind == SpanKind::kLlmCall || s->kind == SpanKind::kRetry) {
    const auto& [ctx, gen] = (*tokens_)[rng_.Next() % tokens_->size()];
    int64_t in = static_cast<int64_t>(ctx) * 3;
    int64_t out = gen;
    int64_t reasoning = m.reasoning ? std::llround(static_cast<double>(out) * (0.5 + 3.0 * rng_.Uniform())) : 0;
    int64_t cache_read =
        rng_.Uniform() < 0.8 ? std::llround(static_cast<double>(in) * (0.5 + 0.45 * rng_.Uniform())) : 0;
    int64_t cache_write =
        rng_.Uniform() < 0.3 ? std::llround(static_cast<double>(in) * (0.05 + 0.25 * rng_.Uniform())) : 0;
    s->tokens = {in, out, reasoning, cache_read, cache_write};
    // Per-million prices; cached input at a tenth, cache writes at 1.25x;
    // rounded to 7 decimal places as OpenCode reports costs (0.0002352).
    double cost = (static_cast<double>(in - cache_read) * m.in_per_m + static_cast<double>(cache_read) * m.in_per_m * 0.1 +
                   static_cast<double>(cache_write) * m.in_per_m * 1.25 +
                   static_cast<double>(out + reasoning) * m.out_per_m) /
                  1e6;
    s->cost = std::round(cost * 1e7) / 1e7;
    if (s->kind == SpanKind::kLlmCall && s->status == SpanStatus::kOk) {
      double ttfc = std::min(LogNormal(700, 0.6), dur_ms * 0.9);
      s->ttfc_ms = std::round(ttfc * 10) / 10;
    }
  }
  ++produced_;
}

// ---- Renderings ----

void Workload::AppendNdjson(const Span& s, std::string* out) {
  auto put = [&](std::string_view v) { out->append(v); };
  put(R"({"kind":")");
  put(event::KindName(s.kind));
  fmt::format_to(std::back_inserter(*out), R"(","start_ms":{},"duration_ms":{},"session_id":")", s.start_us / 1000,
                 s.dur_us / 1000);
  AppendId(s.session_id, out);
  if (s.has_parent_session) {
    put(R"(","parent_session_id":")");
    AppendId(s.parent_session_id, out);
  }
  put(R"(","message_id":")");
  AppendId(s.message_id, out);
  put(R"(","span_id":")");
  AppendId(s.span_id, out);
  put(R"(","agent":")");
  put(s.Agent());
  put(R"(","model":")");
  put(s.Model());
  put(R"(","provider":")");
  put(s.Provider());
  put("\"");
  if (s.tool >= 0) {
    put(R"(,"tool":")");
    put(s.Tool());
    put("\"");
  }
  if (s.status == SpanStatus::kError) {
    put(R"(,"status":"error","error_class":")");
    put(s.ErrorClass());
    put("\"");
  }
  if (s.tokens[0] != event::kAbsentInt) {
    fmt::format_to(std::back_inserter(*out),
                   R"(,"tokens":{{"input":{},"output":{},"reasoning":{},"cache_read":{},"cache_write":{}}})",
                   s.tokens[0], s.tokens[1], s.tokens[2], s.tokens[3], s.tokens[4]);
  }
  if (!std::isnan(s.cost)) fmt::format_to(std::back_inserter(*out), R"(,"cost":{})", s.cost);
  if (!std::isnan(s.ttfc_ms)) fmt::format_to(std::back_inserter(*out), R"(,"ttfc_ms":{:.1f})", s.ttfc_ms);
  put(R"(,"source":"bench"})");
  out->push_back('\n');
}

void Workload::AppendNdjson(size_t n, std::string* out) {
  Span s;
  for (size_t i = 0; i < n; ++i) {
    Next(&s);
    AppendNdjson(s, out);
  }
}

void Workload::AppendToBatch(const Span& s, event::EventBatch* batch) {
  using event::StrField;
  event::Event e;
  e.kind = s.kind;
  e.status = s.status;
  e.start_us = s.start_us;
  e.end_us = s.start_us + s.dur_us;
  auto set = [&](StrField f, std::string_view v) {
    if (!v.empty()) e.str[static_cast<int>(f)] = batch->arena.Copy(v);
  };
  set(StrField::kSessionId, s.Session());
  set(StrField::kParentSessionId, s.ParentSession());
  set(StrField::kMessageId, s.Message());
  set(StrField::kSpanId, s.SpanId());
  set(StrField::kAgent, s.Agent());
  set(StrField::kModel, s.Model());
  set(StrField::kProvider, s.Provider());
  set(StrField::kTool, s.Tool());
  set(StrField::kErrorClass, s.ErrorClass());
  set(StrField::kSource, Span::kSource);
  for (int i = 0; i < 5; ++i) e.ints[i] = s.tokens[i];  // IntField order: input .. cache_write
  e.floats[static_cast<int>(event::FloatField::kCost)] = s.cost;
  e.floats[static_cast<int>(event::FloatField::kTtfcMs)] = s.ttfc_ms;
  e.attr_begin = static_cast<uint32_t>(batch->attrs.size());
  e.attr_count = 0;
  e.id = event::DerivedEventId(e, batch->attrs.data() + e.attr_begin);
  batch->events.push_back(e);
}

void Workload::AppendCopyText(const Span& s, std::string* out) {
  auto str = [&](std::string_view v) {
    if (v.empty()) out->append("\\N");
    else out->append(v);
    out->push_back('\t');
  };
  auto num = [&](int64_t v) {
    if (v == event::kAbsentInt) out->append("\\N");
    else fmt::format_to(std::back_inserter(*out), "{}", v);
    out->push_back('\t');
  };
  auto dbl = [&](double v) {
    if (std::isnan(v)) out->append("\\N");
    else fmt::format_to(std::back_inserter(*out), "{}", v);
    out->push_back('\t');
  };
  num(s.start_us / 1000);
  num(s.dur_us / 1000);
  str(event::KindName(s.kind));
  str(s.Agent());
  str(s.Model());
  str(s.Provider());
  str(s.Tool());
  str(event::StatusName(s.status));
  str(s.ErrorClass());
  for (int64_t t : s.tokens) num(t);
  dbl(s.cost);
  dbl(s.ttfc_ms);
  str(s.SpanId());
  str(s.Message());
  str(s.Session());
  str(s.ParentSession());
  out->back() = '\n';
}

}  // namespace agentperf::bench
