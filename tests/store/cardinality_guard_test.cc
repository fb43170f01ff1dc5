// Tests for CardinalityGuard: per-label caps, all-or-nothing admission,
// error location, id fields left unguarded, and thread safety.
#include "store/cardinality_guard.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace agentperf::store {
namespace {

using event::StrField;

// A batch whose event i has the given agent and tool ("" = absent).
event::EventBatch Make(const std::vector<std::pair<std::string, std::string>>& agent_tool) {
  event::EventBatch b;
  uint64_t id = 1;
  for (const auto& [agent, tool] : agent_tool) {
    event::Event e;
    e.id = Hash128{id++, 7};
    if (!agent.empty()) e.str[static_cast<int>(StrField::kAgent)] = b.arena.Copy(agent);
    if (!tool.empty()) e.str[static_cast<int>(StrField::kTool)] = b.arena.Copy(tool);
    b.events.push_back(e);
  }
  return b;
}

TEST(CardinalityGuardTest, AdmitsUpToTheLimit) {
  CardinalityGuard g(3);
  EXPECT_EQ(g.max_values_per_label(), 3u);
  event::DecodeError err;
  ASSERT_TRUE(g.Admit(Make({{"a", ""}, {"b", ""}, {"a", ""}, {"c", ""}}), &err).ok());
  EXPECT_EQ(g.Count(StrField::kAgent), 3u);
  EXPECT_EQ(g.Count(StrField::kTool), 0u);
  // Known values are always fine.
  ASSERT_TRUE(g.Admit(Make({{"c", ""}, {"a", ""}, {"", ""}}), &err).ok());
  Status st = g.Admit(Make({{"a", ""}, {"d", ""}}), &err);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("event 1"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("'agent'"), std::string::npos);
  EXPECT_EQ(err.index, 1);
  EXPECT_EQ(err.field, "agent");
  EXPECT_NE(err.message.find("'d'"), std::string::npos) << err.message;
  EXPECT_EQ(g.Count(StrField::kAgent), 3u);
  // A null err is allowed.
  EXPECT_FALSE(g.Admit(Make({{"e", ""}}), nullptr).ok());
}

TEST(CardinalityGuardTest, RefusalAdmitsNothingOfTheBatch) {
  CardinalityGuard g(2);
  event::DecodeError err;
  ASSERT_TRUE(g.Admit(Make({{"a", "t1"}}), &err).ok());
  // New tool t2 comes before the agent overflow; it must not be kept.
  Status st = g.Admit(Make({{"a", "t2"}, {"b", ""}, {"c", "t3"}}), &err);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(err.index, 2);
  EXPECT_EQ(err.field, "agent");
  EXPECT_EQ(g.Count(StrField::kAgent), 1u);
  EXPECT_EQ(g.Count(StrField::kTool), 1u);
  // The same values in batches that fit are fine.
  ASSERT_TRUE(g.Admit(Make({{"b", "t2"}}), &err).ok());
  EXPECT_EQ(g.Count(StrField::kAgent), 2u);
  EXPECT_EQ(g.Count(StrField::kTool), 2u);
}

TEST(CardinalityGuardTest, RepeatedNewValueInOneBatchCountsOnce) {
  CardinalityGuard g(2);
  event::DecodeError err;
  // x, y, x, y (alternating defeats the "same as previous event" shortcut).
  ASSERT_TRUE(g.Admit(Make({{"x", ""}, {"y", ""}, {"x", ""}, {"y", ""}, {"y", ""}}), &err).ok());
  EXPECT_EQ(g.Count(StrField::kAgent), 2u);
  // Over the limit in the middle of a run of equal values.
  CardinalityGuard h(1);
  Status st = h.Admit(Make({{"p", ""}, {"p", ""}, {"q", ""}, {"q", ""}}), &err);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(err.index, 2);
  EXPECT_EQ(h.Count(StrField::kAgent), 0u);
}

TEST(CardinalityGuardTest, IdFieldsAreNotGuarded) {
  CardinalityGuard g(1);
  event::EventBatch b;
  for (int i = 0; i < 50; ++i) {
    event::Event e;
    e.id = Hash128{static_cast<uint64_t>(i + 1), 1};
    e.str[static_cast<int>(StrField::kSessionId)] = b.arena.Copy("session-" + std::to_string(i));
    e.str[static_cast<int>(StrField::kSpanId)] = b.arena.Copy("span-" + std::to_string(i));
    e.str[static_cast<int>(StrField::kMessageId)] = b.arena.Copy("msg-" + std::to_string(i));
    b.events.push_back(e);
  }
  event::DecodeError err;
  EXPECT_TRUE(g.Admit(b, &err).ok());
  EXPECT_EQ(g.Count(StrField::kSessionId), 0u);
}

TEST(CardinalityGuardTest, EveryLabelFieldIsGuarded) {
  for (const auto& f : event::kStrFields) {
    if (!f.is_label) continue;
    CardinalityGuard g(1);
    event::EventBatch b;
    for (int i = 0; i < 2; ++i) {
      event::Event e;
      e.id = Hash128{static_cast<uint64_t>(i + 1), 2};
      e.str[static_cast<int>(f.field)] = b.arena.Copy("v" + std::to_string(i));
      b.events.push_back(e);
    }
    event::DecodeError err;
    EXPECT_FALSE(g.Admit(b, &err).ok()) << f.json_name;
    EXPECT_EQ(err.field, f.json_name);
    EXPECT_EQ(err.index, 1);
  }
}

TEST(CardinalityGuardTest, SeedCountsAgainstTheLimit) {
  CardinalityGuard g(2);
  g.Seed(StrField::kAgent, "a");
  g.Seed(StrField::kAgent, "b");
  g.Seed(StrField::kAgent, "a");
  EXPECT_EQ(g.Count(StrField::kAgent), 2u);
  event::DecodeError err;
  EXPECT_TRUE(g.Admit(Make({{"b", ""}}), &err).ok());
  EXPECT_FALSE(g.Admit(Make({{"c", ""}}), &err).ok());
}

TEST(CardinalityGuardTest, ConcurrentAdmitsNeverPassTheLimit) {
  CardinalityGuard g(100);
  std::atomic<int> admitted_batches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        auto b = Make({{"agent-" + std::to_string(t) + "-" + std::to_string(i), ""}, {"shared", ""}});
        event::DecodeError err;
        if (g.Admit(b, &err).ok()) admitted_batches.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(g.Count(StrField::kAgent), 100u);
  // "shared" plus 99 distinct per-thread values.
  EXPECT_EQ(admitted_batches.load(), 99);
}

}  // namespace
}  // namespace agentperf::store
