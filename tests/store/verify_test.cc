// Tests for VerifyDataDir: a clean directory passes, damaged durable data
// fails, torn tails (normal after a crash) pass, and nothing is modified.
#include "store/verify.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <vector>

#include "store/embedded_store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"
#include "wal/log_format.h"

namespace agentperf::store {
namespace {

using testing::TempDir;

fs::FileSystem* Posix() { return fs::DefaultFileSystem(); }

class VerifyTest : public ::testing::Test {
 protected:
  std::string DataDir() { return dir_.Sub("data"); }
  std::string Seg(uint64_t no) { return fs::JoinPath(WalDir(DataDir()), wal::SegmentFileName(no)); }
  // One process appends `batches` batches of 3 events: one WAL record each, in segment 1.
  void Populate(int batches) {
    EmbeddedStoreOptions o;
    o.data_dir = DataDir();
    auto s = EmbeddedStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    for (int b = 0; b < batches; ++b) {
      std::vector<std::string> lines;
      for (int i = 0; i < 3; ++i) {
        lines.push_back(testing::EventJson().Set("id", "b" + std::to_string(b) + "e" + std::to_string(i)).Str());
      }
      ASSERT_TRUE((*s)->Append(testing::Decode(testing::Ndjson(lines))).ok());
    }
  }
  std::string Read(const std::string& path) {
    std::string s;
    EXPECT_TRUE(fs::ReadFileToString(Posix(), path, &s).ok()) << path;
    return s;
  }
  void Write(const std::string& path, const std::string& data) {
    ASSERT_TRUE(fs::WriteFileAtomically(Posix(), path, data).ok());
  }
  std::vector<size_t> FrameOffsets(const std::string& image) {
    std::vector<size_t> offs;
    wal::SegmentReader r(image, 0);
    uint64_t seq;
    std::string_view p;
    size_t at = r.valid_bytes();
    while (r.Next(&seq, &p)) {
      offs.push_back(at);
      at = r.valid_bytes();
    }
    return offs;
  }
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> out;
    for (const std::string& d : {DataDir(), WalDir(DataDir())}) {
      auto names = Posix()->ListDir(d);
      EXPECT_TRUE(names.ok());
      for (const auto& n : *names) {
        std::string p = fs::JoinPath(d, n);
        if (!Posix()->ListDir(p).ok()) out[p] = Read(p);
      }
    }
    return out;
  }
  VerifyReport Verify() {
    VerifyReport r;
    Status st = VerifyDataDir(Posix(), DataDir(), &r);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return r;
  }
  TempDir dir_;
};

TEST_F(VerifyTest, CleanDirectoryIsOk) {
  Populate(5);
  auto before = Snapshot();
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok()) << r.ToText();
  EXPECT_EQ(r.events, 15u);
  EXPECT_EQ(r.wal.records, 5u);
  EXPECT_FALSE(r.wal.corrupt);
  EXPECT_EQ(r.data_dir, DataDir());
  EXPECT_NE(r.ToText().find("OK"), std::string::npos) << r.ToText();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(r.ToJson()).get(root), simdjson::SUCCESS) << r.ToJson();
  EXPECT_TRUE(root["ok"].get_bool().value());
  EXPECT_EQ(root["events"].get_uint64().value(), 15u);
  EXPECT_EQ(Snapshot(), before);  // read-only
}

TEST_F(VerifyTest, RunsWhileTheStoreIsOpen) {
  Populate(2);
  EmbeddedStoreOptions o;
  o.data_dir = DataDir();
  auto s = EmbeddedStore::Open(o);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Append(testing::Decode(testing::EventJson().Set("id", "live").Str())).ok());
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok()) << r.ToText();
  EXPECT_EQ(r.events, 7u);
}

TEST_F(VerifyTest, FlippedByteInAMiddleRecordIsNotOk) {
  Populate(5);
  std::string image = Read(Seg(1));
  auto offs = FrameOffsets(image);
  ASSERT_EQ(offs.size(), 5u);
  for (size_t pick : {offs[1], offs[2] + 3, offs[3] + wal::kFrameHeaderSize + 10}) {
    std::string damaged = image;
    damaged[pick] ^= 0x08;
    Write(Seg(1), damaged);
    auto before = Snapshot();
    VerifyReport r = Verify();
    EXPECT_FALSE(r.ok()) << "flip at " << pick;
    EXPECT_TRUE(r.wal.corrupt);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_NE(r.problems.back().find("corrupt"), std::string::npos) << r.problems.back();
    EXPECT_NE(r.ToText().find("PROBLEM"), std::string::npos);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(r.ToJson()).get(root), simdjson::SUCCESS);
    EXPECT_FALSE(root["ok"].get_bool().value());
    EXPECT_EQ(Snapshot(), before);  // verify quarantines nothing
  }
}

TEST_F(VerifyTest, TornTailIsOk) {
  Populate(3);
  std::string image = Read(Seg(1));
  auto offs = FrameOffsets(image);
  ASSERT_EQ(offs.size(), 3u);
  // Cut inside the last record at several points, and a zero-filled tail.
  for (size_t cut : {offs[2] + 1, offs[2] + wal::kFrameHeaderSize, image.size() - 1}) {
    Write(Seg(1), image.substr(0, cut));
    VerifyReport r = Verify();
    EXPECT_TRUE(r.ok()) << r.ToText();
    EXPECT_EQ(r.wal.torn_tails(), 1u);
    EXPECT_EQ(r.events, 6u);
    EXPECT_NE(r.ToText().find("torn"), std::string::npos);
  }
  Write(Seg(1), image + std::string(100, '\0'));
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok()) << r.ToText();
  EXPECT_EQ(r.events, 9u);
}

TEST_F(VerifyTest, UndecodablePayloadWithValidChecksumIsNotOk) {
  Populate(2);
  std::string seg = wal::EncodeSegmentHeader(5);
  wal::AppendFrame(&seg, 100, "not an event batch");
  Write(Seg(5), seg);
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.wal.corrupt);  // the framing is fine; the payload is not
  ASSERT_FALSE(r.problems.empty());
  EXPECT_NE(r.problems[0].find("WAL record 100"), std::string::npos) << r.problems[0];
  EXPECT_EQ(r.events, 6u);
}

TEST_F(VerifyTest, VersionProblems) {
  Populate(1);
  ASSERT_TRUE(Posix()->RemoveFile(fs::JoinPath(DataDir(), "VERSION")).ok());
  VerifyReport missing = Verify();
  EXPECT_FALSE(missing.ok());
  Write(fs::JoinPath(DataDir(), "VERSION"), "agentperf-data 9\n");
  VerifyReport wrong = Verify();
  EXPECT_FALSE(wrong.ok());
  ASSERT_FALSE(wrong.problems.empty());
  EXPECT_NE(wrong.problems[0].find("agentperf-data 9"), std::string::npos);
  Write(fs::JoinPath(DataDir(), "VERSION"), "agentperf-data 1\n");
  EXPECT_TRUE(Verify().ok());
}

TEST_F(VerifyTest, MissingDirectoryIsAnError) {
  VerifyReport r;
  Status st = VerifyDataDir(Posix(), dir_.Sub("nope"), &r);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  // A directory without a WAL yet is sound apart from VERSION.
  ASSERT_TRUE(Posix()->CreateDirs(DataDir()).ok());
  Write(fs::JoinPath(DataDir(), "VERSION"), "agentperf-data 1\n");
  EXPECT_TRUE(Verify().ok());
}

}  // namespace
}  // namespace agentperf::store
