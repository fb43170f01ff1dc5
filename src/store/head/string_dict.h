// StringDict: interns strings as dense uint32 codes (0 is reserved for
// "absent"), append-only, for dictionary-coded label and id columns.
//
// Thread-safety: one writer calls Intern(); readers may call Get(code) for any
// code below a size() they observed, concurrently with the writer, without
// locks. Find() is safe from any thread (it takes a mutex shared with Intern).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

#include "query/block.h"
#include "store/head/chunked_column.h"

namespace agentperf::store {

class StringDict final : public query::Dictionary {
 public:
  StringDict();
  StringDict(const StringDict&) = delete;
  StringDict& operator=(const StringDict&) = delete;

  // Writer only. Returns the code of s (REQUIRES !s.empty()), adding it if new.
  uint32_t Intern(std::string_view s);
  // Any thread. Code of s, or 0 if absent.
  uint32_t Find(std::string_view s) const;
  // Any thread, REQUIRES code < size(). Code 0 gives "".
  std::string_view Get(uint32_t code) const {
    if (code == 0) return {};
    const Entry* chunk = entries_.Chunk(code >> kChunkBits);
    const Entry& e = chunk[code & (kChunkRows - 1)];
    return {e.data, e.size};
  }
  // Number of codes including the reserved 0 (acquire: entries below are readable).
  uint32_t size() const { return size_.load(std::memory_order_acquire); }
  size_t MemoryBytes() const;

  // query::Dictionary:
  std::string_view Lookup(uint32_t code) const override { return Get(code); }
  uint32_t Size() const override { return size(); }

 private:
  struct Entry {
    const char* data = nullptr;
    uint32_t size = 0;
    uint32_t hash32 = 0;
    bool operator==(const Entry& o) const { return data == o.data && size == o.size; }
  };
  uint32_t FindLocked(std::string_view s, uint64_t h, size_t* slot) const;
  void Grow();
  const char* Store(std::string_view s);

  mutable std::mutex mu_;          // guards table_ (and serialises Intern against Find)
  std::vector<uint32_t> table_;    // open addressing: code, or 0 for empty
  ChunkedColumn<Entry> entries_;
  std::atomic<uint32_t> size_{1};
  std::vector<std::unique_ptr<char[]>> blocks_;  // string bytes, writer-only
  char* cur_ = nullptr;
  size_t left_ = 0;
  size_t string_bytes_ = 0;
};

}  // namespace agentperf::store
