// Tests for StringDict: dense codes, lookups across table growth, hash
// collisions, long and binary strings, and lock-free Get during Intern.
#include "store/head/string_dict.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace agentperf::store {
namespace {

TEST(StringDictTest, EmptyDictionary) {
  StringDict d;
  EXPECT_EQ(d.size(), 1u);  // code 0 is reserved
  EXPECT_EQ(d.Size(), 1u);
  EXPECT_EQ(d.Get(0), "");
  EXPECT_EQ(d.Lookup(0), "");
  EXPECT_EQ(d.Find("x"), 0u);
  EXPECT_EQ(d.Find(""), 0u);
}

TEST(StringDictTest, InternGivesDenseStableCodes) {
  StringDict d;
  EXPECT_EQ(d.Intern("coder"), 1u);
  EXPECT_EQ(d.Intern("reviewer"), 2u);
  EXPECT_EQ(d.Intern("coder"), 1u);
  EXPECT_EQ(d.Intern(std::string("code") + "r"), 1u);  // by value, not pointer
  EXPECT_EQ(d.Intern("c"), 3u);
  EXPECT_EQ(d.size(), 4u);
  EXPECT_EQ(d.Find("reviewer"), 2u);
  EXPECT_EQ(d.Find("review"), 0u);
  EXPECT_EQ(d.Get(2), "reviewer");
  EXPECT_EQ(d.Lookup(3), "c");
  EXPECT_EQ(d.Size(), 4u);
  // The precomputed-hash form agrees.
  EXPECT_EQ(d.Intern("coder", StringDict::Hash32("coder")), 1u);
  uint32_t h = StringDict::Hash32("new");
  d.Prefetch(h);
  EXPECT_EQ(d.Intern("new", h), 4u);
}

TEST(StringDictTest, OwnsItsBytes) {
  StringDict d;
  std::string s = "temporary value";
  uint32_t code = d.Intern(s);
  s.assign(s.size(), 'X');
  EXPECT_EQ(d.Get(code), "temporary value");
}

TEST(StringDictTest, BinaryAndLongStrings) {
  StringDict d;
  std::string nul("a\0b", 3);
  std::string nul2("a\0c", 3);
  uint32_t c1 = d.Intern(nul);
  uint32_t c2 = d.Intern(nul2);
  EXPECT_NE(c1, c2);
  EXPECT_EQ(d.Get(c1), nul);
  EXPECT_EQ(d.Find(std::string("a")), 0u);
  // Strings larger than a storage block, and the small ones around them.
  std::vector<std::string> values;
  for (int i = 0; i < 20; ++i) {
    values.push_back(std::string(i % 2 ? 300000 + i : 40000 + i, static_cast<char>('a' + i)));
    values.push_back("small-" + std::to_string(i));
  }
  std::vector<uint32_t> codes;
  for (const auto& v : values) codes.push_back(d.Intern(v));
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(d.Get(codes[i]), values[i]) << i;
    EXPECT_EQ(d.Find(values[i]), codes[i]) << i;
  }
  EXPECT_GT(d.MemoryBytes(), 20u * 40000u);
}

TEST(StringDictTest, HundredsOfThousandsOfStringsAcrossGrowth) {
  StringDict d;
  constexpr uint32_t kN = 150000;
  auto value = [](uint32_t i) { return "session-" + std::to_string(i * 7919u) + (i % 3 ? "" : "-x"); };
  size_t mem_before = d.MemoryBytes();
  for (uint32_t i = 0; i < kN; ++i) {
    ASSERT_EQ(d.Intern(value(i)), i + 1) << i;
    // Re-interning an earlier value (forcing probes past grown tables) is stable.
    if (i % 1000 == 999) {
      ASSERT_EQ(d.Intern(value(i / 2)), i / 2 + 1);
    }
  }
  EXPECT_EQ(d.size(), kN + 1);
  EXPECT_GT(d.MemoryBytes(), mem_before);
  for (uint32_t i = 0; i < kN; ++i) {
    ASSERT_EQ(d.Find(value(i)), i + 1) << i;
    ASSERT_EQ(d.Get(i + 1), value(i)) << i;
  }
  EXPECT_EQ(d.Find("session-unknown"), 0u);
  EXPECT_EQ(d.size(), kN + 1);
}

TEST(StringDictTest, EqualHashesStillGiveDistinctCodes) {
  // Find two strings with the same 32-bit hash (birthday bound: ~100k tries).
  std::unordered_map<uint32_t, std::string> seen;
  std::string a, b;
  for (int i = 0; i < 2000000 && a.empty(); ++i) {
    std::string s = "k" + std::to_string(i);
    auto [it, fresh] = seen.emplace(StringDict::Hash32(s), s);
    if (!fresh) {
      a = it->second;
      b = s;
    }
  }
  ASSERT_FALSE(a.empty()) << "no 32-bit collision found";
  ASSERT_EQ(StringDict::Hash32(a), StringDict::Hash32(b));
  StringDict d;
  uint32_t ca = d.Intern(a);
  EXPECT_EQ(d.Find(b), 0u);
  uint32_t cb = d.Intern(b);
  EXPECT_NE(ca, cb);
  EXPECT_EQ(d.Find(a), ca);
  EXPECT_EQ(d.Find(b), cb);
  EXPECT_EQ(d.Get(ca), a);
  EXPECT_EQ(d.Get(cb), b);
  EXPECT_EQ(d.Intern(b), cb);
}

TEST(StringDictTest, GetIsSafeWhileInterning) {
  // A reader uses only codes below a size() it observed; every such code must
  // give the complete string, while the writer keeps interning and growing.
  StringDict d;
  constexpr uint32_t kN = 100000;
  auto value = [](uint32_t code) { return "v" + std::to_string(code) + std::string(code % 13, '#'); };
  std::atomic<bool> done{false};
  std::atomic<uint64_t> checks{0};
  std::thread reader([&] {
    uint32_t last = 1;
    while (!done.load(std::memory_order_acquire) || last < d.size()) {
      uint32_t n = d.size();
      ASSERT_GE(n, last);
      for (uint32_t c = last; c < n; ++c) {
        if (d.Get(c) != value(c)) {
          ADD_FAILURE() << "code " << c << " read '" << d.Get(c) << "'";
          return;
        }
      }
      if (n > 1) {
        uint32_t c = 1 + (n * 31u) % (n - 1);  // an older code again
        if (d.Get(c) != value(c)) ADD_FAILURE() << "old code " << c;
      }
      checks.fetch_add(n - last);
      last = n;
    }
  });
  for (uint32_t code = 1; code <= kN; ++code) {
    if (d.Intern(value(code)) != code) {
      ADD_FAILURE() << "code " << code;
      break;
    }
  }
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_EQ(checks.load(), d.size() - 1u);
  EXPECT_EQ(d.size(), kN + 1);
}

}  // namespace
}  // namespace agentperf::store
