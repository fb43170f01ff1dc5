// Tests for ChunkedColumn: sparse chunk allocation, defaults (including NaN),
// and reads of published rows while one writer appends.
#include "store/head/chunked_column.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <thread>

namespace agentperf::store {
namespace {

TEST(ChunkedColumnTest, UnsetRowsReadAsDefaultWithoutAllocating) {
  ChunkedColumn<int64_t> col(-1);
  const size_t base = col.bytes();
  // Only the directory: pages of chunk pointers are allocated on first use.
  EXPECT_LE(base, kDirPages * sizeof(void*) + 64);
  EXPECT_EQ(col.default_value(), -1);
  EXPECT_EQ(col.Get(0), -1);
  EXPECT_EQ(col.Get(kChunkRows * 1000 + 7), -1);
  EXPECT_EQ(col.Chunk(0), nullptr);
  // Writing the default into an empty chunk allocates nothing.
  for (size_t r = 0; r < 3 * kChunkRows; r += 97) col.Set(r, -1);
  EXPECT_EQ(col.Chunk(0), nullptr);
  EXPECT_EQ(col.Chunk(1), nullptr);
  EXPECT_EQ(col.bytes(), base);
}

TEST(ChunkedColumnTest, OnlyTouchedChunksAreAllocated) {
  ChunkedColumn<int64_t> col(0);
  const size_t base = col.bytes();
  const size_t row = 5 * kChunkRows + 3;
  col.Set(row, 42);
  const size_t page = kPageChunks * sizeof(void*);
  EXPECT_EQ(col.bytes(), base + page + kChunkRows * sizeof(int64_t));
  EXPECT_EQ(col.Chunk(4), nullptr);
  EXPECT_EQ(col.Chunk(6), nullptr);
  const int64_t* chunk = col.Chunk(5);
  ASSERT_NE(chunk, nullptr);
  EXPECT_EQ(chunk[3], 42);
  EXPECT_EQ(col.Get(row), 42);
  // The rest of the chunk holds the default.
  EXPECT_EQ(col.Get(5 * kChunkRows), 0);
  EXPECT_EQ(col.Get(6 * kChunkRows - 1), 0);
  EXPECT_EQ(chunk[kChunkRows - 1], 0);
  // Writing the default into an allocated chunk overwrites.
  col.Set(row, 0);
  EXPECT_EQ(col.Get(row), 0);
  col.Set(row + 1, 7);
  EXPECT_EQ(col.Chunk(5), chunk);  // chunks never move
  EXPECT_EQ(col.bytes(), base + page + kChunkRows * sizeof(int64_t));
  // Chunk boundaries.
  col.Set(kChunkRows - 1, 1);
  col.Set(kChunkRows, 2);
  EXPECT_EQ(col.Get(kChunkRows - 1), 1);
  EXPECT_EQ(col.Get(kChunkRows), 2);
  EXPECT_EQ(col.Chunk(0)[kChunkRows - 1], 1);
  EXPECT_EQ(col.Chunk(1)[0], 2);
}

TEST(ChunkedColumnTest, ChunksInDifferentDirectoryPages) {
  ChunkedColumn<uint32_t> col(0);
  const size_t base = col.bytes();
  // Chunks on both sides of a page boundary and far away.
  const size_t rows[] = {(kPageChunks - 1) * kChunkRows + 5, kPageChunks * kChunkRows + 6,
                         (3 * kPageChunks + 17) * kChunkRows};
  uint32_t v = 1;
  for (size_t r : rows) col.Set(r, v++);
  v = 1;
  for (size_t r : rows) {
    EXPECT_EQ(col.Get(r), v++);
    EXPECT_EQ(col.Get(r + 1), 0u);
  }
  EXPECT_EQ(col.Chunk(kPageChunks + 1), nullptr);
  EXPECT_EQ(col.Chunk(2 * kPageChunks), nullptr);
  EXPECT_EQ(col.bytes(), base + 3 * kPageChunks * sizeof(void*) + 3 * kChunkRows * sizeof(uint32_t));
}

TEST(ChunkedColumnTest, LastRowIsAddressable) {
  ChunkedColumn<uint8_t> col(0);
  const size_t last = kMaxChunks * kChunkRows - 1;
  col.Set(last, 9);
  EXPECT_EQ(col.Get(last), 9);
  EXPECT_EQ(col.Get(last - 1), 0);
  ASSERT_NE(col.Chunk(kMaxChunks - 1), nullptr);
}

TEST(ChunkedColumnTest, NaNDefaultForDoubles) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ChunkedColumn<double> col(nan);
  const size_t base = col.bytes();
  EXPECT_TRUE(std::isnan(col.Get(10)));
  EXPECT_TRUE(std::isnan(col.default_value()));
  // NaN != NaN, but writing the default NaN must still allocate nothing.
  col.Set(10, nan);
  EXPECT_EQ(col.Chunk(0), nullptr);
  EXPECT_EQ(col.bytes(), base);
  col.Set(11, 1.5);
  ASSERT_NE(col.Chunk(0), nullptr);
  EXPECT_EQ(col.Get(11), 1.5);
  EXPECT_TRUE(std::isnan(col.Get(10)));
  EXPECT_TRUE(std::isnan(col.Get(12)));
  EXPECT_TRUE(std::isnan(col.Chunk(0)[kChunkRows - 1]));
  col.Set(11, nan);
  EXPECT_TRUE(std::isnan(col.Get(11)));
}

TEST(ChunkedColumnTest, ComparisonWithDefaultIsBitwise) {
  ChunkedColumn<double> col(0.0);
  col.Set(3, -0.0);  // == 0.0 numerically, but a different value to store
  ASSERT_NE(col.Chunk(0), nullptr);
  EXPECT_TRUE(std::signbit(col.Get(3)));
  EXPECT_FALSE(std::signbit(col.Get(4)));
}

TEST(ChunkedColumnTest, StructValues) {
  struct Pair {
    uint32_t a = 0;
    uint32_t b = 0;
  };
  ChunkedColumn<Pair> col;
  col.Set(1, Pair{});
  EXPECT_EQ(col.Chunk(0), nullptr);
  col.Set(2, Pair{1, 2});
  EXPECT_EQ(col.Get(2).a, 1u);
  EXPECT_EQ(col.Get(2).b, 2u);
  EXPECT_EQ(col.Get(1).a, 0u);
}

TEST(ChunkedColumnTest, ReaderSeesEveryPublishedRowFullyWritten) {
  // One writer fills rows and publishes a count with release semantics (as
  // the Head does); a reader checks every row below the count it observed.
  ChunkedColumn<uint64_t> col(0);
  std::atomic<size_t> published{0};
  constexpr size_t kRows = 4 * kChunkRows + 123;
  std::atomic<bool> failed{false};
  std::thread reader([&] {
    size_t seen = 0;
    size_t checked = 0;
    while (seen < kRows && !failed.load()) {
      size_t n = published.load(std::memory_order_acquire);
      ASSERT_GE(n, seen);
      for (size_t r = checked; r < n; ++r) {
        uint64_t v = col.Get(r);
        if (v != r * 2654435761u + 1) {
          failed.store(true);
          ADD_FAILURE() << "row " << r << " read " << v;
          break;
        }
      }
      // Re-check a sample of older rows: published values never change.
      for (size_t r = 0; r < n; r += 4099) {
        if (col.Get(r) != r * 2654435761u + 1) failed.store(true);
      }
      checked = n;
      seen = n;
    }
  });
  for (size_t r = 0; r < kRows; ++r) {
    col.Set(r, r * 2654435761u + 1);
    if (r % 37 == 0 || r + 1 == kRows) published.store(r + 1, std::memory_order_release);
  }
  reader.join();
  EXPECT_FALSE(failed.load());
}

}  // namespace
}  // namespace agentperf::store
