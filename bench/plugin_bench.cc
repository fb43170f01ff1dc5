#include "bench/plugin_bench.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <random>

#include "bench/bench_util.h"
#include "core/json_writer.h"
#include "drive/agentperf_child.h"
#include "drive/opencode_world.h"

namespace agentperf::bench {

namespace {

using namespace std::chrono_literals;

constexpr const char* kPrompt = "BENCH_PLUGIN go";
constexpr const char* kDone = "Bench done.";

// Fixed timing, no errors; the script is keyed on the prompt.
std::string BenchSimConfig(int steps, uint64_t seed) {
  static const char* kTools[] = {
      R"({"name": "bash", "args": {"command": "echo step", "description": "A step"}})",
      R"({"name": "read", "args": {"filePath": "README.md"}})",
      R"({"name": "glob", "args": {"pattern": "**/*.md"}})",
      R"({"name": "grep", "args": {"pattern": "hello"}})",
  };
  std::string script;
  for (int i = 0; i < steps; ++i) {
    script += fmt::format(R"({{"text": "Step {}.", "output_tokens": 20, "tools": [{}]}}, )", i + 1, kTools[i % 4]);
  }
  script += fmt::format(R"({{"text": "{}", "output_tokens": 20}})", kDone);
  return fmt::format(R"({{
  "seed": {},
  "models": {{"sim-large": {{"ttfc_ms": 50, "tokens_per_s": 200}}, "sim-small": {{"ttfc_ms": 50, "tokens_per_s": 200}}}},
  "title": {{"text": "Plugin bench"}},
  "triggers": [{{"user_contains": "BENCH_PLUGIN", "steps": [{}]}}]
}})",
                     seed, script);
}

// v rounded to `digits` decimals (printed in its shortest form).
double Round(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

void AddCost(simdjson::dom::object obj, std::map<std::string, HookCost>* into) {
  for (auto [key, value] : obj) {
    HookCost& c = (*into)[std::string(key)];
    uint64_t calls = 0;
    double total = 0, max = 0;
    if (value["calls"].get_uint64().get(calls) == simdjson::SUCCESS) c.calls += calls;
    if (value["total_ms"].get_double().get(total) == simdjson::SUCCESS) c.total_ms += total;
    if (value["max_ms"].get_double().get(max) == simdjson::SUCCESS) c.max_ms = std::max(c.max_ms, max);
  }
}

void WriteCosts(JsonWriter& w, const std::map<std::string, HookCost>& costs) {
  w.BeginObject();
  for (const auto& [name, c] : costs) {
    w.Key(name).BeginObject().Field("calls", c.calls).Field("mean_us", Round(c.mean_us(), 2));
    if (c.max_ms > 0) w.Field("max_us", Round(c.max_ms * 1000.0, 1));
    w.EndObject();
  }
  w.EndObject();
}


}  // namespace

HookCost PluginStats::SpanRelevant() const {
  HookCost out;
  for (const auto& [type, c] : event_types) {
    if (type == "message.part.delta") continue;
    out.calls += c.calls;
    out.total_ms += c.total_ms;
  }
  return out;
}

double PluginStats::SpanQuantileUs(double q) const {
  uint64_t total = 0;
  for (uint64_t n : span_hist) total += n;
  if (total == 0) return 0;
  const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
  uint64_t seen = 0;
  for (size_t b = 0; b < span_hist.size(); ++b) {
    seen += span_hist[b];
    if (seen >= std::max<uint64_t>(rank, 1)) {
      if (b == 0) return 0.125;
      return 0.125 * std::pow(2.0, (static_cast<double>(b) - 0.5) / 4.0);
    }
  }
  return 0.125 * std::pow(2.0, static_cast<double>(span_hist.size()) / 4.0);
}

Status MergePluginStats(const std::string& json, PluginStats* into) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return Status::Corruption("bad plugin stats: " + json);
  simdjson::dom::object hooks, types;
  if (root["hooks"].get_object().get(hooks) != simdjson::SUCCESS) return Status::Corruption("no hooks in stats");
  AddCost(hooks, &into->hooks);
  if (root["event_types"].get_object().get(types) == simdjson::SUCCESS) AddCost(types, &into->event_types);
  simdjson::dom::array hist;
  if (root["span_hist"].get_array().get(hist) == simdjson::SUCCESS) {
    size_t b = 0;
    for (simdjson::dom::element v : hist) {
      uint64_t n = 0;
      if (v.get_uint64().get(n) != simdjson::SUCCESS) return Status::Corruption("bad span_hist in stats");
      if (into->span_hist.size() <= b) into->span_hist.resize(b + 1, 0);
      into->span_hist[b++] += n;
    }
  }
  auto add = [&](const char* key, uint64_t* v) {
    uint64_t n = 0;
    if (root[key].get_uint64().get(n) == simdjson::SUCCESS) *v += n;
  };
  add("queued", &into->queued);
  add("sent", &into->sent);
  add("dropped_total", &into->dropped);
  add("errors", &into->errors);
  add("spooled", &into->spooled);
  double warm = 0;
  if (root["warmup_ms"].get_double().get(warm) == simdjson::SUCCESS) into->warmup_ms += warm;
  ++into->runs;
  return Status::OK();
}

std::pair<double, double> BootstrapMedianCi95(const std::vector<double>& v, uint64_t seed, int resamples) {
  if (v.empty()) return {0, 0};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, v.size() - 1);
  std::vector<double> medians, sample(v.size());
  medians.reserve(static_cast<size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    for (double& x : sample) x = v[pick(rng)];
    medians.push_back(Median(sample));
  }
  return {Percentile(medians, 0.025), Percentile(medians, 0.975)};
}

Result<PluginBenchResult> RunPluginBenchPairs(const PluginBenchOptions& o,
                                              const std::function<void(const std::string&)>& line) {
  if (o.pairs < 1 || o.warmup < 0 || o.warmup >= o.pairs) {
    return Status::InvalidArgument("need --pairs >= 1 and 0 <= --warmup < --pairs");
  }
  if (o.steps < 1) return Status::InvalidArgument("need --steps >= 1");
  const std::string opencode = o.opencode.empty() ? drive::OpencodeBinary() : o.opencode;
  AP_RETURN_IF_ERROR(drive::CheckOpencodeInstall(opencode));
  const std::string self = o.agentperf.empty() ? SelfExe() : o.agentperf;
  const std::string scratch = MakeScratchDir(o.work_dir, "agentperf-bench-plugin-");
  if (scratch.empty()) return Status::IOError("cannot create a scratch folder under " + o.work_dir);
  struct Cleanup {
    std::string dir;
    bool keep;
    ~Cleanup() {
      if (!keep) RemoveTree(dir);
    }
  } cleanup{scratch, o.keep};

  drive::ServeChild serve;
  AP_RETURN_IF_ERROR(serve.Start(self, scratch + "/serve", {"--no-opencode-spool"}));
  drive::SimChild sim;
  AP_RETURN_IF_ERROR(sim.Start(self, scratch + "/sim", BenchSimConfig(o.steps, o.seed)));
  drive::OpencodeWorld world(scratch + "/opencode", opencode);
  AP_RETURN_IF_ERROR(world.WriteProjectConfig(sim.base_url()));
  AP_RETURN_IF_ERROR(world.Prepare());
  drive::CommandResult inst = drive::RunCommand({self, "opencode", "install", "--project", world.project()},
                                                world.Env(), "", world.root() + "/out/install", 60s);
  if (inst.exit_code != 0) return Status::Internal("agentperf opencode install failed: " + inst.err);
  const std::string on = world.project() + "/.opencode/plugin/agentperf.js";
  const std::string off = world.project() + "/.opencode/agentperf.js.off";
  std::error_code ec;
  std::filesystem::rename(on, off, ec);
  if (ec) return Status::IOError(fmt::format("moving {} aside: {}", on, ec.message()));

  PluginBenchResult res;
  int run_no = 0;
  bool installed = false;
  auto run = [&](bool plugin) -> Result<double> {
    if (plugin != installed) {
      std::error_code e;
      std::filesystem::rename(plugin ? off : on, plugin ? on : off, e);
      if (e) return Status::IOError("moving the plugin file: " + e.message());
      installed = plugin;
    }
    const std::string stats = fmt::format("{}/stats/run-{}.json", scratch, run_no);
    const std::string name = fmt::format("run-{}-{}", run_no++, plugin ? "B" : "A");
    drive::CommandResult r = world.Run({"run", kPrompt}, name, 300s,
                                       {"AGENTPERF_URL=" + serve.url(), "AGENTPERF_PLUGIN_STATS=" + stats});
    if (r.exit_code != 0) {
      return Status::Internal(fmt::format("opencode {} failed (exit {}):\n{}", name, r.exit_code, r.err));
    }
    if (r.out.find(kDone) == std::string::npos) {
      return Status::Internal(fmt::format("opencode {} did not finish the script:\n{}", name, r.out));
    }
    const bool active = std::filesystem::exists(stats);
    if (active != plugin) {
      return Status::Internal(fmt::format("the plugin was {}active in {}", active ? "" : "not ", name));
    }
    if (plugin) AP_RETURN_IF_ERROR(MergePluginStats(drive::ReadFile(stats), &res.stats));
    return r.seconds * 1000.0;
  };

  std::vector<double> ratios, a_ms, b_ms;
  for (int i = 0; i < o.pairs; ++i) {
    PluginPair p;
    p.pair = i;
    p.ab = i % 2 == 0;
    p.warmup = i < o.warmup;
    for (bool plugin : {!p.ab, p.ab}) {
      AP_ASSIGN_OR_RETURN(double ms, run(plugin));
      (plugin ? p.b_ms : p.a_ms) = ms;
    }
    res.pairs.push_back(p);
    JsonWriter w;
    w.BeginObject()
        .Field("bench", "plugin")
        .Field("pair", i)
        .Field("order", p.ab ? "AB" : "BA")
        .Field("warmup", p.warmup)
        .Field("a_ms", Round(p.a_ms, 1))
        .Field("b_ms", Round(p.b_ms, 1))
        .Field("ratio", Round(p.ratio(), 4))
        .EndObject();
    line(w.Take());
    if (!p.warmup) {
      ratios.push_back(p.ratio());
      a_ms.push_back(p.a_ms);
      b_ms.push_back(p.b_ms);
    }
  }
  serve.Stop();
  sim.Stop();

  res.median_ratio = Median(ratios);
  res.p90_ratio = Percentile(ratios, 0.9);
  std::tie(res.ci_low, res.ci_high) = BootstrapMedianCi95(ratios, o.seed);
  res.median_a_ms = Median(a_ms);
  res.median_b_ms = Median(b_ms);
  res.mean_hook_us = res.stats.SpanRelevant().mean_us();
  res.pass_ratio = res.median_ratio <= 1.01;
  res.pass_hook = res.stats.SpanRelevant().calls > 0 && res.mean_hook_us <= 20.0;

  JsonWriter w;
  w.BeginObject()
      .Field("bench", "plugin")
      .Field("summary", true)
      .Field("pairs", static_cast<int64_t>(ratios.size()))
      .Field("warmup", o.warmup)
      .Field("steps", o.steps)
      .Field("median_ratio", Round(res.median_ratio, 4))
      .Field("p90_ratio", Round(res.p90_ratio, 4));
  w.Key("bootstrap_ci95").BeginArray().Double(Round(res.ci_low, 4)).Double(Round(res.ci_high, 4)).EndArray();
  w.Field("median_a_ms", Round(res.median_a_ms, 1)).Field("median_b_ms", Round(res.median_b_ms, 1));
  w.Key("hooks");
  WriteCosts(w, res.stats.hooks);
  w.Key("event_types");
  WriteCosts(w, res.stats.event_types);
  const HookCost span = res.stats.SpanRelevant();
  w.Key("span_events")
      .BeginObject()
      .Field("calls", span.calls)
      .Field("mean_us", Round(span.mean_us(), 2))
      .Field("p50_us", Round(res.stats.SpanQuantileUs(0.5), 2))
      .Field("p90_us", Round(res.stats.SpanQuantileUs(0.9), 2))
      .Field("p99_us", Round(res.stats.SpanQuantileUs(0.99), 2))
      .EndObject();
  w.Field("mean_hook_us", Round(res.mean_hook_us, 2));
  w.Key("plugin")
      .BeginObject()
      .Field("runs", res.stats.runs)
      .Field("queued", res.stats.queued)
      .Field("sent", res.stats.sent)
      .Field("dropped", res.stats.dropped)
      .Field("errors", res.stats.errors)
      .Field("spooled", res.stats.spooled)
      .Field("mean_warmup_ms", Round(res.stats.runs ? res.stats.warmup_ms / static_cast<double>(res.stats.runs) : 0, 2))
      .EndObject();
  w.Key("pass").BeginObject().Field("ratio", res.pass_ratio).Field("hook", res.pass_hook).EndObject();
  w.EndObject();
  line(w.Take());
  return res;
}

int RunPluginBench(const PluginBenchOptions& o) {
  auto res = RunPluginBenchPairs(o, [](const std::string& l) {
    fmt::print("{}\n", l);
    std::fflush(stdout);
  });
  if (!res.ok()) {
    fmt::print(stderr, "agentperf bench plugin: error: {}\n", res.status().ToString());
    return 1;
  }
  if (!o.json) {
    fmt::print(stderr,
               "bench plugin: {} pairs, median wall-time ratio {:.4f} (95% CI {:.4f}-{:.4f}, target <= 1.01: {}); "
               "{:.2f} us per span-relevant event hook call (target <= 20: {}; p50 {:.1f} us, p99 {:.1f} us)\n",
               res->pairs.size() - static_cast<size_t>(o.warmup), res->median_ratio, res->ci_low, res->ci_high,
               res->pass_ratio ? "met" : "NOT met", res->mean_hook_us, res->pass_hook ? "met" : "NOT met",
               res->stats.SpanQuantileUs(0.5), res->stats.SpanQuantileUs(0.99));
  }
  return 0;
}

}  // namespace agentperf::bench
