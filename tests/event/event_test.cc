#include "event/event.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace agentperf::event {
namespace {

TEST(Kinds, NamesRoundTrip) {
  const char* names[] = {"session", "turn", "llm_call", "tool_call", "permission_wait", "retry", "compaction", "sample"};
  for (int i = 0; i < kNumKinds; ++i) {
    EXPECT_EQ(KindName(static_cast<SpanKind>(i)), names[i]);
    SpanKind k;
    ASSERT_TRUE(ParseKind(names[i], &k));
    EXPECT_EQ(static_cast<int>(k), i);
  }
  SpanKind k = SpanKind::kTurn;
  EXPECT_FALSE(ParseKind("", &k));
  EXPECT_FALSE(ParseKind("Turn", &k));
  EXPECT_FALSE(ParseKind("turn ", &k));
  EXPECT_FALSE(ParseKind("llm", &k));
  EXPECT_EQ(k, SpanKind::kTurn);
}

TEST(Statuses, NamesRoundTrip) {
  const char* names[] = {"ok", "error", "cancelled"};
  for (int i = 0; i < kNumStatuses; ++i) {
    EXPECT_EQ(StatusName(static_cast<SpanStatus>(i)), names[i]);
    SpanStatus s;
    ASSERT_TRUE(ParseStatus(names[i], &s));
    EXPECT_EQ(static_cast<int>(s), i);
  }
  SpanStatus s = SpanStatus::kError;
  EXPECT_FALSE(ParseStatus("canceled", &s));
  EXPECT_FALSE(ParseStatus("OK", &s));
  EXPECT_EQ(s, SpanStatus::kError);
}

TEST(Event, DefaultsAreAbsent) {
  Event e;
  EXPECT_TRUE(e.id.IsZero());
  for (auto s : e.str) EXPECT_TRUE(s.empty());
  for (auto v : e.ints) EXPECT_EQ(v, kAbsentInt);
  for (auto v : e.floats) EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(e.attr_count, 0u);
  e.start_us = 10;
  e.end_us = 25;
  EXPECT_EQ(e.duration_us(), 15);
  e.ints[static_cast<int>(IntField::kTokensOutput)] = 3;
  EXPECT_EQ(e.Int(IntField::kTokensOutput), 3);
  e.str[static_cast<int>(StrField::kModel)] = "m";
  EXPECT_EQ(e.Str(StrField::kModel), "m");
}

TEST(Arena, CopyOwnsTheBytes) {
  Arena a;
  std::string src = "hello";
  std::string_view v = a.Copy(src);
  EXPECT_EQ(v, "hello");
  EXPECT_NE(v.data(), src.data());
  src[0] = 'J';
  EXPECT_EQ(v, "hello");
  EXPECT_EQ(a.bytes(), 5u);
  EXPECT_TRUE(a.Copy("").empty());
  EXPECT_EQ(a.bytes(), 5u);
}

TEST(Arena, ManyCopiesAcrossChunksStayIntact) {
  Arena a;
  std::vector<std::pair<std::string, std::string_view>> kept;
  size_t total = 0;
  for (int i = 0; i < 5000; ++i) {
    // Mix of small strings, strings just over a quarter chunk, and huge ones.
    std::string s;
    if (i % 500 == 7) s = std::string(200000, static_cast<char>('A' + i % 26));
    else if (i % 97 == 3) s = std::string(16 * 1024 + 1 + i % 50, static_cast<char>('a' + i % 26));
    else s = "s" + std::to_string(i) + std::string(i % 40, '.');
    total += s.size();
    kept.emplace_back(s, a.Copy(s));
  }
  EXPECT_EQ(a.bytes(), total);
  for (const auto& [expect, view] : kept) ASSERT_EQ(view, expect);
}

TEST(Arena, AdoptKeepsBufferAndCountsBytes) {
  Arena a;
  std::string buf(100000, 'x');
  buf[5] = 'y';
  const char* data = buf.data();
  std::string_view v = a.Adopt(std::move(buf));
  EXPECT_EQ(v.size(), 100000u);
  EXPECT_EQ(v[5], 'y');
  EXPECT_EQ(v.data(), data);  // no copy for a heap buffer
  EXPECT_EQ(a.bytes(), 100000u);
  std::string_view small = a.Adopt("tiny");  // short strings live inside the std::string object
  EXPECT_EQ(small, "tiny");
  EXPECT_EQ(a.bytes(), 100004u);
}

TEST(Arena, ViewsSurviveMovingTheArena) {
  Arena a;
  std::string_view small = a.Copy("small string");
  std::string_view big = a.Copy(std::string(100000, 'b'));
  std::string_view adopted_small = a.Adopt("adopted");
  std::string_view adopted_big = a.Adopt(std::string(5000, 'q'));
  Arena b(std::move(a));
  Arena c;
  c.Copy("to be freed");
  c = std::move(b);
  EXPECT_EQ(small, "small string");
  EXPECT_EQ(big, std::string(100000, 'b'));
  EXPECT_EQ(adopted_small, "adopted");
  EXPECT_EQ(adopted_big, std::string(5000, 'q'));
  // The destination keeps allocating without disturbing earlier views.
  std::string_view later = c.Copy("later");
  EXPECT_EQ(later, "later");
  EXPECT_EQ(small, "small string");
}

TEST(Arena, MovedFromArenaIsEmptyAndReusable) {
  Arena a;
  std::string_view v = a.Copy("owned by b after the move");
  Arena b(std::move(a));
  // Reusing the moved-from arena must not write into b's chunks.
  std::string_view w = a.Copy("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
  std::string_view x = b.Copy("YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY");
  EXPECT_EQ(v, "owned by b after the move");
  EXPECT_EQ(w, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
  EXPECT_EQ(x, "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY");
  {
    Arena c(std::move(b));
  }  // c frees what b owned; the moved-from b must not point into it
  std::string_view y = b.Copy("after free");
  EXPECT_EQ(y, "after free");
  EXPECT_EQ(w, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
}

EventBatch MakeBatch() {
  EventBatch b;
  // Event i has i attributes ("k<i>.<j>").
  for (uint32_t i = 0; i < 5; ++i) {
    Event e;
    e.id = Hash128{i + 1, 0};
    e.start_us = i;
    e.end_us = i + 1;
    e.str[static_cast<int>(StrField::kAgent)] = b.arena.Copy("agent" + std::to_string(i));
    e.attr_begin = static_cast<uint32_t>(b.attrs.size());
    e.attr_count = i;
    for (uint32_t j = 0; j < i; ++j) {
      Attr a;
      a.key = b.arena.Copy("k" + std::to_string(i) + "." + std::to_string(j));
      a.type = AttrType::kNumber;
      a.num = i * 10 + j;
      b.attrs.push_back(a);
    }
    b.events.push_back(e);
  }
  return b;
}

TEST(EventBatch, ViewsSurviveMovingTheBatch) {
  EventBatch b = MakeBatch();
  std::vector<EventBatch> holder;
  holder.push_back(std::move(b));
  for (int i = 0; i < 10; ++i) holder.emplace_back();  // force reallocation of the vector
  const EventBatch& m = holder[0];
  ASSERT_EQ(m.size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(m.events[i].Str(StrField::kAgent), "agent" + std::to_string(i));
    for (uint32_t j = 0; j < i; ++j) {
      EXPECT_EQ(m.AttrsOf(m.events[i])[j].key, "k" + std::to_string(i) + "." + std::to_string(j));
    }
  }
}

TEST(SliceView, RebasesAttributes) {
  EventBatch parent = MakeBatch();
  EventBatch s = SliceView(parent, 2, 5);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s.attrs.size(), 2u + 3u + 4u);
  uint32_t expect_begin = 0;
  for (size_t k = 0; k < 3; ++k) {
    const uint32_t i = static_cast<uint32_t>(k + 2);
    const Event& e = s.events[k];
    EXPECT_EQ(e.id, parent.events[i].id);
    EXPECT_EQ(e.attr_begin, expect_begin);
    ASSERT_EQ(e.attr_count, i);
    for (uint32_t j = 0; j < i; ++j) {
      EXPECT_EQ(s.AttrsOf(e)[j].key, "k" + std::to_string(i) + "." + std::to_string(j));
      EXPECT_EQ(s.AttrsOf(e)[j].num, i * 10 + j);
    }
    expect_begin += i;
    // Strings are not copied: they still live in the parent's arena.
    EXPECT_EQ(e.Str(StrField::kAgent).data(), parent.events[i].Str(StrField::kAgent).data());
  }
  EXPECT_EQ(s.arena.bytes(), 0u);
}

TEST(SliceView, EmptyAndFullSlices) {
  EventBatch parent = MakeBatch();
  EventBatch none = SliceView(parent, 3, 3);
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.attrs.empty());
  EventBatch all = SliceView(parent, 0, parent.size());
  ASSERT_EQ(all.size(), parent.size());
  EXPECT_EQ(all.attrs.size(), parent.attrs.size());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all.events[i].attr_begin, parent.events[i].attr_begin);
  // A slice starting with an attribute-less event.
  EventBatch first = SliceView(parent, 0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first.events[0].attr_count, 0u);
  EXPECT_EQ(first.events[1].attr_begin, 0u);
  EXPECT_EQ(first.AttrsOf(first.events[1])[0].key, "k1.0");
}

}  // namespace
}  // namespace agentperf::event
