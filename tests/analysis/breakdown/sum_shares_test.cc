#include "analysis/breakdown/sum_shares.h"

#include <gtest/gtest.h>

#include "analysis/breakdown/load.h"
#include "analysis/decompose/session_tree.h"
#include "testing/events.h"
#include "testing/store_pair.h"
#include "testing/temp_dir.h"

namespace agentperf::analysis {
namespace {

using testing::EventJson;
using testing::kBaseMs;

// One coder turn [0, 10 s): step 1 [1, 5 s) with a bash call [2, 4 s) that
// waited 500 ms for permission (stored end already adjusted: 1.5 s, wall 2 s)
// and a retry [4.2, 4.5 s); step 2 [6, 9 s). No parallel work, no TTFC: the
// sums must give exactly the decomposition.
std::string Events() {
  auto span = [](const char* kind, const char* id, int64_t start, int dur) {
    return testing::SpanEvent(kind, "ses_c", id, start, dur).Set("agent", "coder");
  };
  return testing::Ndjson({
      span("session", "ses_c", 0, 10000).Str(),
      span("turn", "msg_u", 0, 10000).Str(),
      span("llm_call", "msg_1", 1000, 4000).Set("parent_span_id", "msg_u").Str(),
      span("tool_call", "prt_b", 2000, 1500)
          .Set("tool", "bash")
          .Set("parent_span_id", "msg_1")
          .Raw("attrs", R"({"wall_ms":2000,"permission_wait_ms":500})")
          .Str(),
      span("permission_wait", "per_1", 2100, 500).Set("tool", "bash").Set("parent_span_id", "prt_b").Str(),
      span("retry", "msg_1:retry:1", 4200, 300).Set("parent_span_id", "msg_1").Str(),
      span("llm_call", "msg_2", 6000, 3000).Set("parent_span_id", "msg_u").Str(),
  });
}

TEST(SharesFromSums, EqualsTheExactDecompositionWithoutParallelWork) {
  testing::TempDir dir;
  auto store = testing::OpenStore(dir.path());
  ASSERT_TRUE(store->Append(testing::Decode(Events())).ok());
  ASSERT_TRUE(store->Flush().ok());
  auto sums = SharesFromSums(store.get(), INT64_MIN, INT64_MAX, {});
  ASSERT_TRUE(sums.ok()) << sums.status().ToString();
  auto spans = LoadWindowSpans(store.get(), INT64_MIN, INT64_MAX);
  ASSERT_TRUE(spans.ok());
  decompose::AgentTimeShares exact = decompose::AggregateByAgent(decompose::BuildTree(*spans));
  ASSERT_EQ(sums->agents.size(), 1u);
  ASSERT_EQ(exact.agents.size(), 1u);
  const auto& s = sums->agents[0];
  const auto& e = exact.agents[0];
  EXPECT_EQ(s.agent, "coder");
  EXPECT_EQ(s.turns, 1);
  EXPECT_EQ(s.wall_us, 10000000);
  EXPECT_EQ(s.serial_us, s.wall_us);
  ASSERT_EQ(s.categories.size(), e.categories.size());
  for (size_t i = 0; i < s.categories.size(); ++i) {
    EXPECT_EQ(s.categories[i].name, e.categories[i].name);
    EXPECT_EQ(s.categories[i].us, e.categories[i].us) << s.categories[i].name;
  }
  // model 7 s − 1.5 s bash − 0.5 s permission − 0.3 s retry = 4.7 s; gap 3 s.
  EXPECT_EQ(s.categories[0].name, "model");
  EXPECT_EQ(s.categories[0].us, 4700000);
  EXPECT_EQ(s.categories[1].name, "gap");
  EXPECT_EQ(s.categories[1].us, 3000000);
}

}  // namespace
}  // namespace agentperf::analysis
