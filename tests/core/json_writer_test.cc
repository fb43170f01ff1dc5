#include "core/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace agentperf {
namespace {

namespace dom = simdjson::dom;

std::string Str(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

// Parses `json` and returns the decoded string value (fails the test if the
// output is not a valid JSON string).
std::string ParseString(const std::string& json) {
  dom::parser parser;
  std::string_view v;
  auto ec = parser.parse(json).get_string().get(v);
  EXPECT_EQ(ec, simdjson::SUCCESS) << json;
  return std::string(v);
}

double ParseDouble(const std::string& json) {
  dom::parser parser;
  dom::element el;
  auto ec = parser.parse(json).get(el);
  EXPECT_EQ(ec, simdjson::SUCCESS) << json;
  if (ec) return std::nan("");
  double d = 0;
  EXPECT_EQ(el.get_double().get(d), simdjson::SUCCESS) << json;
  return d;
}

std::string DoubleJson(double v) {
  JsonWriter w;
  w.Double(v);
  return w.Take();
}

// Structural equality of two parsed JSON values (object key order matters:
// the writer and PrettyJson preserve it).
::testing::AssertionResult SameJson(dom::element a, dom::element b, const std::string& path = "$") {
  if (a.type() != b.type()) return ::testing::AssertionFailure() << path << ": type differs";
  switch (a.type()) {
    case dom::element_type::ARRAY: {
      dom::array aa = a.get_array().value(), ba = b.get_array().value();
      if (aa.size() != ba.size()) return ::testing::AssertionFailure() << path << ": array size differs";
      auto bi = ba.begin();
      size_t i = 0;
      for (dom::element x : aa) {
        auto r = SameJson(x, *bi, path + "[" + std::to_string(i++) + "]");
        if (!r) return r;
        ++bi;
      }
      return ::testing::AssertionSuccess();
    }
    case dom::element_type::OBJECT: {
      dom::object ao = a.get_object().value(), bo = b.get_object().value();
      if (ao.size() != bo.size()) return ::testing::AssertionFailure() << path << ": object size differs";
      auto bi = bo.begin();
      for (dom::key_value_pair kv : ao) {
        if (kv.key != bi.key()) return ::testing::AssertionFailure() << path << ": key " << kv.key;
        auto r = SameJson(kv.value, bi.value(), path + "." + std::string(kv.key));
        if (!r) return r;
        ++bi;
      }
      return ::testing::AssertionSuccess();
    }
    case dom::element_type::STRING:
      if (a.get_string().value() != b.get_string().value()) return ::testing::AssertionFailure() << path;
      return ::testing::AssertionSuccess();
    case dom::element_type::INT64:
      if (a.get_int64().value() != b.get_int64().value()) return ::testing::AssertionFailure() << path;
      return ::testing::AssertionSuccess();
    case dom::element_type::UINT64:
      if (a.get_uint64().value() != b.get_uint64().value()) return ::testing::AssertionFailure() << path;
      return ::testing::AssertionSuccess();
    case dom::element_type::DOUBLE:
      if (a.get_double().value() != b.get_double().value()) return ::testing::AssertionFailure() << path;
      return ::testing::AssertionSuccess();
    case dom::element_type::BOOL:
      if (a.get_bool().value() != b.get_bool().value()) return ::testing::AssertionFailure() << path;
      return ::testing::AssertionSuccess();
    case dom::element_type::NULL_VALUE:
      return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << path << ": unknown type";
}

::testing::AssertionResult PrettyParsesToSame(const std::string& compact) {
  std::string pretty = PrettyJson(compact);
  dom::parser pa, pb;
  dom::element a, b;
  if (pa.parse(compact).get(a) != simdjson::SUCCESS) return ::testing::AssertionFailure() << "compact does not parse: " << compact;
  if (pb.parse(pretty).get(b) != simdjson::SUCCESS) return ::testing::AssertionFailure() << "pretty does not parse:\n" << pretty;
  return SameJson(a, b);
}

TEST(JsonString, EscapesQuoteBackslashAndNamedControls) {
  EXPECT_EQ(Str(""), "\"\"");
  EXPECT_EQ(Str("plain"), "\"plain\"");
  EXPECT_EQ(Str("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(Str("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(Str("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Str("/"), "\"/\"");  // solidus need not be escaped
}

TEST(JsonString, EscapesOtherControlsAndDelAsUnicode) {
  EXPECT_EQ(Str("\x01"), "\"\\u0001\"");
  EXPECT_EQ(Str("\x1f"), "\"\\u001f\"");
  EXPECT_EQ(Str(std::string("\0", 1)), "\"\\u0000\"");
  EXPECT_EQ(Str("\x7f"), "\"\\u007f\"");
  EXPECT_EQ(Str("x\x0by"), "\"x\\u000by\"");
}

TEST(JsonString, Utf8PassesThroughUnchanged) {
  const std::string s = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\x89";  // café 日本 🎉
  EXPECT_EQ(Str(s), "\"" + s + "\"");
  EXPECT_EQ(ParseString(Str(s)), s);
}

TEST(JsonString, EveryByteValueRoundTripsThroughAParser) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  std::string json = Str(all);
  for (char c : json) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control byte in output";
  EXPECT_EQ(ParseString(json), all);
}

TEST(JsonString, AppendsToExistingContent) {
  std::string out = "prefix:";
  AppendJsonString(&out, "v");
  EXPECT_EQ(out, "prefix:\"v\"");
}

TEST(JsonWriter, IntegersAtExtremes) {
  JsonWriter w;
  w.BeginArray()
      .Int(0)
      .Int(-1)
      .Int(std::numeric_limits<int64_t>::min())
      .Int(std::numeric_limits<int64_t>::max())
      .Uint(std::numeric_limits<uint64_t>::max())
      .EndArray();
  EXPECT_EQ(w.str(), "[0,-1,-9223372036854775808,9223372036854775807,18446744073709551615]");
}

TEST(JsonWriter, WholeDoublesHaveNoDecimals) {
  EXPECT_EQ(DoubleJson(0.0), "0");
  EXPECT_EQ(DoubleJson(3.0), "3");
  EXPECT_EQ(DoubleJson(-2.0), "-2");
  EXPECT_EQ(DoubleJson(1767225600000.0), "1767225600000");
  EXPECT_EQ(DoubleJson(999999999999999.0), "999999999999999");
}

TEST(JsonWriter, FractionalDoublesRoundTrip) {
  EXPECT_EQ(DoubleJson(0.1), "0.1");
  EXPECT_EQ(DoubleJson(-2.5), "-2.5");
  EXPECT_EQ(ParseDouble(DoubleJson(0.1)), 0.1);
  EXPECT_EQ(ParseDouble(DoubleJson(1.0 / 3.0)), 1.0 / 3.0);
  for (double v : {1e15, 1e300, -1e300, 5e-324, 2.2250738585072014e-308, 1767225600000.123,
                   std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()}) {
    std::string j = DoubleJson(v);
    EXPECT_EQ(ParseDouble(j), v) << j;
  }
}

TEST(JsonWriter, RandomDoublesRoundTripExactly) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, 8);
    if (!std::isfinite(v)) continue;
    std::string j = DoubleJson(v);
    ASSERT_EQ(ParseDouble(j), v) << j;
  }
}

TEST(JsonWriter, NonFiniteDoublesAreNull) {
  EXPECT_EQ(DoubleJson(std::nan("")), "null");
  EXPECT_EQ(DoubleJson(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(DoubleJson(-std::numeric_limits<double>::infinity()), "null");
  JsonWriter w;
  w.BeginObject().Field("x", std::numeric_limits<double>::quiet_NaN()).EndObject();
  EXPECT_EQ(w.str(), "{\"x\":null}");
}

TEST(JsonWriter, NestingAndCommas) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").Int(1);
  w.Key("b").BeginArray().Int(1).Int(2).BeginObject().EndObject().BeginArray().EndArray().String("s").EndArray();
  w.Key("c").Null();
  w.Key("d").BeginObject().Field("e", true).Field("f", false).EndObject();
  w.Key("g").BeginArray().BeginArray().BeginArray().EndArray().EndArray().EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[1,2,{},[],"s"],"c":null,"d":{"e":true,"f":false},"g":[[[]]]})");
  dom::parser p;
  EXPECT_EQ(p.parse(w.str()).error(), simdjson::SUCCESS);
}

TEST(JsonWriter, FieldOverloadsPickTheRightType) {
  JsonWriter w;
  w.BeginObject()
      .Field("s", std::string_view("v"))
      .Field("c", "lit")
      .Field("i", 3)
      .Field("i64", int64_t{-4})
      .Field("u", uint64_t{5})
      .Field("d", 0.5)
      .Field("b", true)
      .EndObject();
  EXPECT_EQ(w.str(), R"({"s":"v","c":"lit","i":3,"i64":-4,"u":5,"d":0.5,"b":true})");
}

TEST(JsonWriter, KeysAreEscaped) {
  JsonWriter w;
  w.BeginObject().Field("k\"\n", 1).EndObject();
  EXPECT_EQ(w.str(), "{\"k\\\"\\n\":1}");
}

TEST(JsonWriter, RawInsertsValueWithCommas) {
  JsonWriter w;
  w.BeginArray().Raw("{\"x\":1}").Raw("[2]").Int(3).EndArray();
  EXPECT_EQ(w.str(), R"([{"x":1},[2],3])");
  JsonWriter o;
  o.BeginObject().Key("r").Raw("true").Key("n").Int(1).EndObject();
  EXPECT_EQ(o.str(), R"({"r":true,"n":1})");
}

TEST(JsonWriter, ExternalOutputIsAppendedAndTakeMovesIt) {
  std::string out = "[";
  JsonWriter w(&out);
  w.BeginObject().Field("a", 1).EndObject();
  EXPECT_EQ(out, "[{\"a\":1}");
  EXPECT_EQ(&w.str(), &out);
  JsonWriter own;
  own.String("x");
  std::string taken = own.Take();
  EXPECT_EQ(taken, "\"x\"");
}

TEST(PrettyJson, ExactLayout) {
  EXPECT_EQ(PrettyJson(R"({"a":1,"b":[true,null],"c":{},"d":[]})"),
            "{\n"
            "  \"a\": 1,\n"
            "  \"b\": [\n"
            "    true,\n"
            "    null\n"
            "  ],\n"
            "  \"c\": {},\n"
            "  \"d\": []\n"
            "}");
  EXPECT_EQ(PrettyJson("[]"), "[]");
  EXPECT_EQ(PrettyJson("{}"), "{}");
  EXPECT_EQ(PrettyJson("42"), "42");
}

TEST(PrettyJson, StructuralCharactersInsideStringsAreUntouched) {
  const std::string compact = R"({"k,{:}":"v [1, 2] {\"q\": \\} ,","e":"\\","t":"a\tb"})";
  std::string pretty = PrettyJson(compact);
  EXPECT_NE(pretty.find(R"("k,{:}": "v [1, 2] {\"q\": \\} ,")"), std::string::npos) << pretty;
  EXPECT_NE(pretty.find(R"("e": "\\",)"), std::string::npos) << pretty;
  EXPECT_TRUE(PrettyParsesToSame(compact));
}

TEST(PrettyJson, ParsesBackToTheSameStructure) {
  JsonWriter w;
  w.BeginObject();
  w.Field("name", "agent \"x\" \\ \x01 caf\xc3\xa9");
  w.Key("n").Double(0.1);
  w.Key("big").Uint(std::numeric_limits<uint64_t>::max());
  w.Key("neg").Int(-7);
  w.Key("list").BeginArray();
  for (int i = 0; i < 5; ++i) {
    w.BeginObject().Field("i", i).Key("nested").BeginArray().BeginArray().Int(i).EndArray().EndArray().EndObject();
  }
  w.EndArray();
  w.Key("empty_obj").BeginObject().EndObject();
  w.Key("empty_arr").BeginArray().EndArray();
  w.Key("nil").Null();
  w.EndObject();
  EXPECT_TRUE(PrettyParsesToSame(w.str()));
}

TEST(PrettyJson, ReindentingPrettyOutputIsStable) {
  const std::string compact = R"({"a":[1,{"b":[2,3]}],"c":"x"})";
  std::string once = PrettyJson(compact);
  EXPECT_EQ(PrettyJson(once), once);  // whitespace outside strings is dropped and rebuilt
}

}  // namespace
}  // namespace agentperf
