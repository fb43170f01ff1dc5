// ChunkedColumn<T>: an append-only column split into fixed-size chunks that
// never move, so readers can scan rows [0, n) while one writer appends row n+1.
// Chunks that would hold only the default value are not allocated (sparse
// columns such as sample-only metrics cost nothing on other rows).
//
// Chunks are found through a two-level directory (an inline array of pages,
// each page holding kPageChunks chunk pointers, allocated on first use), so
// an empty column costs ~2 KiB instead of a pointer per possible chunk (a
// head has ~40 columns; a flat table cost 512 KiB each, ~21 MiB per head).
//
// Thread-safety: one writer (Set/EnsureRow), any number of readers of rows
// below a row count the writer published with release semantics (see Head).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace agentperf::store {

constexpr int kChunkBits = 14;
constexpr size_t kChunkRows = size_t{1} << kChunkBits;  // rows per chunk (and per scan block)
constexpr size_t kMaxChunks = size_t{1} << 16;           // 1G rows per head
// Directory: kDirPages pages of kPageChunks chunk pointers each.
constexpr int kPageBits = 8;
constexpr size_t kPageChunks = size_t{1} << kPageBits;
constexpr size_t kDirPages = kMaxChunks / kPageChunks;

template <typename T>
class ChunkedColumn {
 public:
  explicit ChunkedColumn(T default_value = T{}) : default_(default_value) {
    for (auto& p : dir_) p.store(nullptr, std::memory_order_relaxed);
  }
  ~ChunkedColumn() {
    for (auto& p : dir_) {
      std::atomic<T*>* page = p.load(std::memory_order_relaxed);
      if (page == nullptr) continue;
      for (size_t i = 0; i < kPageChunks; ++i) delete[] page[i].load(std::memory_order_relaxed);
      delete[] page;
    }
  }
  ChunkedColumn(const ChunkedColumn&) = delete;
  ChunkedColumn& operator=(const ChunkedColumn&) = delete;

  // Writer: sets row `row` (REQUIRES row < kMaxChunks * kChunkRows). Writing
  // the default value into an unallocated chunk allocates nothing.
  void Set(size_t row, T value) {
    const size_t c = row >> kChunkBits;
    std::atomic<T*>* page = dir_[c >> kPageBits].load(std::memory_order_relaxed);
    T* chunk = page != nullptr ? page[c & (kPageChunks - 1)].load(std::memory_order_relaxed) : nullptr;
    if (chunk == nullptr) {
      if (std::memcmp(&value, &default_, sizeof(T)) == 0) return;  // bitwise: NaN defaults too
      chunk = Allocate(c);
    }
    chunk[row & (kChunkRows - 1)] = value;
  }

  // Reader: the chunk holding rows [c*kChunkRows, (c+1)*kChunkRows), or null
  // if every row in it has the default value.
  const T* Chunk(size_t c) const {
    const std::atomic<T*>* page = dir_[c >> kPageBits].load(std::memory_order_acquire);
    return page != nullptr ? page[c & (kPageChunks - 1)].load(std::memory_order_acquire) : nullptr;
  }
  T Get(size_t row) const {
    const T* chunk = Chunk(row >> kChunkBits);
    return chunk ? chunk[row & (kChunkRows - 1)] : default_;
  }
  T default_value() const { return default_; }
  // Writer (or REQUIRES no concurrent writer): bytes allocated, including the directory.
  size_t bytes() const { return bytes_ + sizeof(dir_); }

 private:
  T* Allocate(size_t c) {
    std::atomic<std::atomic<T*>*>& slot = dir_[c >> kPageBits];
    std::atomic<T*>* page = slot.load(std::memory_order_relaxed);
    if (page == nullptr) {
      page = new std::atomic<T*>[kPageChunks];
      for (size_t i = 0; i < kPageChunks; ++i) page[i].store(nullptr, std::memory_order_relaxed);
      slot.store(page, std::memory_order_release);
      bytes_ += kPageChunks * sizeof(std::atomic<T*>);
    }
    T* chunk = new T[kChunkRows];
    for (size_t i = 0; i < kChunkRows; ++i) chunk[i] = default_;
    page[c & (kPageChunks - 1)].store(chunk, std::memory_order_release);
    bytes_ += kChunkRows * sizeof(T);
    return chunk;
  }

  T default_;
  std::array<std::atomic<std::atomic<T*>*>, kDirPages> dir_;
  size_t bytes_ = 0;  // writer-only
};

}  // namespace agentperf::store
