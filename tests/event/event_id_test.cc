#include "event/event_id.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "event/json_decoder.h"
#include "testing/events.h"

namespace agentperf::event {
namespace {

using ::agentperf::testing::Decode;
using ::agentperf::testing::EventJson;

Hash128 IdOf(const std::string& json) {
  EventBatch b = Decode(json);
  EXPECT_EQ(b.size(), 1u) << json;
  return b.empty() ? Hash128{} : b.events[0].id;
}

TEST(EventId, SameSpanTwiceGetsTheSameId) {
  std::string ev = EventJson().Set("span_id", "call-1").Str();
  EventBatch b = Decode(ev + "\n" + ev + "\n");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.events[0].id, b.events[1].id);
  EXPECT_FALSE(b.events[0].id.IsZero());
  // And across separate decodes (a client retry).
  EXPECT_EQ(IdOf(ev), b.events[0].id);
}

TEST(EventId, ExplicitIdWins) {
  Hash128 a = IdOf(EventJson().Set("id", "evt-42").Set("span_id", "x").Str());
  Hash128 b = IdOf(EventJson().Set("id", "evt-42").Set("agent", "other").Raw("duration_ms", "5").Str());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, ExplicitEventId("evt-42"));
  EXPECT_NE(a, IdOf(EventJson().Set("id", "evt-43").Str()));
  EXPECT_NE(a, IdOf(EventJson().Set("span_id", "evt-42").Str()));
}

TEST(EventId, ExplicitIdIsHashOfPrefixedId) {
  // Format freeze: H("x\0" + id).
  std::string buf("x\0evt-42", 8);
  EXPECT_EQ(ExplicitEventId("evt-42"), Murmur3_128(buf));
}

TEST(EventId, SpanIdRuleUsesKindSessionAndSpan) {
  const Hash128 base = IdOf(EventJson().Set("span_id", "sp").Str());
  // Other content does not matter once the span id is known.
  EXPECT_EQ(base, IdOf(EventJson().Set("span_id", "sp").Set("agent", "z").Raw("duration_ms", "7").Set("status", "error")
                           .Raw("attrs", R"({"a":1})").Str()));
  EXPECT_NE(base, IdOf(EventJson().Set("span_id", "sp").Set("session_id", "s2").Str()));
  EXPECT_NE(base, IdOf(EventJson().Set("span_id", "sp").Remove("session_id").Str()));
  EXPECT_NE(base, IdOf(EventJson().Set("span_id", "sp").Set("kind", "tool_call").Str()));
  EXPECT_NE(base, IdOf(EventJson().Set("span_id", "sp2").Str()));
  // Format freeze: H("s\0" kind "\0" session "\0" span "\0").
  std::string buf("s\0llm_call\0s1\0sp\0", 17);
  EXPECT_EQ(base, Murmur3_128(buf));
}

TEST(EventId, SpanIdPartsDoNotRunTogether) {
  // NUL separators keep ("s1", "2x") apart from ("s12", "x").
  EXPECT_NE(IdOf(EventJson().Set("session_id", "s1").Set("span_id", "2x").Str()),
            IdOf(EventJson().Set("session_id", "s12").Set("span_id", "x").Str()));
}

TEST(EventId, ContentRuleIdenticalContentSameId) {
  std::string ev = EventJson().Raw("tokens", R"({"input":5})").Raw("attrs", R"({"k":"v","n":2,"b":true})").Str();
  EXPECT_EQ(IdOf(ev), IdOf(ev));
  // Key order in the JSON does not matter, only content.
  EXPECT_EQ(IdOf(R"({"kind":"turn","start_ms":1767225600000,"duration_ms":5,"agent":"a"})"),
            IdOf(R"({"agent":"a","duration_ms":5,"start_ms":1767225600000,"kind":"turn"})"));
  // end_ms and duration_ms describing the same span are the same content.
  EXPECT_EQ(IdOf(R"({"kind":"turn","start_ms":1767225600000,"duration_ms":5})"),
            IdOf(R"({"kind":"turn","start_ms":1767225600000,"end_ms":1767225600005})"));
}

TEST(EventId, ContentRuleAnyFieldChangeChangesId) {
  const auto base = [] {
    return EventJson().Set("status", "ok").Set("model", "m").Raw("tokens", R"({"input":5,"output":6})").Raw("cost", "0.5")
        .Raw("attrs", R"({"k":"v","n":2})");
  };
  const Hash128 id = IdOf(base().Str());
  std::vector<std::pair<std::string, std::string>> variants = {
      {"kind", base().Set("kind", "turn").Str()},
      {"status", base().Set("status", "error").Str()},
      {"start", base().Raw("start_ms", "1767225600001").Str()},
      {"start_us", base().Raw("start_ms", "1767225600000.001").Str()},
      {"duration", base().Raw("duration_ms", "1001").Str()},
      {"agent", base().Set("agent", "coder2").Str()},
      {"no agent", base().Remove("agent").Str()},
      {"session", base().Set("session_id", "s2").Str()},
      {"message", base().Set("message_id", "m").Str()},
      {"parent span", base().Set("parent_span_id", "p").Str()},
      {"model", base().Set("model", "n").Str()},
      {"tool", base().Set("tool", "t").Str()},
      {"source", base().Set("source", "s").Str()},
      {"tokens", base().Raw("tokens", R"({"input":5,"output":7})").Str()},
      {"token moved", base().Raw("tokens", R"({"input":6,"output":5})").Str()},
      {"reasoning", base().Raw("tokens", R"({"input":5,"output":6,"reasoning":0})").Str()},
      {"rss", base().Raw("rss_bytes", "0").Str()},
      {"cost", base().Raw("cost", "0.25").Str()},
      {"no cost", base().Remove("cost").Str()},
      {"ttfc", base().Raw("ttfc_ms", "1").Str()},
      {"attr value", base().Raw("attrs", R"({"k":"w","n":2})").Str()},
      {"attr key", base().Raw("attrs", R"({"j":"v","n":2})").Str()},
      {"attr type", base().Raw("attrs", R"({"k":"v","n":"2"})").Str()},
      {"attr order", base().Raw("attrs", R"({"n":2,"k":"v"})").Str()},
      {"attr extra", base().Raw("attrs", R"({"k":"v","n":2,"x":false})").Str()},
      {"attr removed", base().Raw("attrs", R"({"k":"v"})").Str()},
      {"string moved", base().Remove("agent").Set("tool", "coder").Str()},
  };
  std::vector<Hash128> seen = {id};
  for (const auto& [name, json] : variants) {
    Hash128 v = IdOf(json);
    for (const Hash128& s : seen) EXPECT_NE(v, s) << name;
    seen.push_back(v);
  }
}

TEST(EventId, RawApIdIsTakenAsIs) {
  const std::string hex = "0123456789abcdef0011223344556677";
  Hash128 expect;
  ASSERT_TRUE(Hash128::FromHex(hex, &expect));
  EXPECT_EQ(IdOf(EventJson().Set("id", "ap1:" + hex).Str()), expect);
  // Uppercase hex is the same raw id.
  std::string upper = "ap1:0123456789ABCDEF0011223344556677";
  EXPECT_EQ(IdOf(EventJson().Set("id", upper).Str()), expect);
}

TEST(EventId, NearMissRawIdsAreHashedAsExplicitIds) {
  const std::string hex = "0123456789abcdef0011223344556677";
  for (const std::string& id : {"ap1:" + hex.substr(1), "ap1:" + hex + "0", "ap2:" + hex, "AP1:" + hex,
                                "ap1:" + hex.substr(1) + "g", "ap1:" + std::string(32, '0')}) {
    EXPECT_EQ(IdOf(EventJson().Set("id", id).Str()), ExplicitEventId(id)) << id;
  }
}

TEST(EventId, DerivedIdDirectly) {
  Event e;
  e.kind = SpanKind::kTurn;
  e.start_us = 1;
  e.end_us = 2;
  Hash128 a = DerivedEventId(e, nullptr);
  EXPECT_FALSE(a.IsZero());
  EXPECT_EQ(a, DerivedEventId(e, nullptr));
  e.floats[0] = 0.5;
  Hash128 b = DerivedEventId(e, nullptr);
  EXPECT_NE(a, b);
  // Every NaN is "absent" and hashes alike.
  e.floats[0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(DerivedEventId(e, nullptr), a);
  e.floats[0] = -std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(DerivedEventId(e, nullptr), a);
  // Attributes are read from the pointer given, attr_count of them.
  Attr attrs[2];
  attrs[0].key = "k";
  attrs[0].str = "v";
  attrs[1].key = "n";
  attrs[1].type = AttrType::kNumber;
  attrs[1].num = 3;
  e.attr_count = 1;
  Hash128 one = DerivedEventId(e, attrs);
  e.attr_count = 2;
  Hash128 two = DerivedEventId(e, attrs);
  EXPECT_NE(one, a);
  EXPECT_NE(two, one);
  attrs[1].num = 4;
  EXPECT_NE(DerivedEventId(e, attrs), two);
}

}  // namespace
}  // namespace agentperf::event
