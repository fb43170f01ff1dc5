// StringDict: interns strings as dense uint32 codes (0 is reserved for
// "absent"), append-only, for dictionary-coded label and id columns.
//
// Thread-safety: Intern() and Find() need external synchronisation (the Head
// serialises them with one mutex per batch). Get(code) is lock-free and may
// run concurrently with Intern() for any code below a size() the reader
// observed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
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

  // REQUIRES external synchronisation; !s.empty(). Returns the code of s,
  // adding it if new.
  uint32_t Intern(std::string_view s) { return Intern(s, Hash32(s)); }
  // Same, with h == Hash32(s) computed earlier (see Prefetch).
  uint32_t Intern(std::string_view s, uint32_t h);
  // Starts loading the table slot where a string of hash h lives (callers
  // interning many strings prefetch a few ahead to hide cache misses).
  void Prefetch(uint32_t h) const { __builtin_prefetch(&table_[h & (table_.size() - 1)]); }
  static uint32_t Hash32(std::string_view s);
  // REQUIRES external synchronisation. Code of s, or 0 if absent.
  uint32_t Find(std::string_view s) const;
  // Lock-free, REQUIRES code < size(). Code 0 gives "".
  std::string_view Get(uint32_t code) const {
    if (code == 0) return {};
    const Entry& e = entries_.Chunk(code >> kChunkBits)[code & (kChunkRows - 1)];
    return {e.data, e.size};
  }
  // Number of codes including the reserved 0 (acquire: entries below are readable).
  uint32_t size() const { return size_.load(std::memory_order_acquire); }
  // REQUIRES external synchronisation.
  size_t MemoryBytes() const;

  // query::Dictionary:
  std::string_view Lookup(uint32_t code) const override { return Get(code); }
  uint32_t Size() const override { return size(); }

 private:
  struct Entry {
    const char* data = nullptr;
    uint32_t size = 0;
    uint32_t pad = 0;
  };
  // Slots hold (hash32 << 32) | code; 0 = empty. The hash both places the
  // slot and filters probes without touching the strings.
  uint32_t Probe(std::string_view s, uint32_t h, size_t* slot) const;
  void Grow();
  const char* Store(std::string_view s);

  std::vector<uint64_t> table_;
  ChunkedColumn<Entry> entries_;
  std::atomic<uint32_t> size_{1};
  std::vector<std::unique_ptr<char[]>> blocks_;  // string bytes
  char* cur_ = nullptr;
  size_t left_ = 0;
  size_t string_bytes_ = 0;
  size_t block_bytes_ = 0;  // allocated for string bytes (>= string_bytes_)
};

}  // namespace agentperf::store
