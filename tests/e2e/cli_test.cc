// End-to-end tests of the agentperf command line (the real binary).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "bench/bench_util.h"
#include "net/http_client.h"
#include "testing/events.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using testing::AgentperfBin;
using testing::EventJson;
using testing::ProcessResult;
using testing::RunProcess;

ProcessResult Agentperf(std::vector<std::string> args, const std::string& in = "") {
  args.insert(args.begin(), AgentperfBin());
  return testing::RunProcess(args, in, {"AGENTPERF_LOG=warn"});
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}

std::string Events(int n, const std::string& prefix, const std::string& agent = "coder") {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += EventJson()
             .Set("span_id", fmt::format("{}-{}", prefix, i))
             .Set("agent", agent)
             .Set("duration_ms", static_cast<int64_t>(100 + i))
             .Str() +
         "\n";
  }
  return s;
}

TEST(Cli, HelpVersionAndUsageErrors) {
  auto help = Agentperf({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* cmd : {"serve", "ingest", "query", "verify", "bench"}) {
    EXPECT_NE(help.out.find(cmd), std::string::npos) << cmd;
  }
  auto version = Agentperf({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("agentperf"), std::string::npos);
  auto unknown = Agentperf({"frobnicate"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("error"), std::string::npos);
  auto serve_help = Agentperf({"serve", "--help"});
  EXPECT_EQ(serve_help.exit_code, 0);
  EXPECT_NE(serve_help.out.find("--listen"), std::string::npos);
}

TEST(Cli, IngestQueryVerifyRoundTripIsIdempotent) {
  testing::TempDir dir;
  std::string data = dir.Sub("data"), file = dir.Sub("events.ndjson");
  WriteFile(file, Events(250, "a"));
  auto first = Agentperf({"ingest", file, "--data", data, "--json", "--batch", "100"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("\"accepted\":250"), std::string::npos) << first.out;
  auto again = Agentperf({"ingest", file, "--data", data, "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("\"accepted\":0"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("\"duplicates\":250"), std::string::npos) << again.out;

  auto q = Agentperf({"query", "--data", data, "--json", R"j({"aggregates":["count","max(duration_ms)"]})j"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("\"count\":250"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("\"max(duration_ms)\":349"), std::string::npos) << q.out;

  auto table = Agentperf({"query", "--data", data, "--group-by", "agent", "--agg", "count", "--filter", "agent=coder"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("agent"), std::string::npos);
  EXPECT_NE(table.out.find("coder"), std::string::npos);
  EXPECT_NE(table.out.find("250"), std::string::npos) << table.out;

  auto verify = Agentperf({"verify", data});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("250 events"), std::string::npos) << verify.out;
}

TEST(Cli, IngestRejectsABadFileWholeAndNamesTheLine) {
  testing::TempDir dir;
  std::string data = dir.Sub("data"), file = dir.Sub("bad.ndjson");
  std::string body = Events(10, "ok");
  body += EventJson().Set("span_id", "bad").Set("duration_ms", -5.0).Str() + "\n";
  body += Events(5, "after");
  WriteFile(file, body);
  auto r = Agentperf({"ingest", file, "--data", data});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 11"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("duration_ms"), std::string::npos) << r.err;
  auto q = Agentperf({"query", "--data", data, "--json", R"({"aggregates":["count"]})"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("\"series\":[]"), std::string::npos) << "nothing may be stored: " << q.out;
  auto missing = Agentperf({"ingest", dir.Sub("no-such-file"), "--data", data});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no-such-file"), std::string::npos);
}

TEST(Cli, IngestsGzipFilesAndStdin) {
  testing::TempDir dir;
  std::string data = dir.Sub("data"), file = dir.Sub("events.ndjson.gz");
  std::string plain = Events(40, "gz");
  gzFile gz = gzopen(file.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(gz);
  auto r = Agentperf({"ingest", file, "--data", data, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"accepted\":40"), std::string::npos) << r.out;
  auto s = Agentperf({"ingest", "-", "--data", data, "--json"}, Events(7, "stdin"));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("\"accepted\":7"), std::string::npos) << s.out;
}

TEST(Cli, QueryErrorsAreOneClearLine) {
  testing::TempDir dir;
  auto r = Agentperf({"query", "--data", dir.Sub("data"), R"({"group_by":["nope"]})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown label 'nope'"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  auto both = Agentperf({"query", "--data", dir.Sub("data"), "{}", "--step", "1m"});
  EXPECT_EQ(both.exit_code, 1);
}

TEST(Cli, VerifyDetectsCorruptionAndMissingDirectories) {
  testing::TempDir dir;
  std::string data = dir.Sub("data"), file = dir.Sub("e.ndjson");
  // Two ingests make two WAL records; damage the first one.
  WriteFile(file, Events(30, "v1"));
  ASSERT_EQ(Agentperf({"ingest", file, "--data", data}).exit_code, 0);
  WriteFile(file, Events(30, "v2"));
  ASSERT_EQ(Agentperf({"ingest", file, "--data", data}).exit_code, 0);
  auto ok = Agentperf({"verify", data, "--json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  // Segment 1 holds the first ingest (each process starts a new segment).
  std::string seg = data + "/wal/0000000000000001.wal";
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    f.seekp(32 + 17 + 40);
    f.put('\x5a');
  }
  auto bad = Agentperf({"verify", data});
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("PROBLEM"), std::string::npos) << bad.out;
  auto none = Agentperf({"verify", dir.Sub("does-not-exist")});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("does not exist"), std::string::npos) << none.err;
}

TEST(Cli, ServeLocksTheDataDirAndClientsUseServer) {
  testing::TempDir dir;
  std::string data = dir.Sub("data"), file = dir.Sub("e.ndjson");
  WriteFile(file, Events(20, "srv"));
  bench::ChildServer server(AgentperfBin());
  ASSERT_TRUE(server.Start(data).ok());
  auto locked = Agentperf({"ingest", file, "--data", data});
  EXPECT_EQ(locked.exit_code, 1);
  EXPECT_NE(locked.err.find("in use"), std::string::npos) << locked.err;
  auto remote = Agentperf({"ingest", file, "--server", server.url(), "--json"});
  ASSERT_EQ(remote.exit_code, 0) << remote.err;
  EXPECT_NE(remote.out.find("\"accepted\":20"), std::string::npos) << remote.out;
  auto q = Agentperf({"query", "--server", server.url(), "--json", R"({"aggregates":["count"]})"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("\"count\":20"), std::string::npos) << q.out;
  // verify works through the server while it holds the directory.
  auto v = Agentperf({"verify", "--server", server.url()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("20 events"), std::string::npos) << v.out;
  auto vj = Agentperf({"verify", "--server", server.url(), "--json"});
  EXPECT_EQ(vj.exit_code, 0) << vj.err;
  EXPECT_NE(vj.out.find("\"ok\":true"), std::string::npos) << vj.out;
  EXPECT_EQ(server.Stop(), 0);
  auto down = Agentperf({"query", "--server", server.url(), "{}"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("connection refused"), std::string::npos) << down.err;
}

TEST(Cli, NonLoopbackListenRequiresAToken) {
  testing::TempDir dir;
  uint16_t port = bench::FreeLoopbackPort();
  auto r = Agentperf({"serve", "--data", dir.Sub("data"), "--listen", fmt::format("0.0.0.0:{}", port)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--token"), std::string::npos) << r.err;

  bench::ChildServer server(AgentperfBin());
  server.set_host("0.0.0.0");
  server.set_token("s3cret");
  ASSERT_TRUE(server.Start(dir.Sub("data2")).ok());
  net::HttpClient anonymous(*net::ParseUrl(server.url()));
  auto r401 = anonymous.Get("/healthz");
  ASSERT_TRUE(r401.ok());
  EXPECT_EQ(r401->status, 401);
  net::HttpClientOptions o;
  o.bearer_token = "s3cret";
  net::HttpClient authed(*net::ParseUrl(server.url()), o);
  auto r200 = authed.Get("/healthz");
  ASSERT_TRUE(r200.ok());
  EXPECT_EQ(r200->status, 200);
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace agentperf::e2e
