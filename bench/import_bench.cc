#include "bench/import_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bench/bench_util.h"
#include "drive/child_process.h"

extern char** environ;

namespace agentperf::bench {
namespace {

namespace fs = std::filesystem;

// Reads a file once so that the first timed reader does not pay for the disk.
uint64_t WarmPageCache(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buf(1 << 20);
  uint64_t n = 0;
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    n += static_cast<uint64_t>(in.gcount());
  }
  return n;
}

std::string Ms(double v) {
  return fmt::format("{:.1f}", v);
}

std::string AgreementJson(const Agreement& a) {
  std::string diff = a.first_difference;  // holds JSON objects: quote them with ' inside the JSON string
  std::replace(diff.begin(), diff.end(), '"', '\'');
  return fmt::format(R"({{"agree":{},"sessions_ccusage":{},"sessions_agentperf":{},"sessions_differing":{}{}}})",
                     a.agree, a.sessions_competitor, a.sessions_ours, a.sessions_differing,
                     diff.empty() ? "" : fmt::format(R"(,"first_difference":"{}")", diff));
}

}  // namespace

Result<std::string> FindTemplateDb(const std::string& option) {
  std::error_code ec;
  if (!option.empty()) {
    if (!fs::exists(option, ec)) return Status::NotFound("--template " + option + ": no such file");
    return option;
  }
  const fs::path rel = "tests/fixtures/opencode/template.db";
  std::vector<fs::path> starts;
  if (fs::path exe = fs::path(SelfExe()).parent_path(); !exe.empty()) starts.push_back(exe);
  if (fs::path cwd = fs::current_path(ec); !ec) starts.push_back(cwd);
  if (std::string src = AGENTPERF_SOURCE_DIR_DEFAULT; !src.empty()) starts.emplace_back(src);
  for (const fs::path& start : starts) {
    for (fs::path p = fs::absolute(start, ec); !p.empty(); p = p.parent_path()) {
      if (fs::exists(p / rel, ec)) return (p / rel).string();
      if (p == p.parent_path()) break;
    }
  }
  return Status::NotFound(fmt::format("{} was not found above the binary, the working directory or {}; pass --template",
                                      rel.string(), AGENTPERF_SOURCE_DIR_DEFAULT));
}

Result<ImportBenchResult> RunImportBenchRounds(const ImportBenchOptions& o,
                                               const std::function<void(const std::string&)>& line) {
  ImportBenchResult r;
  const std::string ccusage = o.ccusage.empty() ? CcusageBinary() : o.ccusage;
  if (::access(ccusage.c_str(), X_OK) != 0) {
    return Status::NotFound(
        fmt::format("ccusage {} is not installed at {}. Install it with: {} (needs npm and the npm "
                    "registry once), or set AGENTPERF_CCUSAGE",
                    kCcusageVersion, ccusage, kCcusageInstallCommand));
  }
  const std::string agentperf = o.agentperf.empty() ? SelfExe() : o.agentperf;
  AP_ASSIGN_OR_RETURN(std::string tmpl, FindTemplateDb(o.template_db));
  if (o.runs < 1) return Status::InvalidArgument("--runs must be at least 1");

  r.scratch_dir = MakeScratchDir(o.work_dir, "agentperf-bench-import-");
  if (r.scratch_dir.empty()) return Status::IOError("cannot create a scratch folder under " + o.work_dir);
  struct RemoveUnlessKept {  // on every return, errors included (a copy: `r` is moved out)
    std::string dir;
    bool keep;
    ~RemoveUnlessKept() {
      if (!keep) RemoveTree(dir);
    }
  } cleanup{r.scratch_dir, o.keep};
  const std::string oc_dir = r.scratch_dir + "/opencode";
  fs::create_directories(oc_dir);
  fs::create_directories(r.scratch_dir + "/home");
  fs::create_directories(r.scratch_dir + "/logs");
  r.db_path = oc_dir + "/opencode.db";

  ReplicateOptions ro;
  ro.template_db = tmpl;
  ro.out_db = r.db_path;
  ro.min_sessions = o.sessions;
  ro.min_messages = o.sessions * 50;
  ro.min_parts = o.sessions * 150;
  AP_ASSIGN_OR_RETURN(r.replica, ReplicateOpencodeDb(ro));
  std::error_code ec;
  r.db_bytes = fs::file_size(r.db_path, ec);
  line(fmt::format(
      R"({{"bench":"import","phase":"replicate","template":"{}","template_sessions":{},"template_messages":{},)"
      R"("template_parts":{},"copies":{},"sessions":{},"messages":{},"parts":{},"data_bytes":{},"db_bytes":{},)"
      R"("ids_rewritten":{},"seconds":{:.2f}}})",
      tmpl, r.replica.template_sessions, r.replica.template_messages, r.replica.template_parts, r.replica.copies,
      r.replica.sessions, r.replica.messages, r.replica.parts, r.replica.data_bytes, r.db_bytes,
      r.replica.ids_rewritten, r.replica.seconds));
  WarmPageCache(r.db_path);

  const std::vector<std::string> cc_env = {"PATH=/usr/local/bin:/usr/bin:/bin",
                                           "HOME=" + r.scratch_dir + "/home",
                                           "OPENCODE_DATA_DIR=" + oc_dir,
                                           "NO_COLOR=1",
                                           "TZ=UTC",
                                           "LANG=C.UTF-8"};
  const std::vector<std::string> cc_argv = {ccusage, "opencode", "session", "--json", "--offline"};
  const std::string query = ImportBenchQuery();
  std::vector<double> cc_ms, cold_ms, warm_ms, cc_cpu, cold_cpu, warm_cpu;
  std::string last_store;
  for (int run = 0; run < o.runs; ++run) {
    ImportBenchRun rr;
    rr.run = run;
    rr.ccusage_first = run % 2 == 0;
    const std::string logs = fmt::format("{}/logs/r{}", r.scratch_dir, run);
    const std::string store = fmt::format("{}/store-{}", r.scratch_dir, run);
    Timed cc, imp, q, warm;
    auto run_ccusage = [&]() -> Status {
      AP_ASSIGN_OR_RETURN(cc, RunTimed(cc_argv, &cc_env, logs + "-ccusage"));
      if (cc.exit_code != 0) return Failed("ccusage", cc);
      return Status::OK();
    };
    auto run_agentperf = [&]() -> Status {
      AP_ASSIGN_OR_RETURN(
          imp, RunTimed({agentperf, "import", "opencode", "--db", r.db_path, "--data", store, "--quiet", "--json"},
                        nullptr, logs + "-import"));
      if (imp.exit_code != 0) return Failed("agentperf import opencode", imp);
      AP_ASSIGN_OR_RETURN(q,
                          RunTimed({agentperf, "query", query, "--data", store, "--json"}, nullptr, logs + "-query"));
      if (q.exit_code != 0) return Failed("agentperf query", q);
      AP_ASSIGN_OR_RETURN(warm,
                          RunTimed({agentperf, "query", query, "--data", store, "--json"}, nullptr, logs + "-warm"));
      if (warm.exit_code != 0) return Failed("agentperf query (warm)", warm);
      return Status::OK();
    };
    if (rr.ccusage_first) {
      AP_RETURN_IF_ERROR(run_ccusage());
      AP_RETURN_IF_ERROR(run_agentperf());
    } else {
      AP_RETURN_IF_ERROR(run_agentperf());
      AP_RETURN_IF_ERROR(run_ccusage());
    }
    rr.ccusage_ms = cc.ms;
    rr.import_ms = imp.ms;
    rr.query_ms = q.ms;
    rr.cold_ms = imp.ms + q.ms;
    rr.warm_ms = warm.ms;
    rr.ccusage_cpu_ms = cc.cpu_ms;
    rr.cold_cpu_ms = imp.cpu_ms + q.cpu_ms;
    rr.warm_cpu_ms = warm.cpu_ms;
    AP_ASSIGN_OR_RETURN(UsageReport cc_report, ParseCcusageSessions(cc.out));
    AP_ASSIGN_OR_RETURN(UsageReport cold_report, ParseAgentperfQuery(q.out));
    AP_ASSIGN_OR_RETURN(UsageReport warm_report, ParseAgentperfQuery(warm.out));
    AP_ASSIGN_OR_RETURN(rr.cold, CompareUsage(cc_report, cold_report));
    AP_ASSIGN_OR_RETURN(rr.warm, CompareUsage(cc_report, warm_report));
    r.ccusage_total = cc_report.total;
    r.agentperf_total = cold_report.total;
    r.ccusage_sessions = cc_report.sessions.size();
    r.import_summary = imp.out;
    while (!r.import_summary.empty() && (r.import_summary.back() == '\n' || r.import_summary.back() == '\r')) {
      r.import_summary.pop_back();
    }
    cc_ms.push_back(rr.ccusage_ms);
    cold_ms.push_back(rr.cold_ms);
    warm_ms.push_back(rr.warm_ms);
    cc_cpu.push_back(rr.ccusage_cpu_ms);
    cold_cpu.push_back(rr.cold_cpu_ms);
    warm_cpu.push_back(rr.warm_cpu_ms);
    line(fmt::format(
        R"({{"bench":"import","run":{},"order":"{}","ccusage_ms":{},"agentperf_cold_ms":{},"import_ms":{},)"
        R"("query_ms":{},"agentperf_warm_ms":{},"cpu_ms":{{"ccusage":{},"agentperf_cold":{},"agentperf_warm":{}}},)"
        R"("ratio_cold":{:.2f},"ratio_warm":{:.2f},"cold":{},"warm":{}}})",
        run, rr.ccusage_first ? "ccusage_first" : "agentperf_first", Ms(rr.ccusage_ms), Ms(rr.cold_ms),
        Ms(rr.import_ms), Ms(rr.query_ms), Ms(rr.warm_ms), Ms(rr.ccusage_cpu_ms), Ms(rr.cold_cpu_ms),
        Ms(rr.warm_cpu_ms), rr.ccusage_ms / rr.cold_ms, rr.ccusage_ms / rr.warm_ms, AgreementJson(rr.cold),
        AgreementJson(rr.warm)));
    r.runs.push_back(rr);
    if (!last_store.empty()) RemoveTree(last_store);
    last_store = store;
  }
  r.agree =
      std::all_of(r.runs.begin(), r.runs.end(), [](const ImportBenchRun& x) { return x.cold.agree && x.warm.agree; });
  r.ccusage_median_ms = Median(cc_ms);
  r.cold_median_ms = Median(cold_ms);
  r.warm_median_ms = Median(warm_ms);
  r.ratio_cold = r.ccusage_median_ms / r.cold_median_ms;
  r.ratio_warm = r.ccusage_median_ms / r.warm_median_ms;
  const double data_mb = static_cast<double>(r.replica.data_bytes) / 1e6;
  line(fmt::format(
      R"({{"bench":"import","summary":true,"runs":{},"rows":{{"session":{},"message":{},"part":{}}},"db_bytes":{},)"
      R"("data_bytes":{},"import":{},"ccusage_sessions":{},"totals":{{"ccusage":{},"agentperf":{}}},)"
      R"("compared":"per session: input, output, cache_read, cache_write tokens (equal) and cost (1e-9 relative); ccusage = assistant messages with tokens, agentperf = llm_call spans",)"
      R"("median_ms":{{"ccusage":{},"agentperf_cold":{},"agentperf_warm":{}}},)"
      R"("median_cpu_ms":{{"ccusage":{},"agentperf_cold":{},"agentperf_warm":{}}},"cold_mb_per_s":{:.1f},)"
      R"("ratio_cold":{:.2f},"ratio_warm":{:.2f},"agree":{},"pass":{{"agree":{},"cold":{},"warm":{}}}}})",
      r.runs.size(), r.replica.sessions, r.replica.messages, r.replica.parts, r.db_bytes, r.replica.data_bytes,
      r.import_summary.empty() ? "null" : r.import_summary, r.ccusage_sessions, TotalsJson(r.ccusage_total),
      TotalsJson(r.agentperf_total), Ms(r.ccusage_median_ms), Ms(r.cold_median_ms), Ms(r.warm_median_ms),
      Ms(Median(cc_cpu)), Ms(Median(cold_cpu)), Ms(Median(warm_cpu)), data_mb / (r.cold_median_ms / 1000), r.ratio_cold,
      r.ratio_warm, r.agree, r.agree, r.ratio_cold >= 3, r.ratio_warm >= 30));
  return r;
}

int RunImportBench(const ImportBenchOptions& o) {
  auto r = RunImportBenchRounds(o, [](const std::string& l) {
    std::fwrite(l.data(), 1, l.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  });
  if (!r.ok()) {
    fmt::print(stderr, "agentperf bench import: error: {}\n", r.status().message());
    return 1;
  }
  if (!o.json) {
    fmt::print(stderr,
               "import bench: {} sessions, {} messages, {} parts; ccusage {} ms, agentperf cold {} ms ({:.1f}x), "
               "warm {} ms ({:.1f}x); totals {}\n",
               r->replica.sessions, r->replica.messages, r->replica.parts, Ms(r->ccusage_median_ms),
               Ms(r->cold_median_ms), r->ratio_cold, Ms(r->warm_median_ms), r->ratio_warm,
               r->agree ? "agree" : "DISAGREE");
  }
  return r->agree ? 0 : 1;
}

}  // namespace agentperf::bench
