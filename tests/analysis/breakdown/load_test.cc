#include "analysis/breakdown/load.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "testing/events.h"
#include "testing/store_pair.h"
#include "testing/temp_dir.h"

namespace agentperf::analysis {
namespace {

using testing::EventJson;
using testing::kBaseMs;

// A planner session delegating to a tester through `task`, and an unrelated
// session an hour later.
std::string Events() {
  const auto span = testing::SpanEvent;
  return testing::Ndjson({
      span("session", "ses_p", "ses_p", 0, 10000).Set("agent", "planner").Str(),
      span("turn", "ses_p", "msg_u", 10, 9900).Set("agent", "planner").Str(),
      span("llm_call", "ses_p", "msg_a", 20, 9000).Set("agent", "planner").Set("parent_span_id", "msg_u").Str(),
      span("tool_call", "ses_p", "prt_t", 1000, 7000)
          .Set("tool", "task")
          .Set("parent_span_id", "msg_a")
          .Raw("attrs", R"({"child_session_id":"ses_t"})")
          .Str(),
      span("session", "ses_t", "ses_t", 1100, 6800).Set("agent", "tester").Set("parent_session_id", "ses_p").Str(),
      span("turn", "ses_t", "msg_tu", 1150, 6700).Set("agent", "tester").Str(),
      span("session", "ses_x", "ses_x", 3600000, 1000).Set("agent", "coder").Str(),
  });
}

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->Append(testing::Decode(Events())).ok());
  }
  std::set<std::string> Ids(const std::vector<decompose::Span>& spans) {
    std::set<std::string> ids;
    for (const auto& s : spans) ids.insert(s.span_id);
    return ids;
  }
  testing::TempDir dir_;
  std::unique_ptr<store::EmbeddedStore> store_;
};

TEST_F(LoadTest, ASessionComesWithItsSubagentsAndNothingFarAway) {
  for (bool flushed : {false, true}) {
    if (flushed) ASSERT_TRUE(store_->Flush().ok());
    LoadStats stats;
    auto spans = LoadSessionSpans(store_.get(), "ses_p", &stats);
    ASSERT_TRUE(spans.ok()) << spans.status().ToString();
    EXPECT_EQ(Ids(*spans), (std::set<std::string>{"ses_p", "msg_u", "msg_a", "prt_t", "ses_t", "msg_tu"}))
        << "flushed=" << flushed;
    EXPECT_EQ(stats.events, 6u);
    auto child = std::find_if(spans->begin(), spans->end(), [](const auto& s) { return s.span_id == "prt_t"; });
    ASSERT_NE(child, spans->end());
    EXPECT_EQ(child->child_session_id, "ses_t");
  }
}

TEST_F(LoadTest, WindowsAndUnknownSessions) {
  auto all = LoadWindowSpans(store_.get(), kBaseMs * 1000, (kBaseMs + 7200000) * 1000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 7u);
  auto early = LoadWindowSpans(store_.get(), kBaseMs * 1000, (kBaseMs + 1050) * 1000);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(Ids(*early), (std::set<std::string>{"ses_p", "msg_u", "msg_a", "prt_t"}));
  auto none = LoadSessionSpans(store_.get(), "ses_nope");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace agentperf::analysis
