// Tests of the JSONC splice editor: edits keep every other byte; removal
// undoes insertion; errors are reported, not guessed around.
#include "core/jsonc_edit.h"

#include <gtest/gtest.h>

namespace agentperf::jsonc {
namespace {

const char* kWithComments = R"({
  // the schema
  "$schema": "https://opencode.ai/config.json",
  /* models */
  "model": "mock/mock-model", // trailing note
  "experimental": {
    "foo": 1,
  },
}
)";

TEST(Jsonc, GetFindsValuesThroughCommentsAndTrailingCommas) {
  auto v = Get(kWithComments, "/experimental/foo");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->value(), "1");
  auto m = Get(kWithComments, "/model");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->value(), "\"mock/mock-model\"");
  auto absent = Get(kWithComments, "/experimental/openTelemetry");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  EXPECT_FALSE(Get(kWithComments, "/model/x").ok()) << "a string is not an object";
}

TEST(Jsonc, SetAddsAMemberInTheObjectsStyleAndKeepsComments) {
  auto r = Set(kWithComments, "/experimental/openTelemetry", "true");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->before.has_value());
  EXPECT_TRUE(r->created_objects.empty());
  EXPECT_EQ(r->text, R"({
  // the schema
  "$schema": "https://opencode.ai/config.json",
  /* models */
  "model": "mock/mock-model", // trailing note
  "experimental": {
    "foo": 1,
    "openTelemetry": true
  },
}
)");
  auto again = Get(r->text, "/experimental/openTelemetry");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->value(), "true");
}

TEST(Jsonc, SetCreatesMissingObjectsAfterACommentedLastMember) {
  std::string text = "{\n    \"a\": 1 // one\n}\n";
  auto r = Set(text, "/experimental/openTelemetry", "true");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "{\n    \"a\": 1, // one\n    \"experimental\": {\n        \"openTelemetry\": true\n    }\n}\n");
  ASSERT_EQ(r->created_objects.size(), 1u);
  EXPECT_EQ(r->created_objects[0], "/experimental");
  // Removing what was added gives the original bytes back except the comma.
  auto removed = Remove(r->text, "/experimental");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, "{\n    \"a\": 1 // one\n}\n");
}

TEST(Jsonc, SetKeepsABlockCommentAfterATrailingCommaOnItsLine) {
  std::string text = "{\n  // my config\n  \"model\": \"x/y\", /* keep */\n}\n";
  auto r = Set(text, "/experimental/openTelemetry", "true");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text,
            "{\n  // my config\n  \"model\": \"x/y\", /* keep */\n  \"experimental\": {\n    \"openTelemetry\": true\n  }\n}\n");
  // Removing a last member takes the comma before it (the trailing comma the
  // user had); uninstall restores exact bytes from its manifest instead.
  auto removed = Remove(r->text, "/experimental");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, "{\n  // my config\n  \"model\": \"x/y\" /* keep */\n}\n");
}

TEST(Jsonc, SetReplacesAnExistingValueAndReportsTheOldOne) {
  std::string text = R"({"experimental": {"openTelemetry": false /* off */}})";
  auto r = Set(text, "/experimental/openTelemetry", "true");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->before.has_value());
  EXPECT_EQ(*r->before, "false");
  EXPECT_EQ(r->text, R"({"experimental": {"openTelemetry": true /* off */}})");
}

TEST(Jsonc, SetOnOneLineAndEmptyObjectsAndEmptyDocuments) {
  auto one = Set(R"({"a": 1})", "/b", "true");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->text, R"({"a": 1, "b": true})");
  auto removed = Remove(one->text, "/b");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, R"({"a": 1})");

  auto empty = Set("{}", "/x/y", "true");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->text, "{\n  \"x\": {\n    \"y\": true\n  }\n}");
  auto nothing = Set("  \n", "/experimental/openTelemetry", "true");
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(nothing->text, "{\n  \"experimental\": {\n    \"openTelemetry\": true\n  }\n}\n");
  EXPECT_EQ(nothing->created_objects, std::vector<std::string>{"/experimental"});
}

TEST(Jsonc, RemoveMiddleFirstAndLastMembers) {
  std::string text = "{\n  \"a\": 1,\n  \"b\": 2, // two\n  \"c\": 3\n}";
  auto mid = Remove(text, "/b");
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(*mid, "{\n  \"a\": 1,\n  \"c\": 3\n}");
  auto last = Remove(text, "/c");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, "{\n  \"a\": 1,\n  \"b\": 2 // two\n}");
  auto first = Remove(text, "/a");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "{\n  \"b\": 2, // two\n  \"c\": 3\n}");
  auto absent = Remove(text, "/zzz");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, text);
}

TEST(Jsonc, IsEmptyObjectAndRootKeys) {
  auto e = IsEmptyObject("{\"x\": { /* nothing */ }, \"y\": {\"z\": 1}}", "/x");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(*e);
  auto ne = IsEmptyObject("{\"x\": { /* nothing */ }, \"y\": {\"z\": 1}}", "/y");
  ASSERT_TRUE(ne.ok());
  EXPECT_FALSE(*ne);
  auto keys = RootKeys(kWithComments);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, (std::vector<std::string>{"$schema", "model", "experimental"}));
}

TEST(Jsonc, RefusesInvalidText) {
  for (const char* bad : {"{", "{\"a\" 1}", "{\"a\": 1 /* open", "{\"a\": 1} x", "[1 2]", "{\"a\": \"x}"}) {
    EXPECT_FALSE(Get(bad, "/a").ok()) << bad;
    EXPECT_FALSE(Set(bad, "/a", "1").ok()) << bad;
  }
  EXPECT_FALSE(Get("{}", "a").ok()) << "pointer without '/'";
  auto escaped = Get(R"({"a/b": {"~c": 7}})", "/a~1b/~0c");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped->value(), "7");
}

}  // namespace
}  // namespace agentperf::jsonc
