#include "bench/import_bench_compare.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <cstdlib>
#include <set>

namespace agentperf::bench {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

// A JSON number (integer or double) as int64; false if absent, not a number
// or not integral.
bool IntField(simdjson::dom::element obj, std::string_view key, int64_t* out) {
  simdjson::dom::element v;
  if (obj[key].get(v)) return false;
  if (v.is_int64()) {
    *out = int64_t(v);
    return true;
  }
  if (v.is_uint64()) {
    *out = static_cast<int64_t>(uint64_t(v));
    return true;
  }
  double d;
  if (v.get(d) || std::nearbyint(d) != d) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

bool DoubleField(simdjson::dom::element obj, std::string_view key, double* out) {
  simdjson::dom::element v;
  if (obj[key].get(v)) return false;
  if (v.is_int64()) {
    *out = static_cast<double>(int64_t(v));
    return true;
  }
  if (v.is_uint64()) {
    *out = static_cast<double>(uint64_t(v));
    return true;
  }
  return !v.get(*out);
}

bool CostsAgree(double a, double b, double rel) {
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

bool Same(const UsageTotals& a, const UsageTotals& b, double rel) {
  return a.input == b.input && a.output == b.output && a.cache_read == b.cache_read && a.cache_write == b.cache_write &&
         CostsAgree(a.cost, b.cost, rel);
}

}  // namespace

// The platform package of scripts/install-ccusage.sh.
#if defined(__APPLE__) && defined(__aarch64__)
constexpr const char* kCcusagePlatform = "darwin-arm64";
#elif defined(__APPLE__)
constexpr const char* kCcusagePlatform = "darwin-x64";
#elif defined(__aarch64__)
constexpr const char* kCcusagePlatform = "linux-arm64";
#else
constexpr const char* kCcusagePlatform = "linux-x64";
#endif

std::string CcusageBinary() {
  const std::string cache = EnvOr("XDG_CACHE_HOME", EnvOr("HOME", "/tmp") + "/.cache");
  return EnvOr("AGENTPERF_CCUSAGE", fmt::format("{}/agentperf/ccusage-{}/node_modules/@ccusage/ccusage-{}/bin/ccusage",
                                                cache, kCcusageVersion, kCcusagePlatform));
}

std::string TotalsJson(const UsageTotals& t) {
  return fmt::format(R"({{"input":{},"output":{},"cache_read":{},"cache_write":{},"cost":{:.17g}}})", t.input, t.output,
                     t.cache_read, t.cache_write, t.cost);
}

namespace {

// ccusage's token and cost fields of a session or of its totals.
bool CcusageTotals(simdjson::dom::element e, UsageTotals* t) {
  return IntField(e, "inputTokens", &t->input) && IntField(e, "outputTokens", &t->output) &&
         IntField(e, "cacheReadTokens", &t->cache_read) && IntField(e, "cacheCreationTokens", &t->cache_write) &&
         DoubleField(e, "totalCost", &t->cost);
}

}  // namespace

Result<UsageReport> ParseCcusageSessions(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) {
    return Status::InvalidArgument("ccusage printed no JSON: " + std::string(json.substr(0, 200)));
  }
  simdjson::dom::array sessions;
  if (root["sessions"].get(sessions)) return Status::InvalidArgument("ccusage JSON without a `sessions` array");
  UsageReport r;
  for (simdjson::dom::element s : sessions) {
    std::string_view id;
    if (s["sessionId"].get(id)) return Status::InvalidArgument("a ccusage session without sessionId");
    UsageTotals t;
    if (!CcusageTotals(s, &t)) {
      return Status::InvalidArgument(fmt::format("ccusage session {}: missing token or cost fields", id));
    }
    UsageTotals& slot = r.sessions[std::string(id)];
    slot.Add(t);
  }
  simdjson::dom::element totals;
  if (!root["totals"].get(totals)) {
    if (!CcusageTotals(totals, &r.total)) {
      return Status::InvalidArgument("ccusage totals: missing token or cost fields");
    }
  } else {
    for (const auto& [id, t] : r.sessions) r.total.Add(t);
  }
  return r;
}

std::string ImportBenchQuery() {
  return R"j({"filters":[{"label":"kind","op":"=","value":"llm_call"}],"group_by":["session_id"],)j"
         R"j("aggregates":["sum(tokens.input)","sum(tokens.output)","sum(tokens.cache_read)",)j"
         R"j("sum(tokens.cache_write)","sum(cost)"],"limit":1000000})j";
}

Result<UsageReport> ParseAgentperfQuery(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) {
    return Status::InvalidArgument("agentperf query printed no JSON: " + std::string(json.substr(0, 200)));
  }
  simdjson::dom::array series;
  if (root["series"].get(series)) return Status::InvalidArgument("agentperf query JSON without `series`");
  UsageReport r;
  for (simdjson::dom::element s : series) {
    std::string_view id;
    if (s["labels"]["session_id"].get(id)) return Status::InvalidArgument("a series without labels.session_id");
    simdjson::dom::array points;
    if (s["points"].get(points)) return Status::InvalidArgument("a series without points");
    for (simdjson::dom::element p : points) {
      UsageTotals t;
      if (!IntField(p, "sum(tokens.input)", &t.input) || !IntField(p, "sum(tokens.output)", &t.output) ||
          !IntField(p, "sum(tokens.cache_read)", &t.cache_read) ||
          !IntField(p, "sum(tokens.cache_write)", &t.cache_write) || !DoubleField(p, "sum(cost)", &t.cost)) {
        return Status::InvalidArgument(fmt::format("agentperf series {}: missing sums", id));
      }
      r.sessions[std::string(id)].Add(t);
    }
  }
  for (const auto& [id, t] : r.sessions) r.total.Add(t);
  return r;
}

Result<Agreement> CompareUsage(const UsageReport& competitor, const UsageReport& ours, double cost_rel) {
  if (competitor.sessions.empty()) {
    return Status::FailedPrecondition(
        "competitor read nothing: ccusage reported 0 OpenCode sessions (wrong OPENCODE_DATA_DIR, or it cannot read "
        "this opencode.db)");
  }
  Agreement a;
  a.sessions_competitor = competitor.sessions.size();
  a.sessions_ours = ours.sessions.size();
  std::set<std::string> all;
  for (const auto& [id, t] : competitor.sessions) all.insert(id);
  for (const auto& [id, t] : ours.sessions) all.insert(id);
  const UsageTotals zero;
  for (const auto& id : all) {
    auto c = competitor.sessions.find(id);
    auto o = ours.sessions.find(id);
    const UsageTotals& ct = c == competitor.sessions.end() ? zero : c->second;
    const UsageTotals& ot = o == ours.sessions.end() ? zero : o->second;
    if (!Same(ct, ot, cost_rel)) {
      if (a.sessions_differing++ == 0) {
        a.first_difference = fmt::format("session {}: ccusage {} agentperf {}", id, TotalsJson(ct), TotalsJson(ot));
      }
    }
  }
  if (a.sessions_differing == 0 && !Same(competitor.total, ours.total, cost_rel)) {
    a.first_difference =
        fmt::format("totals: ccusage {} agentperf {}", TotalsJson(competitor.total), TotalsJson(ours.total));
  }
  a.agree = a.first_difference.empty();
  return a;
}

}  // namespace agentperf::bench
