#include "bench/analysis_bench.h"

#include <fmt/format.h>

#include <filesystem>

#include "analysis/baseline/baseline.h"
#include "analysis/service/service.h"
#include "bench/bench_util.h"
#include "bench/embedded_ingest.h"
#include "bench/store_bench_common.h"
#include "bench/workload.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "store/embedded_store.h"

namespace agentperf::bench {

namespace {

using store_bench::kDayMs;
using store_bench::Progress;
using store_bench::Round;
using store_bench::Seconds;

struct Question {
  std::string id, what;
  std::string endpoint;        // analysis endpoint
  analysis::Params params;     // from/to in ms
  std::vector<std::string> cli;  // agentperf arguments after the binary (with --data DIR)
  double target_ms;            // 0 = none
};

struct Measured {
  double cold_ms = 0, warm_ms = 0, cli_ms = 0;
  uint64_t cli_peak_rss = 0;
  size_t answer_bytes = 0;
  std::string error;
};

Result<std::string> Answer(const analysis::AnalysisService& svc, const Question& q, int64_t now_us) {
  return svc.Answer(q.endpoint, q.params, now_us);
}

}  // namespace

int RunAnalysisBench(const AnalysisBenchOptions& o) {
  if (o.events == 0 || o.runs <= 0) {
    fmt::print(stderr, "agentperf: error: --events and --runs must be positive\n");
    return 2;
  }
  std::string scratch, data;
  int64_t max_start_ms = 0;
  if (!o.reuse.empty()) {
    data = o.reuse;
  } else {
    auto trace = LoadTokenTrace(o.shared_dir);
    if (!trace.ok()) {
      fmt::print(stderr, "agentperf: error: {}\n", trace.status().message());
      return 1;
    }
    scratch = MakeScratchDir(o.data_dir, "agentperf-analysis-");
    if (scratch.empty()) {
      fmt::print(stderr, "agentperf: error: cannot create a scratch directory\n");
      return 1;
    }
    data = scratch + "/data";
    // As `bench store`: 30 days of history ending about a day ago.
    const int64_t now = WallMicros();
    const int64_t day_us = kDayMs * 1000;
    const int64_t start_us = (now / day_us - 31) * day_us;
    const double gap_us = 30.0 * static_cast<double>(day_us) / static_cast<double>(o.events);
    Progress(fmt::format("generating {} events (seed {})", o.events, o.seed));
    std::vector<Span> spans(o.events);
    {
      Workload w(o.seed, start_us, gap_us, &*trace);
      for (auto& s : spans) w.Next(&s);
    }
    Progress("appending them to an embedded store and flushing it into segments");
    EmbeddedIngestResult ing = RunEmbeddedIngest(spans, 50000, 4, data, /*keep=*/true);
    if (!ing.error.empty()) {
      fmt::print(stderr, "agentperf: error: loading the store: {}\n", ing.error);
      RemoveTree(scratch);
      return 1;
    }
    Progress(fmt::format("loaded {} events in {:.1f} s, flushed in {:.1f} s", ing.events, ing.ingest_s, ing.flush_s));
  }

  store::EmbeddedStoreOptions so;
  so.data_dir = data;
  auto st = store::EmbeddedStore::Open(so);
  if (!st.ok()) {
    fmt::print(stderr, "agentperf: error: {}\n", st.status().message());
    return 1;
  }
  std::unique_ptr<store::EmbeddedStore> store = std::move(st).value();  // released before the CLI runs
  const uint64_t events = store->events();
  {
    // The windows end at the end of the hour of the newest span (the data
    // ends about a day ago): the last hour bucket of a count per hour.
    auto spec = query::ParseQuerySpec(R"({"aggregates":["count"],"step":"1h"})", WallMicros());
    auto r = spec.ok() ? store->Query(*spec) : Result<query::QueryResult>(spec.status());
    if (!r.ok() || r->series.empty() || r->series[0].points.empty()) {
      fmt::print(stderr, "agentperf: error: the store in {} holds no events\n", data);
      return 1;
    }
    max_start_ms = r->series[0].points.back().t_us / 1000 + 3600000;
  }
  const int64_t to_ms = max_start_ms, now_us = WallMicros();
  auto window = [&](int64_t span_ms) {
    return analysis::Params{{"from", std::to_string(to_ms - span_ms)}, {"to", std::to_string(to_ms)}};
  };
  auto with = [](analysis::Params p, std::string k, std::string v) {
    p.emplace_back(std::move(k), std::move(v));
    return p;
  };
  const std::string bin = SelfExe();
  auto cli = [&](std::string cmd, const analysis::Params& p) {
    std::vector<std::string> a = {bin, cmd, "--data", data, "--json"};
    if (cmd == "report") {
      a.insert(a.end(), {"--from", p[0].second, "--to", p[1].second});
    }
    return a;
  };
  std::vector<Question> qs = {
      {"baselines_30d", "baselines by agent, all 30 days", "baselines", with(window(30 * kDayMs), "group_by", "agent"), {}, 500},
      {"baselines_7d", "baselines by agent, last 7 days", "baselines", with(window(7 * kDayMs), "group_by", "agent"), {}, 500},
      {"baselines_24h", "baselines by agent, last 24 h", "baselines", with(window(kDayMs), "group_by", "agent"), {}, 500},
      {"baselines_agent_tool_30d", "baselines by agent x tool, 30 days", "baselines",
       with(window(30 * kDayMs), "group_by", "agent,tool"), {}, 0},
      {"report_30d", "agentperf report, 30 days", "report", window(30 * kDayMs), {}, 1000},
      {"report_7d", "agentperf report, 7 days", "report", window(7 * kDayMs), {}, 1000},
      {"compare_7d", "agentperf compare, last 7 days vs the 7 before", "compare",
       analysis::Params{{"before", fmt::format("{}..{}", to_ms - 14 * kDayMs, to_ms - 7 * kDayMs)},
                        {"after", fmt::format("{}..{}", to_ms - 7 * kDayMs, to_ms)}},
       {}, 1000},
      {"compare_24h", "agentperf compare, last 24 h vs the 24 h before", "compare",
       analysis::Params{{"before", fmt::format("{}..{}", to_ms - 2 * kDayMs, to_ms - kDayMs)},
                        {"after", fmt::format("{}..{}", to_ms - kDayMs, to_ms)}},
       {}, 1000},
  };
  for (auto& q : qs) {
    if (q.endpoint == "report") q.cli = cli("report", q.params);
    if (q.endpoint == "compare") {
      q.cli = {bin, "compare", "--data", data, "--json", "--before", q.params[0].second, "--after", q.params[1].second};
    }
  }
  analysis::AnalysisService svc(store.get(), analysis::PriceTable::Bundled());
  int rc = 0;
  bool all_met = true;
  JsonWriter summary;
  summary.BeginObject().Field("bench", "analysis").Field("summary", true).Field("events", events);
  summary.Key("targets").BeginObject();
  for (const Question& q : qs) {
    Measured m;
    int64_t t0 = MonotonicNanos();
    auto first = Answer(svc, q, now_us);
    m.cold_ms = Seconds(t0) * 1000;
    if (!first.ok()) {
      m.error = first.status().ToString();
    } else {
      m.answer_bytes = first->size();
      std::vector<double> warm;
      for (int i = 0; i < o.runs; ++i) {
        t0 = MonotonicNanos();
        auto r = Answer(svc, q, now_us);
        warm.push_back(Seconds(t0) * 1000);
        if (!r.ok()) m.error = r.status().ToString();
      }
      m.warm_ms = Median(warm);
    }
    JsonWriter w;
    w.BeginObject().Field("bench", "analysis").Field("question", q.id).Field("what", q.what);
    w.Field("events", events).Field("cold_ms", Round(m.cold_ms, 2)).Field("warm_ms", Round(m.warm_ms, 2));
    w.Field("runs", o.runs).Field("answer_bytes", static_cast<uint64_t>(m.answer_bytes));
    if (q.target_ms > 0) w.Field("target_ms", q.target_ms).Field("met", m.error.empty() && m.warm_ms <= q.target_ms);
    if (!m.error.empty()) w.Field("error", m.error);
    w.EndObject();
    fmt::print("{}\n", w.str());
    std::fflush(stdout);
    if (!m.error.empty()) rc = 1;
    if (q.target_ms > 0) {
      const bool met = m.error.empty() && m.warm_ms <= q.target_ms;
      all_met &= met;
      summary.Field(q.id + "_warm_le_" + fmt::format("{:.0f}ms", q.target_ms), met);
    }
  }
  store.reset();
  // As the user runs it: a fresh process per report (store open included).
  for (const Question& q : qs) {
    if (q.cli.empty()) continue;
    std::vector<double> wall;
    uint64_t rss = 0;
    std::string error;
    for (int i = 0; i < o.runs + 1; ++i) {
      auto t = RunTimed(q.cli, nullptr, (scratch.empty() ? std::string("/tmp") : scratch) + "/cli-" + q.id);
      if (!t.ok() || t->exit_code != 0) {
        error = t.ok() ? Failed("agentperf " + q.cli[1], *t).ToString() : t.status().ToString();
        break;
      }
      if (i > 0) wall.push_back(t->ms);  // the first run warms the page cache
      rss = std::max(rss, t->peak_rss_bytes);
    }
    JsonWriter w;
    w.BeginObject().Field("bench", "analysis").Field("question", q.id + "_cli").Field("what", q.what + " (process)");
    w.Field("events", events).Field("wall_ms", Round(Median(wall), 2)).Field("peak_rss_bytes", rss);
    w.Field("target_ms", q.target_ms).Field("met", error.empty() && Median(wall) <= q.target_ms);
    if (!error.empty()) w.Field("error", error);
    w.EndObject();
    fmt::print("{}\n", w.str());
    std::fflush(stdout);
    if (!error.empty()) rc = 1;
    const bool met = error.empty() && Median(wall) <= q.target_ms;
    all_met &= met;
    summary.Field(q.id + "_cli_le_" + fmt::format("{:.0f}ms", q.target_ms), met);
    summary.Field(q.id + "_cli_peak_rss_bytes", rss);
  }
  summary.EndObject().Field("all_met", all_met).EndObject();
  fmt::print("{}\n", summary.str());
  if (!o.keep && !scratch.empty()) {
    RemoveTree(scratch);
  } else if (!scratch.empty()) {
    Progress(fmt::format("kept the store in {} (rerun with --reuse {})", data, data));
  }
  return rc;
}

}  // namespace agentperf::bench
