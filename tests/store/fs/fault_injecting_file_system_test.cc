// Tests for FaultInjectingFileSystem: the tool the crash tests rely on, so its
// own behaviour (exact fault counts, short writes, freezing, crash cuts) is
// pinned down here.
#include "store/fs/fault_injecting_file_system.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "testing/temp_dir.h"

namespace agentperf::fs {
namespace {

using testing::TempDir;

class FaultFsTest : public ::testing::Test {
 protected:
  std::string Read(const std::string& name) {
    std::string out;
    Status st = ReadFileToString(base_, dir_.Sub(name), &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  std::unique_ptr<WritableFile> Open(const std::string& name) {
    auto f = faults_.NewWritableFile(dir_.Sub(name));
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(f).value() : nullptr;
  }

  TempDir dir_;
  FileSystem* base_ = DefaultFileSystem();
  FaultInjectingFileSystem faults_{DefaultFileSystem()};
};

TEST_F(FaultFsTest, PassesThroughWithoutFaults) {
  auto f = Open("a");
  ASSERT_TRUE(f);
  ASSERT_TRUE(f->Append("abc").ok());
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_EQ(f->Size(), 3u);
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(Read("a"), "abc");
  EXPECT_TRUE(faults_.FileExists(dir_.Sub("a")));
  EXPECT_EQ(*faults_.FileSize(dir_.Sub("a")), 3u);
  ASSERT_TRUE(faults_.CreateDirs(dir_.Sub("d/e")).ok());
  ASSERT_TRUE(faults_.RenameFile(dir_.Sub("a"), dir_.Sub("d/e/b")).ok());
  EXPECT_EQ(Read("d/e/b"), "abc");
  ASSERT_TRUE(faults_.TruncateFile(dir_.Sub("d/e/b"), 1).ok());
  EXPECT_EQ(Read("d/e/b"), "a");
  ASSERT_TRUE(faults_.RemoveFile(dir_.Sub("d/e/b")).ok());
  EXPECT_FALSE(faults_.FileExists(dir_.Sub("d/e/b")));
  EXPECT_EQ(faults_.sync_calls(), 1u);
  EXPECT_EQ(faults_.failed_syncs(), 0u);
}

TEST_F(FaultFsTest, FailSyncsFailsExactlyN) {
  auto f = Open("a");
  ASSERT_TRUE(f);
  ASSERT_TRUE(f->Append("x").ok());
  faults_.FailSyncs(2);
  Status s1 = f->Sync();
  Status s2 = faults_.SyncDir(dir_.path());  // directory syncs count too
  Status s3 = f->Sync();
  Status s4 = f->Sync();
  EXPECT_EQ(s1.code(), StatusCode::kIOError);
  EXPECT_EQ(s2.code(), StatusCode::kIOError);
  EXPECT_TRUE(s3.ok()) << s3.ToString();
  EXPECT_TRUE(s4.ok());
  EXPECT_EQ(faults_.sync_calls(), 4u);
  EXPECT_EQ(faults_.failed_syncs(), 2u);
  // Appends are unaffected by sync faults.
  faults_.FailSyncs(1);
  EXPECT_TRUE(f->Append("y").ok());
  EXPECT_FALSE(f->Sync().ok());
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_EQ(Read("a"), "xy");
}

TEST_F(FaultFsTest, FailSyncsNegativeFailsUntilCleared) {
  auto f = Open("a");
  ASSERT_TRUE(f);
  faults_.FailSyncs(-1);
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(f->Sync().ok());
  EXPECT_EQ(faults_.failed_syncs(), 20u);
  faults_.ClearFaults();
  EXPECT_TRUE(f->Sync().ok());
}

TEST_F(FaultFsTest, SetSpaceLeftWritesWhatFitsThenResourceExhausted) {
  auto f = Open("a");
  ASSERT_TRUE(f);
  faults_.SetSpaceLeft(10);
  ASSERT_TRUE(f->Append("0123").ok());
  Status st = f->Append("456789ABCD");
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_EQ(f->Size(), 10u);
  EXPECT_EQ(Read("a"), "0123456789");  // a short, torn write
  EXPECT_EQ(f->Append("Z").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(f->Size(), 10u);
  // The budget is shared across files.
  auto g = Open("b");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->Append("q").code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(g->Append("").ok());
  // Other operations still work: the disk is full, not frozen.
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_TRUE(f->Truncate(4).ok());
  EXPECT_EQ(Read("a"), "0123");
  faults_.ClearFaults();
  EXPECT_TRUE(f->Append("ok").ok());
  EXPECT_EQ(Read("a"), "0123ok");
}

TEST_F(FaultFsTest, FreezeAfterCutsTheCrossingAppendAndFailsLaterCalls) {
  auto f = Open("a");
  ASSERT_TRUE(f);
  ASSERT_TRUE(f->Append("head").ok());
  ASSERT_TRUE(f->Sync().ok());
  faults_.FreezeAfter(6);
  ASSERT_TRUE(f->Append("0123").ok());
  EXPECT_FALSE(faults_.frozen());
  Status st = f->Append("456789");
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_TRUE(faults_.frozen());
  EXPECT_EQ(Read("a"), "head012345");
  // Every later mutating call fails.
  EXPECT_FALSE(f->Append("x").ok());
  EXPECT_FALSE(f->Sync().ok());
  EXPECT_FALSE(f->Truncate(0).ok());
  EXPECT_FALSE(faults_.NewWritableFile(dir_.Sub("b")).ok());
  EXPECT_FALSE(faults_.CreateDirs(dir_.Sub("d")).ok());
  EXPECT_FALSE(faults_.RenameFile(dir_.Sub("a"), dir_.Sub("c")).ok());
  EXPECT_FALSE(faults_.RemoveFile(dir_.Sub("a")).ok());
  EXPECT_FALSE(faults_.TruncateFile(dir_.Sub("a"), 0).ok());
  EXPECT_FALSE(faults_.SyncDir(dir_.path()).ok());
  EXPECT_EQ(Read("a"), "head012345");
  EXPECT_FALSE(faults_.FileExists(dir_.Sub("b")));
  // Reads still work.
  std::string out;
  EXPECT_TRUE(ReadFileToString(&faults_, dir_.Sub("a"), &out).ok());
  EXPECT_EQ(out, "head012345");
  ASSERT_TRUE(faults_.SimulateCrash(false, 1).ok());
  EXPECT_FALSE(faults_.frozen());
  EXPECT_EQ(Read("a"), "head");
}

TEST_F(FaultFsTest, FreezeAtExactBoundaryFreezes) {
  auto f = Open("a");
  ASSERT_TRUE(f);
  faults_.FreezeAfter(3);
  EXPECT_FALSE(f->Append("abc").ok());
  EXPECT_TRUE(faults_.frozen());
  EXPECT_EQ(Read("a"), "abc");
  faults_.ClearFaults();
  EXPECT_FALSE(faults_.frozen());
  EXPECT_TRUE(f->Append("d").ok());
}

TEST_F(FaultFsTest, FreezeAfterZeroWritesNothing) {
  auto f = Open("a");
  ASSERT_TRUE(f);
  faults_.FreezeAfter(0);
  EXPECT_FALSE(f->Append("abc").ok());
  EXPECT_TRUE(faults_.frozen());
  EXPECT_EQ(Read("a"), "");
}

TEST_F(FaultFsTest, SimulateCrashCutsToSyncedLength) {
  auto a = Open("a");
  auto b = Open("b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Append("durable").ok());
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(a->Append("-volatile").ok());
  ASSERT_TRUE(b->Append("never synced").ok());
  // A file written directly through the base is not tracked.
  {
    auto c = base_->NewWritableFile(dir_.Sub("c"));
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Append("untracked").ok());
  }
  faults_.FailSyncs(5);
  faults_.SetSpaceLeft(0);
  ASSERT_TRUE(faults_.SimulateCrash(false, 42).ok());
  EXPECT_EQ(Read("a"), "durable");
  EXPECT_EQ(Read("b"), "");
  EXPECT_EQ(Read("c"), "untracked");
  // Faults are cleared by the crash.
  auto d = Open("d");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->Append("x").ok());
  EXPECT_TRUE(d->Sync().ok());
}

TEST_F(FaultFsTest, SimulateCrashTornKeepsAPrefixOfUnsyncedBytes) {
  const std::string synced = "SYNCED:";
  const std::string unsynced = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::set<size_t> kept_lengths;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    std::string name = "f" + std::to_string(seed);
    // One file per file system, so the seed alone decides the cut.
    FaultInjectingFileSystem one(base_);
    auto g = one.NewWritableFile(dir_.Sub(name + ".g"));
    ASSERT_TRUE(g.ok());
    ASSERT_TRUE((*g)->Append(synced).ok());
    ASSERT_TRUE((*g)->Sync().ok());
    ASSERT_TRUE((*g)->Append(unsynced).ok());
    ASSERT_TRUE(one.SimulateCrash(true, seed).ok());
    std::string got = Read(name + ".g");
    ASSERT_GE(got.size(), synced.size());
    ASSERT_LE(got.size(), synced.size() + unsynced.size());
    EXPECT_EQ(got, (synced + unsynced).substr(0, got.size()));  // a prefix, never garbage
    kept_lengths.insert(got.size() - synced.size());

    // Same seed, same cut.
    FaultInjectingFileSystem again(base_);
    auto h = again.NewWritableFile(dir_.Sub(name + ".h"));
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE((*h)->Append(synced).ok());
    ASSERT_TRUE((*h)->Sync().ok());
    ASSERT_TRUE((*h)->Append(unsynced).ok());
    ASSERT_TRUE(again.SimulateCrash(true, seed).ok());
    EXPECT_EQ(Read(name + ".h"), got);
  }
  // The torn cut actually varies and lands strictly inside the unsynced bytes.
  EXPECT_GT(kept_lengths.size(), 10u);
  bool strictly_inside = false;
  for (size_t k : kept_lengths) strictly_inside |= k > 0 && k < unsynced.size();
  EXPECT_TRUE(strictly_inside);
}

TEST_F(FaultFsTest, SimulateCrashFollowsRenamesAndTruncates) {
  auto f = Open("tmp");
  ASSERT_TRUE(f);
  ASSERT_TRUE(f->Append("0123456789").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Close().ok());
  ASSERT_TRUE(faults_.RenameFile(dir_.Sub("tmp"), dir_.Sub("final")).ok());
  ASSERT_TRUE(faults_.TruncateFile(dir_.Sub("final"), 4).ok());
  ASSERT_TRUE(faults_.SimulateCrash(true, 7).ok());
  EXPECT_EQ(Read("final"), "0123");  // truncate lowered the synced length

  auto g = Open("g");
  ASSERT_TRUE(g);
  ASSERT_TRUE(g->Append("abcdef").ok());
  ASSERT_TRUE(g->Sync().ok());
  ASSERT_TRUE(g->Append("ghij").ok());
  ASSERT_TRUE(g->Truncate(8).ok());  // drops unsynced bytes only
  ASSERT_TRUE(faults_.SimulateCrash(false, 0).ok());
  EXPECT_EQ(Read("g"), "abcdef");
  // A removed file stays removed.
  ASSERT_TRUE(faults_.RemoveFile(dir_.Sub("g")).ok());
  ASSERT_TRUE(faults_.SimulateCrash(true, 0).ok());
  EXPECT_FALSE(base_->FileExists(dir_.Sub("g")));
}

TEST_F(FaultFsTest, WriteFileAtomicallyFailsCleanlyOnSyncFailure) {
  faults_.FailSyncs(1);
  EXPECT_FALSE(WriteFileAtomically(&faults_, dir_.Sub("V"), "v1").ok());
  EXPECT_FALSE(base_->FileExists(dir_.Sub("V")));  // never renamed into place
  ASSERT_TRUE(WriteFileAtomically(&faults_, dir_.Sub("V"), "v2").ok());
  ASSERT_TRUE(faults_.SimulateCrash(false, 0).ok());
  EXPECT_EQ(Read("V"), "v2");
}

}  // namespace
}  // namespace agentperf::fs
