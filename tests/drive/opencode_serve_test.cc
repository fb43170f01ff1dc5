// OpencodeServe against a stand-in `opencode serve` (a small Python HTTP
// server speaking the part of opencode's API the driver uses); the real
// binary is driven in tests/e2e_opencode and by `agentperf demo`.
#include "drive/opencode_serve.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>

#include "testing/temp_dir.h"

namespace agentperf::drive {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFakeOpencode = R"py(#!/usr/bin/env python3
import http.server, json, os, sys
port = int(sys.argv[sys.argv.index("--port") + 1])
log = open(os.environ["FAKE_LOG"], "a", buffering=1)
state = {"polls": 0, "replied": False}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def answer(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        if self.path == "/global/health": return self.answer(200, {"healthy": True})
        if self.path == "/permission":
            state["polls"] += 1
            waiting = state["polls"] >= 3 and not state["replied"]
            return self.answer(200, [{"id": "per_1", "sessionID": "ses_1"}] if waiting else [])
        if self.path == "/session/status":
            return self.answer(200, {} if state["replied"] else {"ses_1": {"type": "busy"}})
        self.answer(404, {})
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n).decode() if n else ""
        log.write("%s %s\n" % (self.path, body))
        if self.path == "/session": return self.answer(200, {"id": "ses_1"})
        if self.path == "/session/ses_1/prompt_async": return self.answer(200, True)
        if self.path == "/permission/per_1/reply":
            state["replied"] = True
            return self.answer(200, True)
        if self.path == "/global/dispose": return self.answer(200, True)
        self.answer(404, {})
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
)py";

std::string FakeBinary(const testing::TempDir& dir, const std::string& text) {
  const std::string path = dir.Sub("fake-opencode");
  EXPECT_TRUE(WriteFile(path, text).ok());
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

TEST(OpencodeServe, PermissionSessionGrantsAfterTheDelayAndStopDisposes) {
  testing::TempDir dir;
  OpencodeWorld world(dir.Sub("world"), FakeBinary(dir, kFakeOpencode));
  OpencodeServe oc;
  const std::string log = dir.Sub("fake.log");
  ASSERT_TRUE(oc.Start(world, {"FAKE_LOG=" + log}, 30s).ok()) << oc.last() << oc.stderr_text();
  EXPECT_EQ(oc.url(), fmt::format("http://127.0.0.1:{}", oc.port()));
  EXPECT_TRUE(oc.Call("GET", "/global/health"));
  EXPECT_FALSE(oc.Call("GET", "/nope"));
  EXPECT_NE(oc.last().find("404"), std::string::npos) << oc.last();

  auto run = oc.PermissionSession("say \"hi\" \\ now", 300ms, 30s);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->session_id, "ses_1");
  EXPECT_EQ(run->permission_id, "per_1");
  EXPECT_GE(run->wait_ms, 300);
  EXPECT_EQ(oc.Stop(), 128 + SIGTERM);
  const std::string calls = ReadFile(log);
  EXPECT_NE(calls.find(R"(/session/ses_1/prompt_async {"parts":[{"type":"text","text":"say \"hi\" \\ now"}]})"),
            std::string::npos)
      << calls;
  EXPECT_NE(calls.find(R"(/permission/per_1/reply {"reply":"once"})"), std::string::npos) << calls;
  EXPECT_NE(calls.find("/global/dispose"), std::string::npos) << calls;
}

TEST(OpencodeServe, AServerThatNeverComesUpIsReportedWithItsOutput) {
  testing::TempDir dir;
  OpencodeWorld world(dir.Sub("world"), FakeBinary(dir, "#!/bin/sh\necho 'cannot bind' >&2\nexit 1\n"));
  OpencodeServe oc;
  Status st = oc.Start(world, {}, 10s);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cannot bind"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace agentperf::drive
