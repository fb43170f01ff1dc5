// Tests for the POSIX FileSystem and the helpers built on the interface.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/fs/file_system.h"
#include "testing/temp_dir.h"

namespace agentperf::fs {
namespace {

using testing::TempDir;

std::string ReadAll(FileSystem* fs, const std::string& path) {
  std::string out;
  Status st = ReadFileToString(fs, path, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

void WriteAll(FileSystem* fs, const std::string& path, std::string_view data) {
  auto f = fs->NewWritableFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE((*f)->Append(data).ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Close().ok());
}

TEST(PosixFileSystemTest, WriteSyncReadBack) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  std::string path = dir.Sub("a.bin");
  auto f = fs->NewWritableFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)->Size(), 0u);
  ASSERT_TRUE((*f)->Append("hello ").ok());
  ASSERT_TRUE((*f)->Append(std::string(100000, 'x')).ok());
  EXPECT_EQ((*f)->Size(), 100006u);
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Close().ok());
  ASSERT_TRUE((*f)->Close().ok());  // a second close is harmless

  EXPECT_TRUE(fs->FileExists(path));
  auto size = fs->FileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 100006u);
  std::string got = ReadAll(fs, path);
  EXPECT_EQ(got, "hello " + std::string(100000, 'x'));

  // Random access reads, including past the end.
  auto ra = fs->NewRandomAccessFile(path);
  ASSERT_TRUE(ra.ok());
  EXPECT_EQ((*ra)->Size(), 100006u);
  char scratch[16];
  std::string_view r;
  ASSERT_TRUE((*ra)->Read(0, 5, &r, scratch).ok());
  EXPECT_EQ(r, "hello");
  ASSERT_TRUE((*ra)->Read(100000, 16, &r, scratch).ok());
  EXPECT_EQ(r, "xxxxxx");
  ASSERT_TRUE((*ra)->Read(200000, 16, &r, scratch).ok());
  EXPECT_TRUE(r.empty());

  // Sequential reads in small pieces, then EOF.
  auto sf = fs->NewSequentialFile(path);
  ASSERT_TRUE(sf.ok());
  ASSERT_TRUE((*sf)->Read(6, &r, scratch).ok());
  EXPECT_EQ(r, "hello ");
  size_t total = 6;
  for (;;) {
    ASSERT_TRUE((*sf)->Read(sizeof(scratch), &r, scratch).ok());
    if (r.empty()) break;
    total += r.size();
  }
  EXPECT_EQ(total, 100006u);
}

TEST(PosixFileSystemTest, NewWritableFileTruncatesExisting) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  std::string path = dir.Sub("t");
  WriteAll(fs, path, "a long first version");
  WriteAll(fs, path, "short");
  EXPECT_EQ(ReadAll(fs, path), "short");
}

TEST(PosixFileSystemTest, MissingFilesAreNotFound) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  std::string path = dir.Sub("missing");
  EXPECT_FALSE(fs->FileExists(path));
  EXPECT_EQ(fs->FileSize(path).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs->NewSequentialFile(path).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs->NewRandomAccessFile(path).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs->RemoveFile(path).code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs->ListDir(dir.Sub("nodir")).ok());
  std::string out = "stale";
  EXPECT_FALSE(ReadFileToString(fs, path, &out).ok());
}

TEST(PosixFileSystemTest, RenameReplacesTarget) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  WriteAll(fs, dir.Sub("from"), "new");
  WriteAll(fs, dir.Sub("to"), "old contents");
  ASSERT_TRUE(fs->RenameFile(dir.Sub("from"), dir.Sub("to")).ok());
  EXPECT_FALSE(fs->FileExists(dir.Sub("from")));
  EXPECT_EQ(ReadAll(fs, dir.Sub("to")), "new");
  EXPECT_FALSE(fs->RenameFile(dir.Sub("from"), dir.Sub("to")).ok());
  ASSERT_TRUE(fs->SyncDir(dir.path()).ok());
  EXPECT_FALSE(fs->SyncDir(dir.Sub("nodir")).ok());
}

TEST(PosixFileSystemTest, ListDirAndRemove) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  WriteAll(fs, dir.Sub("b"), "1");
  WriteAll(fs, dir.Sub("a"), "2");
  ASSERT_TRUE(fs->CreateDirs(dir.Sub("sub")).ok());
  auto names = fs->ListDir(dir.path());
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b", "sub"}));
  ASSERT_TRUE(fs->RemoveFile(dir.Sub("a")).ok());
  names = fs->ListDir(dir.path());
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"b", "sub"}));
  auto empty = fs->ListDir(dir.Sub("sub"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(PosixFileSystemTest, CreateDirsNestedAndIdempotent) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  std::string deep = dir.Sub("x/y/z/w");
  ASSERT_TRUE(fs->CreateDirs(deep).ok());
  EXPECT_TRUE(fs->FileExists(dir.Sub("x/y")));
  ASSERT_TRUE(fs->CreateDirs(deep).ok());  // exists: OK
  ASSERT_TRUE(fs->CreateDirs(deep + "/").ok());
  WriteAll(fs, deep + "/f", "data");
  EXPECT_EQ(ReadAll(fs, deep + "/f"), "data");
  // A regular file in the way is an error.
  EXPECT_FALSE(fs->CreateDirs(deep + "/f").ok());
  EXPECT_FALSE(fs->CreateDirs(deep + "/f/g").ok());
  EXPECT_TRUE(fs->CreateDirs("").ok());
}

TEST(PosixFileSystemTest, TruncateFileAndWritableTruncate) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  std::string path = dir.Sub("t");
  WriteAll(fs, path, "0123456789");
  ASSERT_TRUE(fs->TruncateFile(path, 4).ok());
  EXPECT_EQ(ReadAll(fs, path), "0123");
  EXPECT_FALSE(fs->TruncateFile(dir.Sub("missing"), 0).ok());

  // Truncating an open writable file moves the write position too.
  auto f = fs->NewWritableFile(path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("abcdefgh").ok());
  ASSERT_TRUE((*f)->Truncate(3).ok());
  EXPECT_EQ((*f)->Size(), 3u);
  ASSERT_TRUE((*f)->Append("XY").ok());
  EXPECT_EQ((*f)->Size(), 5u);
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(ReadAll(fs, path), "abcXY");
}

TEST(PosixFileSystemTest, LockFileIsExclusiveWithinTheProcess) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  std::string path = dir.Sub("LOCK");
  auto first = fs->LockFile(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(fs->FileExists(path));
  auto second = fs->LockFile(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find(path), std::string::npos) << second.status().ToString();
  // Still refused while the first is held.
  EXPECT_FALSE(fs->LockFile(path).ok());
  // Another path is independent.
  auto other = fs->LockFile(dir.Sub("LOCK2"));
  EXPECT_TRUE(other.ok());
  // Released on destruction.
  first.value().reset();
  auto third = fs->LockFile(path);
  EXPECT_TRUE(third.ok()) << third.status().ToString();
}

TEST(PosixFileSystemTest, LockFileInMissingDirectoryFails) {
  TempDir dir;
  auto lock = DefaultFileSystem()->LockFile(dir.Sub("no/such/LOCK"));
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.status().code(), StatusCode::kFailedPrecondition);
}

TEST(PosixFileSystemTest, WriteFileAtomically) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  std::string path = dir.Sub("VERSION");
  ASSERT_TRUE(WriteFileAtomically(fs, path, "one\n").ok());
  EXPECT_EQ(ReadAll(fs, path), "one\n");
  ASSERT_TRUE(WriteFileAtomically(fs, path, "two").ok());
  EXPECT_EQ(ReadAll(fs, path), "two");
  EXPECT_FALSE(fs->FileExists(path + ".tmp"));  // the temporary was renamed away
  auto names = fs->ListDir(dir.path());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"VERSION"});
  ASSERT_TRUE(WriteFileAtomically(fs, path, "").ok());
  EXPECT_EQ(ReadAll(fs, path), "");
  EXPECT_FALSE(WriteFileAtomically(fs, dir.Sub("no/such/file"), "x").ok());
}

TEST(PosixFileSystemTest, PathHelpers) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(DirName("c"), ".");
}

}  // namespace
}  // namespace agentperf::fs
