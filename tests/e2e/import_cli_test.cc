// `agentperf import opencode` through the binary: the summary, idempotence
// into a local store and into a server (client-side cursor), and errors.
// (The mapping itself is tested in tests/ingest/opencode against a real
// opencode.db fixture; here a small legacy storage/ tree is enough.)
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/json_doc.h"
#include "testing/server_fixture.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace agentperf::e2e {
namespace {

using testing::JsonDoc;
namespace fsys = std::filesystem;

testing::ProcessResult Agentperf(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), testing::AgentperfBin());
  env.push_back("AGENTPERF_LOG=warn");
  return testing::RunProcess(args, "", env);
}

void Write(const fsys::path& p, const std::string& s) {
  fsys::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

// One session: a user turn, one step with a bash call (ids with encoded times).
void MakeTree(const fsys::path& root) {
  Write(
      root / "session/proj/ses_df49d0f47ffevaa69B0RPJ64eR.json",
      R"({"id":"ses_df49d0f47ffevaa69B0RPJ64eR","projectID":"proj","version":"0.9.0","time":{"created":1795487363256,"updated":1795487368210}})");
  Write(
      root / "message/ses_df49d0f47ffevaa69B0RPJ64eR/msg_20b62f183001Y7UcgBt9fSxnXT.json",
      R"({"id":"msg_20b62f183001Y7UcgBt9fSxnXT","sessionID":"ses_df49d0f47ffevaa69B0RPJ64eR","role":"user","time":{"created":1795487363459},"agent":"planner","model":{"providerID":"mock","modelID":"mock-model"}})");
  Write(
      root / "message/ses_df49d0f47ffevaa69B0RPJ64eR/msg_20b62f959001xulO2GusSgbtiU.json",
      R"({"id":"msg_20b62f959001xulO2GusSgbtiU","sessionID":"ses_df49d0f47ffevaa69B0RPJ64eR","role":"assistant","time":{"created":1795487365465,"completed":1795487368201},"parentID":"msg_20b62f183001Y7UcgBt9fSxnXT","modelID":"mock-model","providerID":"mock","mode":"planner","cost":0.25,"tokens":{"input":159,"output":6,"reasoning":0,"cache":{"read":158,"write":0}},"finish":"stop"})");
  Write(
      root / "part/msg_20b62f959001xulO2GusSgbtiU/prt_20b6300a60010j4iLzGoGRlLe0.json",
      R"({"id":"prt_20b6300a60010j4iLzGoGRlLe0","type":"tool","tool":"bash","callID":"call_1","state":{"status":"completed","input":{},"output":"x","metadata":{"exit":0},"time":{"start":1795487367389,"end":1795487367469}}})");
}

TEST(ImportCli, LegacyTreeIntoALocalStoreIsIdempotent) {
  testing::TempDir dir;
  MakeTree(dir.Sub("storage"));
  const std::string data = dir.Sub("data");
  auto first = Agentperf({"import", "opencode", "--storage", dir.Sub("storage"), "--data", data, "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  JsonDoc j(first.out);
  ASSERT_TRUE(j.ok()) << first.out;
  EXPECT_EQ(j.Str("/source"), "storage");
  EXPECT_EQ(j.Num("/sessions/imported"), 1.0);
  EXPECT_EQ(j.Num("/events/session"), 1.0);
  EXPECT_EQ(j.Num("/events/turn"), 1.0);
  EXPECT_EQ(j.Num("/events/llm_call"), 1.0);
  EXPECT_EQ(j.Num("/events/tool_call"), 1.0);
  EXPECT_EQ(j.Num("/accepted"), 4.0);
  EXPECT_EQ(j.Num("/tokens/input"), 159.0);
  auto second = Agentperf({"import", "opencode", "--storage", dir.Sub("storage"), "--data", data, "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  JsonDoc k(second.out);
  EXPECT_EQ(k.Num("/accepted"), 0.0);
  EXPECT_EQ(k.Num("/duplicates"), 4.0);
  // The text summary names what was stored.
  auto text = Agentperf({"import", "opencode", "--storage", dir.Sub("storage"), "--data", data, "--quiet"});
  EXPECT_NE(text.out.find("0 new, 4 already present"), std::string::npos) << text.out;
  auto exported = Agentperf({"export", "--data", data, "--kind", "tool_call"});
  EXPECT_NE(exported.out.find("\"span_id\":\"prt_20b6300a60010j4iLzGoGRlLe0\""), std::string::npos) << exported.out;
}

TEST(ImportCli, IntoAServerWithAClientSideCursor) {
  testing::TestServer server;
  testing::TempDir dir;
  MakeTree(dir.Sub("storage"));
  const std::string state = "XDG_STATE_HOME=" + dir.Sub("state");
  auto first =
      Agentperf({"import", "opencode", "--storage", dir.Sub("storage"), "--server", server.url(), "--json"}, {state});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(JsonDoc(first.out).Num("/accepted"), 4.0);
  EXPECT_EQ(server.store()->events(), 4u);
  auto second =
      Agentperf({"import", "opencode", "--storage", dir.Sub("storage"), "--server", server.url(), "--json"}, {state});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(JsonDoc(second.out).Num("/duplicates"), 4.0);
  EXPECT_EQ(server.store()->events(), 4u);
}

TEST(ImportCli, ErrorsAreOneClearLine) {
  testing::TempDir dir;
  auto none = Agentperf({"import", "opencode", "--db", dir.Sub("missing.db"), "--data", dir.Sub("data")});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.err.find("does not exist"), std::string::npos) << none.err;
  // Nothing to discover.
  auto nothing =
      Agentperf({"import", "opencode", "--data", dir.Sub("data")}, {"XDG_DATA_HOME=" + dir.Sub("xdg"), "OPENCODE_DB="});
  EXPECT_NE(nothing.exit_code, 0);
  EXPECT_NE(nothing.err.find("no OpenCode history found"), std::string::npos) << nothing.err;
  auto nosub = Agentperf({"import"});
  EXPECT_NE(nosub.exit_code, 0);
}

}  // namespace
}  // namespace agentperf::e2e
