#include "event/json_encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "event/fields.h"
#include "event/json_decoder.h"
#include "testing/events.h"

namespace agentperf::event {
namespace {

using ::agentperf::testing::kBaseMs;
constexpr int64_t kNowUs = (kBaseMs + 86400000) * 1000;

const char* const kStrings[] = {"coder", "claude-sonnet-4", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                                "\xf0\x9f\x8e\x89", "quote \" backslash \\ slash /", "x", "with space",
                                "\xef\xbf\xbf edge"};

std::string RandomLabel(std::mt19937_64& rng) {
  if (rng() % 3 == 0) return std::string(1 + rng() % 256, static_cast<char>('a' + rng() % 26));
  return kStrings[rng() % std::size(kStrings)];
}

// Random events that satisfy every decoder limit.
EventBatch RandomValidBatch(std::mt19937_64& rng, size_t n) {
  EventBatch b;
  const int64_t min_us = 946684800LL * 1000000;
  const int64_t max_start_us = kNowUs - 31LL * 86400 * 1000000;
  for (size_t i = 0; i < n; ++i) {
    Event e;
    e.id = Hash128{rng(), rng() | 1};
    e.kind = static_cast<SpanKind>(rng() % kNumKinds);
    e.status = static_cast<SpanStatus>(rng() % kNumStatuses);
    switch (rng() % 4) {
      case 0: e.start_us = min_us; break;
      case 1: e.start_us = kBaseMs * 1000 + static_cast<int64_t>(rng() % 1000); break;
      default: e.start_us = min_us + static_cast<int64_t>(rng() % static_cast<uint64_t>(max_start_us - min_us));
    }
    const int64_t max_dur = std::min<int64_t>(31LL * 86400 * 1000000, kNowUs - e.start_us);
    e.end_us = e.start_us + (rng() % 3 == 0 ? 0 : static_cast<int64_t>(rng() % static_cast<uint64_t>(max_dur + 1)));
    const uint64_t masks = rng();
    for (int f = 0; f < kNumStrFields; ++f) {
      if (masks >> f & 1) e.str[f] = b.arena.Copy(RandomLabel(rng));
    }
    for (int f = 0; f < kNumIntFields; ++f) {
      if (masks >> (16 + f) & 1) e.ints[f] = rng() % 2 ? static_cast<int64_t>(rng() % 1000) : static_cast<int64_t>(rng() >> 11);
    }
    const double floats[] = {0.0, 0.1, 0.0123, 87.5, 1e-9, 123456789.125, 1e9, 3.0};
    for (int f = 0; f < kNumFloatFields; ++f) {
      if (masks >> (32 + f) & 1) e.floats[f] = floats[rng() % std::size(floats)];
    }
    e.attr_begin = static_cast<uint32_t>(b.attrs.size());
    e.attr_count = static_cast<uint32_t>(masks >> 40 & 1 ? rng() % 33 : 0);
    for (uint32_t a = 0; a < e.attr_count; ++a) {
      Attr attr;
      attr.key = b.arena.Copy("k" + std::to_string(a) + (rng() % 2 ? "." + RandomLabel(rng).substr(0, 100) : ""));
      attr.type = static_cast<AttrType>(rng() % 3);
      if (attr.type == AttrType::kString) {
        std::string v = rng() % 4 == 0 ? std::string("line\nbreak\ttab\x01") : RandomLabel(rng);
        if (rng() % 8 == 0) v = std::string(4096, 'v');
        attr.str = b.arena.Copy(v);
      } else if (attr.type == AttrType::kBool) {
        attr.num = static_cast<double>(rng() % 2);
      } else {
        const double nums[] = {0, -1, 2.5, -1e300, 1e15, 1e16 + 2, 0.1, 123456.789, -7};
        attr.num = nums[rng() % std::size(nums)];
      }
      b.attrs.push_back(attr);
    }
    b.events.push_back(e);
  }
  return b;
}

void ExpectSame(const EventBatch& ba, const Event& a, const EventBatch& bb, const Event& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.start_us, b.start_us);
  EXPECT_EQ(a.end_us, b.end_us);
  for (int f = 0; f < kNumStrFields; ++f) EXPECT_EQ(a.str[f], b.str[f]) << kStrFields[f].json_name;
  for (int f = 0; f < kNumIntFields; ++f) EXPECT_EQ(a.ints[f], b.ints[f]) << kIntFields[f].name;
  for (int f = 0; f < kNumFloatFields; ++f) {
    if (std::isnan(a.floats[f])) EXPECT_TRUE(std::isnan(b.floats[f])) << kFloatFields[f].name;
    else EXPECT_EQ(a.floats[f], b.floats[f]) << kFloatFields[f].name;
  }
  ASSERT_EQ(a.attr_count, b.attr_count);
  for (uint32_t k = 0; k < a.attr_count; ++k) {
    const Attr& x = ba.AttrsOf(a)[k];
    const Attr& y = bb.AttrsOf(b)[k];
    EXPECT_EQ(x.key, y.key);
    EXPECT_EQ(x.type, y.type) << x.key;
    if (x.type == AttrType::kString) EXPECT_EQ(x.str, y.str) << x.key;
    else EXPECT_EQ(x.num, y.num) << x.key;
  }
}

Status DecodeInto(const std::string& body, EventBatch* out) {
  JsonBatchDecoder decoder;
  DecodeError err;
  return decoder.Decode(body, body.size(), kNowUs, out, &err);
}

TEST(JsonEncoder, RandomEventsRoundTripThroughTheDecoder) {
  std::mt19937_64 rng(2024);
  for (int round = 0; round < 40; ++round) {
    EventBatch b = RandomValidBatch(rng, 1 + rng() % 40);
    std::string ndjson;
    EncodeBatchNdjson(b, &ndjson);
    EventBatch out;
    Status st = DecodeInto(ndjson, &out);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_EQ(out.size(), b.size());
    for (size_t i = 0; i < b.size(); ++i) {
      SCOPED_TRACE("round " + std::to_string(round) + " event " + std::to_string(i));
      ExpectSame(b, b.events[i], out, out.events[i]);
    }
    // Re-encoding the decoded events gives identical JSON.
    std::string again;
    EncodeBatchNdjson(out, &again);
    EXPECT_EQ(again, ndjson);
  }
}

TEST(JsonEncoder, EncodedEventsFormAValidJsonArray) {
  std::mt19937_64 rng(7);
  EventBatch b = RandomValidBatch(rng, 25);
  std::string array = "[";
  for (size_t i = 0; i < b.size(); ++i) {
    if (i) array += ",";
    EncodeEventJson(b.events[i], b.AttrsOf(b.events[i]), &array);
  }
  array += "]";
  EventBatch out;
  ASSERT_TRUE(DecodeInto(array, &out).ok());
  ASSERT_EQ(out.size(), b.size());
  for (size_t i = 0; i < b.size(); ++i) ExpectSame(b, b.events[i], out, out.events[i]);
}

TEST(JsonEncoder, ExactOutputForAKnownEvent) {
  EventBatch b;
  Event e;
  e.id = Hash128{0x1111111111111111ull, 0xabcdef0123456789ull};
  e.kind = SpanKind::kLlmCall;
  e.start_us = 1767225600000500;
  e.end_us = 1767225601000500;
  e.str[static_cast<int>(StrField::kAgent)] = "coder";
  e.ints[static_cast<int>(IntField::kTokensOutput)] = 7;
  e.ints[static_cast<int>(IntField::kRssBytes)] = 4096;
  e.floats[static_cast<int>(FloatField::kCost)] = 0.25;
  Attr a;
  a.key = "b";
  a.type = AttrType::kBool;
  a.num = 1;
  b.attrs.push_back(a);
  e.attr_count = 1;
  std::string out;
  EncodeEventJson(e, b.attrs.data(), &out);
  EXPECT_EQ(out,
            R"({"id":"ap1:abcdef01234567891111111111111111","kind":"llm_call","start_ms":1767225600000.5,)"
            R"("end_ms":1767225601000.5,"agent":"coder","tokens":{"output":7},"rss_bytes":4096,"cost":0.25,)"
            R"("attrs":{"b":true}})");
}

TEST(JsonEncoder, MinimalEventOmitsAbsentFields) {
  Event e;
  e.id = Hash128{1, 0};
  e.kind = SpanKind::kSample;
  e.status = SpanStatus::kCancelled;
  e.start_us = 1767225600000000;
  e.end_us = e.start_us;
  std::string out = "prefix ";
  EncodeEventJson(e, nullptr, &out);
  EXPECT_EQ(out,
            R"(prefix {"id":"ap1:00000000000000000000000000000001","kind":"sample","start_ms":1767225600000,)"
            R"("end_ms":1767225600000,"status":"cancelled"})");
}

TEST(JsonEncoder, NdjsonHasOneLinePerEvent) {
  std::mt19937_64 rng(1);
  EventBatch b = RandomValidBatch(rng, 10);
  std::string out;
  EncodeBatchNdjson(b, &out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(static_cast<size_t>(std::count(out.begin(), out.end(), '\n')), b.size());
  std::string empty;
  EncodeBatchNdjson(EventBatch{}, &empty);
  EXPECT_EQ(empty, "");
}

TEST(JsonEncoder, DerivedIdsSurviveARoundTrip) {
  // An event ingested without an id gets a derived one; exporting and
  // re-ingesting it must keep that id (not hash the "ap1:" string).
  std::string body = ::agentperf::testing::EventJson().Str();
  EventBatch first;
  ASSERT_TRUE(DecodeInto(body, &first).ok());
  std::string exported;
  EncodeBatchNdjson(first, &exported);
  EXPECT_NE(exported.find("\"id\":\"ap1:" + first.events[0].id.ToHex() + "\""), std::string::npos) << exported;
  EventBatch second;
  ASSERT_TRUE(DecodeInto(exported, &second).ok());
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second.events[0].id, first.events[0].id);
}

}  // namespace
}  // namespace agentperf::event
