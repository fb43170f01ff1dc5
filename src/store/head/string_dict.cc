#include "store/head/string_dict.h"

#include <cstring>

#include "core/hash.h"

namespace agentperf::store {

StringDict::StringDict() : table_(64, 0) {}

// Always odd (never 0): callers such as Head::Apply use 0 for "no hash" and
// pass Hash32(s) | 1 to Intern, so Find must probe with the same value.
uint32_t StringDict::Hash32(std::string_view s) { return static_cast<uint32_t>(Hash64(s) >> 32) | 1; }

const char* StringDict::Store(std::string_view s) {
  constexpr size_t kBlock = 256 * 1024;
  if (s.size() > left_) {
    size_t n = s.size() > kBlock / 8 ? s.size() : kBlock;
    blocks_.emplace_back(new char[n]);
    block_bytes_ += n;
    cur_ = blocks_.back().get();
    left_ = n;
  }
  std::memcpy(cur_, s.data(), s.size());
  const char* p = cur_;
  cur_ += s.size();
  left_ -= s.size();
  string_bytes_ += s.size();
  return p;
}

uint32_t StringDict::Probe(std::string_view s, uint32_t h, size_t* slot) const {
  const size_t mask = table_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint64_t v = table_[i];
    if (v == 0) {
      *slot = i;
      return 0;
    }
    if (static_cast<uint32_t>(v >> 32) != h) continue;
    auto code = static_cast<uint32_t>(v);
    std::string_view have = Get(code);
    if (have.size() == s.size() && std::memcmp(have.data(), s.data(), s.size()) == 0) return code;
  }
}

void StringDict::Grow() {
  std::vector<uint64_t> bigger(table_.size() * 2, 0);
  const size_t mask = bigger.size() - 1;
  for (uint64_t v : table_) {
    if (v == 0) continue;
    size_t i = static_cast<uint32_t>(v >> 32) & mask;
    while (bigger[i] != 0) i = (i + 1) & mask;
    bigger[i] = v;
  }
  table_.swap(bigger);
}

uint32_t StringDict::Intern(std::string_view s, uint32_t h) {
  size_t slot;
  uint32_t code = Probe(s, h, &slot);
  if (code != 0) return code;
  code = size_.load(std::memory_order_relaxed);
  Entry e;
  e.data = Store(s);
  e.size = static_cast<uint32_t>(s.size());
  entries_.Set(code, e);
  table_[slot] = (static_cast<uint64_t>(h) << 32) | code;
  size_.store(code + 1, std::memory_order_release);
  if (static_cast<size_t>(code + 1) * 4 > table_.size() * 3) Grow();  // load factor 3/4
  return code;
}

uint32_t StringDict::Find(std::string_view s) const {
  if (s.empty()) return 0;
  size_t slot;
  return Probe(s, Hash32(s), &slot);
}

size_t StringDict::MemoryBytes() const {
  return table_.size() * sizeof(uint64_t) + entries_.bytes() + block_bytes_ + blocks_.capacity() * sizeof(blocks_[0]);
}

}  // namespace agentperf::store
