// ChunkedColumn<T>: an append-only column split into fixed-size chunks that
// never move, so readers can scan rows [0, n) while one writer appends row n+1.
// Chunks that would hold only the default value are not allocated (sparse
// columns such as sample-only metrics cost nothing on other rows).
//
// Thread-safety: one writer (Set/EnsureRow), any number of readers of rows
// below a row count the writer published with release semantics (see Head).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace agentperf::store {

constexpr int kChunkBits = 14;
constexpr size_t kChunkRows = size_t{1} << kChunkBits;  // rows per chunk (and per scan block)
constexpr size_t kMaxChunks = size_t{1} << 16;           // 1G rows per head

template <typename T>
class ChunkedColumn {
 public:
  explicit ChunkedColumn(T default_value = T{}) : default_(default_value), chunks_(new std::atomic<T*>[kMaxChunks]) {
    for (size_t i = 0; i < kMaxChunks; ++i) chunks_[i].store(nullptr, std::memory_order_relaxed);
  }
  ~ChunkedColumn() {
    for (size_t i = 0; i < kMaxChunks; ++i) delete[] chunks_[i].load(std::memory_order_relaxed);
  }
  ChunkedColumn(const ChunkedColumn&) = delete;
  ChunkedColumn& operator=(const ChunkedColumn&) = delete;

  // Writer: sets row `row` (REQUIRES row < kMaxChunks * kChunkRows). Writing
  // the default value into an unallocated chunk allocates nothing.
  void Set(size_t row, T value) {
    size_t c = row >> kChunkBits;
    T* chunk = chunks_[c].load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      if (std::memcmp(&value, &default_, sizeof(T)) == 0) return;  // bitwise: NaN defaults too
      chunk = new T[kChunkRows];
      for (size_t i = 0; i < kChunkRows; ++i) chunk[i] = default_;
      chunks_[c].store(chunk, std::memory_order_release);
      bytes_ += kChunkRows * sizeof(T);
    }
    chunk[row & (kChunkRows - 1)] = value;
  }

  // Reader: the chunk holding rows [c*kChunkRows, (c+1)*kChunkRows), or null
  // if every row in it has the default value.
  const T* Chunk(size_t c) const { return chunks_[c].load(std::memory_order_acquire); }
  T Get(size_t row) const {
    const T* chunk = Chunk(row >> kChunkBits);
    return chunk ? chunk[row & (kChunkRows - 1)] : default_;
  }
  T default_value() const { return default_; }
  size_t bytes() const { return bytes_ + kMaxChunks * sizeof(void*); }

 private:
  T default_;
  std::unique_ptr<std::atomic<T*>[]> chunks_;
  size_t bytes_ = 0;  // writer-only
};

}  // namespace agentperf::store
