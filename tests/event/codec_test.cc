#include "event/codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/coding.h"

namespace agentperf::event {
namespace {

const char* const kSamples[] = {"a", "coder", "claude-sonnet", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
                                "\xf0\x9f\x8e\x89 party", "with \"quotes\" and \\", "x"};

std::string RandomString(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0: return kSamples[rng() % std::size(kSamples)];
    case 1: return std::string(1 + rng() % 300, static_cast<char>('a' + rng() % 26));
    case 2: {  // arbitrary bytes: the codec does not care about UTF-8
      std::string s(1 + rng() % 20, '\0');
      for (auto& c : s) c = static_cast<char>(rng());
      return s;
    }
    default: return "v" + std::to_string(rng() % 1000);
  }
}

// A batch exercising every present/absent combination of fields at random.
EventBatch RandomBatch(std::mt19937_64& rng, size_t n) {
  EventBatch b;
  int64_t t = 1767225600000000;
  for (size_t i = 0; i < n; ++i) {
    Event e;
    e.id = Hash128{rng() | 1, rng()};
    e.kind = static_cast<SpanKind>(rng() % kNumKinds);
    e.status = static_cast<SpanStatus>(rng() % kNumStatuses);
    // Starts go backwards as well as forwards (the delta is zigzag-coded).
    t += static_cast<int64_t>(rng() % 2000000000) - 1000000000;
    e.start_us = rng() % 16 == 0 ? 0 : t;
    e.end_us = e.start_us + static_cast<int64_t>(rng() % 4 == 0 ? 0 : rng() % (int64_t{1} << 42));
    const uint64_t str_mask = rng(), int_mask = rng(), float_mask = rng();
    for (int f = 0; f < kNumStrFields; ++f) {
      if (str_mask >> f & 1) e.str[f] = b.arena.Copy(RandomString(rng));
    }
    for (int f = 0; f < kNumIntFields; ++f) {
      if (int_mask >> f & 1) e.ints[f] = static_cast<int64_t>(rng() % 3 == 0 ? rng() % 128 : rng() >> 11);
    }
    const double floats[] = {0.0, -0.0, 0.5, 1e-300, 1e300, std::numeric_limits<double>::infinity(), 12345.678};
    for (int f = 0; f < kNumFloatFields; ++f) {
      if (float_mask >> f & 1) e.floats[f] = floats[rng() % std::size(floats)];
    }
    e.attr_begin = static_cast<uint32_t>(b.attrs.size());
    e.attr_count = static_cast<uint32_t>(rng() % 4 == 0 ? rng() % 40 : 0);
    for (uint32_t a = 0; a < e.attr_count; ++a) {
      Attr attr;
      attr.key = b.arena.Copy("key" + std::to_string(a) + RandomString(rng));
      attr.type = static_cast<AttrType>(rng() % 3);
      if (attr.type == AttrType::kString) attr.str = rng() % 5 == 0 ? std::string_view() : b.arena.Copy(RandomString(rng));
      else if (attr.type == AttrType::kBool) attr.num = static_cast<double>(rng() % 2);
      else attr.num = static_cast<double>(static_cast<int64_t>(rng())) / 1e6;
      b.attrs.push_back(attr);
    }
    b.events.push_back(e);
  }
  return b;
}

bool SameDouble(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); }

void ExpectSameEvent(const EventBatch& ba, const Event& a, const EventBatch& bb, const Event& b, size_t i) {
  SCOPED_TRACE("event " + std::to_string(i));
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.start_us, b.start_us);
  EXPECT_EQ(a.end_us, b.end_us);
  for (int f = 0; f < kNumStrFields; ++f) EXPECT_EQ(a.str[f], b.str[f]) << "str " << f;
  for (int f = 0; f < kNumIntFields; ++f) EXPECT_EQ(a.ints[f], b.ints[f]) << "int " << f;
  for (int f = 0; f < kNumFloatFields; ++f) EXPECT_TRUE(SameDouble(a.floats[f], b.floats[f])) << "float " << f;
  ASSERT_EQ(a.attr_count, b.attr_count);
  const Attr* aa = ba.AttrsOf(a);
  const Attr* ab = bb.AttrsOf(b);
  for (uint32_t k = 0; k < a.attr_count; ++k) {
    EXPECT_EQ(aa[k].key, ab[k].key);
    EXPECT_EQ(aa[k].type, ab[k].type);
    if (aa[k].type == AttrType::kString) EXPECT_EQ(aa[k].str, ab[k].str);
    else EXPECT_TRUE(SameDouble(aa[k].num, ab[k].num));
  }
}

void ExpectSameBatch(const EventBatch& a, const EventBatch& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ExpectSameEvent(a, a.events[i], b, b.events[i], i);
}

TEST(Codec, EmptyBatch) {
  EventBatch empty;
  std::string payload;
  EncodeBatch(empty, &payload);
  EXPECT_EQ(payload, std::string("\x01\x00", 2));
  EventBatch out;
  ASSERT_TRUE(DecodeBatch(payload, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(Codec, MinimalEventLayoutMatchesTheSpec) {
  EventBatch b;
  Event e;
  e.id = Hash128{0x0807060504030201ull, 0x100f0e0d0c0b0a09ull};
  e.kind = SpanKind::kToolCall;
  e.status = SpanStatus::kCancelled;
  e.start_us = 5;
  e.end_us = 8;
  b.events.push_back(e);
  std::string payload;
  EncodeBatch(b, &payload);
  std::string expect;
  expect += '\x01';  // format
  expect += '\x01';  // count
  expect += '\x23';  // kind 3 | status 2 << 4
  for (int i = 1; i <= 16; ++i) expect += static_cast<char>(i);  // id lo, hi
  expect += '\x0a';  // zigzag(5)
  expect += '\x03';  // duration
  expect += '\x00';  // string mask
  expect += '\x00';  // int mask
  expect += '\x00';  // float mask
  expect += '\x00';  // attribute count
  EXPECT_EQ(payload, expect);
}

TEST(Codec, RandomBatchesRoundTrip) {
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 60; ++round) {
    EventBatch b = RandomBatch(rng, rng() % 50);
    std::string payload;
    EncodeBatch(b, &payload);
    EventBatch out;
    Status st = DecodeBatch(payload, &out);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ExpectSameBatch(b, out);
    // Re-encoding the decoded batch gives the same bytes.
    std::string again;
    EncodeBatch(out, &again);
    EXPECT_EQ(again, payload);
  }
}

TEST(Codec, ExtremeValuesRoundTrip) {
  EventBatch b;
  Event e;
  e.id = Hash128{~0ull, ~0ull};
  e.kind = SpanKind::kSample;
  e.status = SpanStatus::kError;
  e.start_us = std::numeric_limits<int64_t>::min() / 4;
  e.end_us = e.start_us + (int64_t{1} << 62);  // the largest duration allowed
  for (auto& v : e.ints) v = int64_t{1} << 62;
  e.floats = {std::numeric_limits<double>::max(), -std::numeric_limits<double>::infinity(),
              std::numeric_limits<double>::denorm_min()};
  std::string big(100000, 'z');
  for (auto& s : e.str) s = b.arena.Copy(big);
  b.events.push_back(e);
  Event f;
  f.id = Hash128{1, 0};
  f.start_us = std::numeric_limits<int64_t>::max() / 4;  // a huge forward jump from the previous start
  f.end_us = f.start_us;
  b.events.push_back(f);
  std::string payload;
  EncodeBatch(b, &payload);
  EventBatch out;
  ASSERT_TRUE(DecodeBatch(payload, &out).ok());
  ExpectSameBatch(b, out);
}

TEST(Codec, DecodeAppendsToExistingBatchAndRebasesAttrs) {
  std::mt19937_64 rng(9);
  EventBatch first = RandomBatch(rng, 10), second = RandomBatch(rng, 10);
  std::string p1, p2;
  EncodeBatch(first, &p1);
  EncodeBatch(second, &p2);
  EventBatch out;
  ASSERT_TRUE(DecodeBatch(p1, &out).ok());
  ASSERT_TRUE(DecodeBatch(p2, &out).ok());
  ASSERT_EQ(out.size(), 20u);
  for (size_t i = 0; i < 10; ++i) {
    ExpectSameEvent(first, first.events[i], out, out.events[i], i);
    ExpectSameEvent(second, second.events[i], out, out.events[10 + i], 10 + i);
  }
}

TEST(Codec, EncodeBatchSubsetKeepsOnlySelectedInOrder) {
  std::mt19937_64 rng(77);
  EventBatch b = RandomBatch(rng, 30);
  std::vector<bool> keep(b.size());
  for (size_t i = 0; i < keep.size(); ++i) keep[i] = (i % 3 != 1);
  std::string payload;
  EncodeBatchSubset(b, keep, &payload);
  EventBatch out;
  ASSERT_TRUE(DecodeBatch(payload, &out).ok());
  size_t j = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (!keep[i]) continue;
    ASSERT_LT(j, out.size());
    ExpectSameEvent(b, b.events[i], out, out.events[j], i);  // start deltas are relative to kept events only
    ++j;
  }
  EXPECT_EQ(j, out.size());

  std::string all, all_subset;
  EncodeBatch(b, &all);
  EncodeBatchSubset(b, std::vector<bool>(b.size(), true), &all_subset);
  EXPECT_EQ(all, all_subset);
  std::string none;
  EncodeBatchSubset(b, std::vector<bool>(b.size(), false), &none);
  EXPECT_EQ(none, std::string("\x01\x00", 2));
}

TEST(Codec, EncodeAppendsToExistingBytes) {
  std::mt19937_64 rng(3);
  EventBatch b = RandomBatch(rng, 5);
  std::string alone, prefixed = "prefix";
  EncodeBatch(b, &alone);
  EncodeBatch(b, &prefixed);
  EXPECT_EQ(prefixed, "prefix" + alone);
}

TEST(Codec, DecodeOwnedBatchKeepsPayloadAlive) {
  std::mt19937_64 rng(5);
  EventBatch out;
  {
    EventBatch b = RandomBatch(rng, 20);
    std::string payload;
    EncodeBatch(b, &payload);
    ASSERT_TRUE(DecodeOwnedBatch(std::move(payload), &out).ok());
    ExpectSameBatch(b, out);
  }
  // The source batch and the payload string are gone; views point into out's arena.
  EventBatch moved = std::move(out);
  size_t chars = 0;
  for (const Event& e : moved.events) {
    for (auto s : e.str) chars += s.size();
  }
  EXPECT_GT(chars, 0u);
}

TEST(Codec, EveryTruncationIsCorruption) {
  std::mt19937_64 rng(21);
  EventBatch b = RandomBatch(rng, 8);
  std::string payload;
  EncodeBatch(b, &payload);
  for (size_t cut = 0; cut < payload.size(); ++cut) {
    // An exact-size heap copy so ASan sees any read past the cut.
    std::unique_ptr<char[]> buf(new char[cut + 1]);
    std::memcpy(buf.get(), payload.data(), cut);
    EventBatch out;
    Status st = DecodeBatch(std::string_view(buf.get(), cut), &out);
    ASSERT_EQ(st.code(), StatusCode::kCorruption) << "cut at " << cut;
    ASSERT_TRUE(out.events.empty());
    ASSERT_TRUE(out.attrs.empty());
  }
}

TEST(Codec, TrailingBytesAreCorruption) {
  std::mt19937_64 rng(8);
  EventBatch b = RandomBatch(rng, 3);
  std::string payload;
  EncodeBatch(b, &payload);
  EventBatch out;
  EXPECT_EQ(DecodeBatch(payload + '\0', &out).code(), StatusCode::kCorruption);
  EXPECT_TRUE(out.empty());
}

// Hand-built payloads for specific malformations.
std::string Header(uint64_t count) {
  std::string p("\x01", 1);
  coding::PutVarint64(&p, count);
  return p;
}
void PutEventStart(std::string* p, uint8_t kind_status, int64_t start_delta, uint64_t dur) {
  p->push_back(static_cast<char>(kind_status));
  coding::PutFixed64(p, 1);
  coding::PutFixed64(p, 0);
  coding::PutVarsint64(p, start_delta);
  coding::PutVarint64(p, dur);
}
std::string MinimalEvent(uint8_t kind_status, int64_t start_delta, uint64_t dur) {
  std::string p;
  PutEventStart(&p, kind_status, start_delta, dur);
  p.append(4, '\0');  // masks and attribute count
  return p;
}

TEST(Codec, SpecificMalformationsAreCorruption) {
  auto corrupt = [](const std::string& payload, const char* what) {
    EventBatch out;
    Status st = DecodeBatch(payload, &out);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << what << ": " << st.ToString();
    EXPECT_TRUE(out.empty()) << what;
  };
  EXPECT_TRUE([] {
    EventBatch out;
    return DecodeBatch(Header(1) + MinimalEvent(0x00, 5, 1), &out).ok();
  }());
  corrupt("", "empty");
  corrupt(std::string("\x02\x00", 2), "unknown format version");
  corrupt(std::string("\x00\x00", 2), "format zero");
  corrupt(Header(1000000) + MinimalEvent(0, 5, 1), "count larger than payload");
  corrupt(Header(2) + MinimalEvent(0, 5, 1), "count larger than events present");
  corrupt(Header(1) + MinimalEvent(0x08, 5, 1), "kind 8");
  corrupt(Header(1) + MinimalEvent(0x30, 5, 1), "status 3");
  corrupt(Header(1) + MinimalEvent(0x00, 5, (uint64_t{1} << 62) + 1), "duration over 2^62");
  std::string bad_str_mask = Header(1);
  PutEventStart(&bad_str_mask, 0, 5, 1);
  coding::PutVarint64(&bad_str_mask, uint64_t{1} << kNumStrFields);
  bad_str_mask.append(3, '\0');
  corrupt(bad_str_mask, "unknown string mask bit");
  std::string empty_str = Header(1);
  PutEventStart(&empty_str, 0, 5, 1);
  empty_str += '\x01';  // session_id present...
  empty_str += '\x00';  // ...with length 0
  empty_str.append(3, '\0');
  corrupt(empty_str, "present string of length zero");
  std::string bad_float_mask = Header(1);
  PutEventStart(&bad_float_mask, 0, 5, 1);
  bad_float_mask += std::string("\x00\x00\x08\x00", 4);
  corrupt(bad_float_mask, "unknown float mask bit");
  std::string nan_float = Header(1);
  PutEventStart(&nan_float, 0, 5, 1);
  nan_float += std::string("\x00\x00\x01", 3);
  coding::PutDouble(&nan_float, std::nan(""));
  nan_float += '\0';
  corrupt(nan_float, "NaN stored as a present float");
  std::string big_int = Header(1);
  PutEventStart(&big_int, 0, 5, 1);
  big_int += std::string("\x00\x01", 2);
  coding::PutVarint64(&big_int, (uint64_t{1} << 62) + 1);
  big_int.append(2, '\0');
  corrupt(big_int, "int over 2^62");
  std::string bad_attr_type = Header(1);
  PutEventStart(&bad_attr_type, 0, 5, 1);
  bad_attr_type += std::string("\x00\x00\x00\x01\x01k\x03", 7);
  coding::PutDouble(&bad_attr_type, 1);
  corrupt(bad_attr_type, "attribute type 3");
  std::string many_attrs = Header(1);
  PutEventStart(&many_attrs, 0, 5, 1);
  many_attrs += std::string("\x00\x00\x00", 3);
  coding::PutVarint64(&many_attrs, 1000);
  corrupt(many_attrs, "attribute count larger than payload");
}

TEST(Codec, TimestampOverflowIsCorruptionNotUndefinedBehaviour) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  auto corrupt = [](const std::string& payload, const char* what) {
    EventBatch out;
    EXPECT_EQ(DecodeBatch(payload, &out).code(), StatusCode::kCorruption) << what;
    EXPECT_TRUE(out.empty()) << what;
  };
  corrupt(Header(1) + MinimalEvent(0, kMax, 1), "end past INT64_MAX");
  corrupt(Header(1) + MinimalEvent(0, kMax - 10, uint64_t{1} << 62), "end past INT64_MAX (large duration)");
  corrupt(Header(2) + MinimalEvent(0, kMax, 0) + MinimalEvent(0, kMax, 0), "start delta overflows");
  corrupt(Header(2) + MinimalEvent(0, kMin, 0) + MinimalEvent(0, -1, 0), "start delta underflows");
  // The extremes themselves are representable.
  EventBatch out;
  ASSERT_TRUE(DecodeBatch(Header(2) + MinimalEvent(0, kMax, 0) + MinimalEvent(0, kMin + 1, 0), &out).ok());
  EXPECT_EQ(out.events[0].start_us, kMax);
  EXPECT_EQ(out.events[1].start_us, 0);
}

TEST(Codec, RandomByteFlipsNeverCrash) {
  std::mt19937_64 rng(99);
  int corrupt = 0, valid = 0;
  for (int round = 0; round < 40; ++round) {
    EventBatch b = RandomBatch(rng, 1 + rng() % 10);
    std::string payload;
    EncodeBatch(b, &payload);
    for (int flip = 0; flip < 200; ++flip) {
      std::string damaged = payload;
      const int nflips = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < nflips; ++k) {
        damaged[rng() % damaged.size()] ^= static_cast<char>(1 + rng() % 255);
      }
      std::unique_ptr<char[]> buf(new char[damaged.size()]);
      std::memcpy(buf.get(), damaged.data(), damaged.size());
      EventBatch out;
      Status st = DecodeBatch(std::string_view(buf.get(), damaged.size()), &out);
      if (st.ok()) {
        ++valid;
        for (const Event& e : out.events) {
          // A "valid" result must still be internally consistent.
          ASSERT_GE(e.end_us, e.start_us);
          ASSERT_LE(static_cast<size_t>(e.attr_begin) + e.attr_count, out.attrs.size());
          for (auto s : e.str) {
            if (s.empty()) continue;
            ASSERT_TRUE(s.data() >= buf.get() && s.data() + s.size() <= buf.get() + damaged.size());
          }
        }
      } else {
        ++corrupt;
        ASSERT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
        ASSERT_TRUE(out.empty());
        ASSERT_TRUE(out.attrs.empty());
      }
    }
  }
  EXPECT_GT(corrupt, 0);
  EXPECT_GT(valid, 0);  // flips inside string bytes or ids still decode
}

TEST(Codec, AttrsRoundTripAndRejectMalformed) {
  Attr attrs[3];
  attrs[0].key = "s";
  attrs[0].str = "value";
  attrs[1].key = "n";
  attrs[1].type = AttrType::kNumber;
  attrs[1].num = -2.5;
  attrs[2].key = "b";
  attrs[2].type = AttrType::kBool;
  attrs[2].num = 1;
  std::string enc;
  EncodeAttrs(attrs, 3, &enc);
  std::vector<Attr> out = {Attr{}};  // appended after existing entries
  ASSERT_TRUE(DecodeAttrs(enc, &out).ok());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1].key, "s");
  EXPECT_EQ(out[1].type, AttrType::kString);
  EXPECT_EQ(out[1].str, "value");
  EXPECT_EQ(out[2].key, "n");
  EXPECT_EQ(out[2].num, -2.5);
  EXPECT_EQ(out[3].type, AttrType::kBool);
  EXPECT_EQ(out[3].num, 1);

  std::string none;
  EncodeAttrs(nullptr, 0, &none);
  EXPECT_EQ(none, std::string("\x00", 1));
  std::vector<Attr> empty;
  ASSERT_TRUE(DecodeAttrs(none, &empty).ok());
  EXPECT_TRUE(empty.empty());

  for (size_t cut = 0; cut < enc.size(); ++cut) {
    std::vector<Attr> v = {Attr{}};
    EXPECT_EQ(DecodeAttrs(std::string_view(enc.data(), cut), &v).code(), StatusCode::kCorruption) << cut;
    EXPECT_EQ(v.size(), 1u) << cut;  // left as it was
  }
  std::vector<Attr> v;
  EXPECT_EQ(DecodeAttrs(enc + "x", &v).code(), StatusCode::kCorruption);
  EXPECT_TRUE(v.empty());
  std::string bad_type = enc;
  // Layout: count, "\x01s", type 0, "\x05value", "\x01n", type 1 (byte 12), ...
  ASSERT_EQ(enc[12], '\x01');
  bad_type[12] = '\x07';
  EXPECT_EQ(DecodeAttrs(bad_type, &v).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace agentperf::event
