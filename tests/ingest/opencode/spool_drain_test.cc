#include "ingest/opencode/spool_drain.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "testing/server_fixture.h"
#include "testing/temp_dir.h"

namespace agentperf::ingest::opencode {
namespace {
namespace fs = std::filesystem;

std::string Span(int i) {
  return "{\"kind\":\"tool_call\",\"start_ms\":" + std::to_string(1795487300000 + i * 10) +
         ",\"end_ms\":" + std::to_string(1795487300005 + i * 10) +
         ",\"session_id\":\"ses_x\",\"span_id\":\"prt_" + std::to_string(i) + "\",\"tool\":\"bash\",\"source\":\"plugin\"}\n";
}

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

size_t FilesIn(const fs::path& dir) {
  size_t n = 0;
  for (auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

TEST(SpoolDrain, SendsEveryFileOnceAndDeletesIt) {
  testing::TestServer server;
  testing::TempDir tmp;
  const fs::path dir = tmp.Sub("spool");
  Write(dir / "1-100-aaaaaa.ndjson", Span(1) + Span(2));
  Write(dir / "2-101-bbbbbb.ndjson", Span(3));
  Write(dir / "3-102-cccccc.ndjson.tmp", Span(4));  // still being written by the plugin: left alone
  SpoolDrainer d({dir.string(), server.url(), "", 1000});
  auto c = d.DrainOnce();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->files_sent, 2u);
  EXPECT_EQ(c->events_sent, 3u);
  EXPECT_EQ(server.store()->events(), 3u);
  EXPECT_EQ(FilesIn(dir), 1u);  // only the .tmp
  // The same events spooled again (a plugin that sent and spooled) are not doubled.
  Write(dir / "4-103-dddddd.ndjson", Span(1) + Span(3));
  c = d.DrainOnce();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->files_sent, 1u);
  EXPECT_EQ(server.store()->events(), 3u);
}

TEST(SpoolDrain, CollectorDownKeepsTheFilesForLater) {
  testing::TempDir tmp;
  const fs::path dir = tmp.Sub("spool");
  Write(dir / "1-100-aaaaaa.ndjson", Span(1));
  // A port nobody listens on: bind-free guess via a server that is then gone.
  std::string dead_url;
  {
    testing::TestServer gone;
    dead_url = gone.url();
  }
  SpoolDrainer d({dir.string(), dead_url, "", 1000});
  auto c = d.DrainOnce();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->files_sent, 0u);
  EXPECT_EQ(c->files_retry, 1u);
  EXPECT_TRUE(fs::exists(dir / "1-100-aaaaaa.ndjson"));  // renamed back, not lost
  testing::TestServer server;
  SpoolDrainer d2({dir.string(), server.url(), "", 1000});
  c = d2.DrainOnce();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->files_sent, 1u);
  EXPECT_EQ(server.store()->events(), 1u);
}

TEST(SpoolDrain, RejectedFileIsKeptAsideAndDeadClaimsAreTakenBack) {
  testing::TestServer server;
  testing::TempDir tmp;
  const fs::path dir = tmp.Sub("spool");
  Write(dir / "1-100-aaaaaa.ndjson", "{\"kind\":\"nope\",\"start_ms\":1}\n");
  // A claim by a drainer that died (pid 0x7ffffffe does not exist) is taken back and sent.
  Write(dir / "2-101-bbbbbb.ndjson.sending-2147483646", Span(7));
  // A claim by a live drainer (this process' parent) is left alone.
  Write(dir / ("3-102-cccccc.ndjson.sending-" + std::to_string(getppid())), Span(8));
  SpoolDrainer d({dir.string(), server.url(), "", 1000});
  auto c = d.DrainOnce();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->files_rejected, 1u);
  EXPECT_EQ(c->files_sent, 1u);
  EXPECT_EQ(server.store()->events(), 1u);
  EXPECT_TRUE(fs::exists(dir / "1-100-aaaaaa.ndjson.rejected"));
  EXPECT_TRUE(fs::exists(dir / ("3-102-cccccc.ndjson.sending-" + std::to_string(getppid()))));
  // Rejected files are not retried.
  c = d.DrainOnce();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->files_rejected, 0u);
}

TEST(SpoolDrain, MissingFolderIsNotAnError) {
  SpoolDrainer d({"/nonexistent/agentperf-spool", "http://127.0.0.1:1", "", 1000});
  auto c = d.DrainOnce();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->files_sent, 0u);
}

TEST(SpoolDrain, BackgroundThreadDrainsNewFiles) {
  testing::TestServer server;
  testing::TempDir tmp;
  const fs::path dir = tmp.Sub("spool");
  fs::create_directories(dir);
  SpoolDrainer d({dir.string(), server.url(), "", 100});
  d.Start();
  Write(dir / "1-100-aaaaaa.ndjson", Span(1) + Span(2));
  for (int i = 0; i < 200 && server.store()->events() < 2; ++i) usleep(20000);
  d.Stop();
  EXPECT_EQ(server.store()->events(), 2u);
  EXPECT_EQ(d.totals().files_sent, 1u);
}

}  // namespace
}  // namespace agentperf::ingest::opencode
