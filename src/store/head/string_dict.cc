#include "store/head/string_dict.h"

#include <cstring>

#include "core/hash.h"

namespace agentperf::store {

StringDict::StringDict() : table_(64, 0) {}

const char* StringDict::Store(std::string_view s) {
  constexpr size_t kBlock = 256 * 1024;
  if (s.size() > left_) {
    size_t n = s.size() > kBlock / 8 ? s.size() : kBlock;
    blocks_.emplace_back(new char[n]);
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

uint32_t StringDict::FindLocked(std::string_view s, uint64_t h, size_t* slot) const {
  size_t mask = table_.size() - 1;
  auto h32 = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t code = table_[i];
    if (code == 0) {
      *slot = i;
      return 0;
    }
    const Entry& e = entries_.Chunk(code >> kChunkBits)[code & (kChunkRows - 1)];
    if (e.hash32 == h32 && e.size == s.size() && std::memcmp(e.data, s.data(), s.size()) == 0) return code;
  }
}

void StringDict::Grow() {
  std::vector<uint32_t> bigger(table_.size() * 2, 0);
  size_t mask = bigger.size() - 1;
  uint32_t n = size_.load(std::memory_order_relaxed);
  for (uint32_t code = 1; code < n; ++code) {
    std::string_view s = Get(code);
    size_t i = Hash64(s) & mask;
    while (bigger[i] != 0) i = (i + 1) & mask;
    bigger[i] = code;
  }
  table_.swap(bigger);
}

uint32_t StringDict::Intern(std::string_view s) {
  uint64_t h = Hash64(s);
  std::lock_guard<std::mutex> l(mu_);
  size_t slot;
  uint32_t code = FindLocked(s, h, &slot);
  if (code != 0) return code;
  code = size_.load(std::memory_order_relaxed);
  Entry e;
  e.data = Store(s);
  e.size = static_cast<uint32_t>(s.size());
  e.hash32 = static_cast<uint32_t>(h >> 32);
  entries_.Set(code, e);
  table_[slot] = code;
  size_.store(code + 1, std::memory_order_release);
  if (static_cast<size_t>(code + 1) * 10 > table_.size() * 7) Grow();
  return code;
}

uint32_t StringDict::Find(std::string_view s) const {
  if (s.empty()) return 0;
  uint64_t h = Hash64(s);
  std::lock_guard<std::mutex> l(mu_);
  size_t slot;
  return FindLocked(s, h, &slot);
}

size_t StringDict::MemoryBytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return table_.size() * sizeof(uint32_t) + entries_.bytes() + string_bytes_ + blocks_.size() * 16;
}

}  // namespace agentperf::store
