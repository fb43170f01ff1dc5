#include "cli/report_render.h"

#include <gtest/gtest.h>

namespace agentperf::cli {
namespace {

TEST(HumanMs, Ranges) {
  EXPECT_EQ(HumanMs(0.25), "0.25ms");
  EXPECT_EQ(HumanMs(850), "850ms");
  EXPECT_EQ(HumanMs(1240), "1.24s");
  EXPECT_EQ(HumanMs(12500), "12.5s");
  EXPECT_EQ(HumanMs(125000), "2m05s");
  EXPECT_EQ(HumanMs(3720000), "1h02m");
  EXPECT_EQ(HumanMs(std::numeric_limits<double>::quiet_NaN()), "-");
}

// A hand-written answer: every figure below comes from it.
constexpr char kReport[] = R"({"window":{"from_ms":1767225600000,"to_ms":1767312000000},"prices":"p",
 "agents":{"rows":[
  {"labels":{"agent":"coder"},"count":10,"errors":1,"error_rate":0.1,"mean_ms":550,"p50_ms":500,"p90_ms":900,
   "p95_ms":950,"p99_ms":990,"max_ms":1000,"mad_ms":200,"iqr_ms":400,"total_ms":5500,
   "tokens":{"input":1000,"output":500,"reasoning":0,"cache_read":3000,"cache_write":0},
   "cost":0.0129,"cost_estimated":0.0129,"cost_unknown_calls":0,"cache_hit_ratio":0.75,"ttfc_count":2,
   "ttfc_p50_ms":40,"ttfc_p95_ms":60,"model_ms":5200,"output_tokens_per_s":96.15,"turns":2,"retries":1,
   "retries_per_turn":0.5,"steps_per_turn":5,"tokens_per_turn":2250,"cost_per_turn":0.00645}]},
 "tools":{"rows":[
  {"labels":{"agent":"coder","tool":"bash"},"count":2,"errors":0,"error_rate":0,"mean_ms":125,"p50_ms":100,
   "p90_ms":150,"p95_ms":150,"p99_ms":150,"max_ms":150,"mad_ms":25,"iqr_ms":50,"total_ms":250}]},
 "permission_waits":{"rows":[
  {"labels":{"agent":"coder"},"count":1,"errors":0,"error_rate":0,"mean_ms":50,"p50_ms":50,"p90_ms":50,
   "p95_ms":50,"p99_ms":50,"max_ms":50,"mad_ms":0,"iqr_ms":0,"total_ms":50}]}})";

TEST(RenderReport, Golden) {
  auto text = RenderReport(kReport, RenderOptions{false});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  const std::string expected =
      "agentperf report: 2026-01-01T00:00:00.000Z → 2026-01-02T00:00:00.000Z (24h00m)\n"
      "\n"
      "Model steps per agent  (durations: step wall time incl. its tools)\n"
      "agent  steps  errors    p50    p90    p95    p99    max    MAD  TTFC p50  tok/s  turns  steps/turn  tokens in  out  cache hit     cost  cost/turn\n"
      "coder     10   10.0%  500ms  900ms  950ms  990ms  1.00s  200ms      40ms     96      2         5.0       4000  500      75.0%  $0.013*  $0.00645*\n"
      "* cost estimated from model prices (OpenCode recorded 0; docs/prices.md)\n"
      "\n"
      "Tool calls  (tool time without permission waits)\n"
      "agent  tool  calls  errors    p50    p95    p99  total  of agent's tool time\n"
      "coder  bash      2      0%  100ms  150ms  150ms  250ms                100.0%\n"
      "\n"
      "Permission waits\n"
      "agent  waits  total   p50   p95  of step time\n"
      "coder      1   50ms  50ms  50ms          0.9%\n"
      "\n"
      "Top bottlenecks  (by time spent)\n"
      " 1. coder: model and OpenCode time in steps 5.20s (94.5% of its step time; slowest step 1.00s, TTFC p50 40ms)\n"
      " 2. coder: 1 of 10 steps failed (10.0%)\n"
      " 3. coder: bash 250ms over 2 calls (p95 150ms)\n"
      " 4. coder: waiting for permission 50ms over 1 prompt\n";
  EXPECT_EQ(*text, expected);
}

TEST(RenderReport, TimeSharesTableAndBottlenecksFromTheDecomposition) {
  std::string json = kReport;
  json.pop_back();  // add a decomposition to the answer
  json += R"(,"time_shares":{"unit":"us","method":"exact","agents":[{"agent":"coder","turns":2,"wall_us":10000000,
    "serial_us":12000000,"categories":[{"name":"overhead","us":4000000,"share":0.4},
    {"name":"subagent:tester","us":3000000,"share":0.3},{"name":"tool:bash","us":2000000,"share":0.2},
    {"name":"model.generating","us":600000,"share":0.06},{"name":"gap","us":300000,"share":0.03},
    {"name":"permission","us":100000,"share":0.01}]}]}})";
  auto text = RenderReport(json, RenderOptions{false});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("Where the time went  (per agent, over its turns; parts add up"), std::string::npos) << *text;
  EXPECT_NE(text->find("coder      2  10.0s     1.20x  overhead 40.0% · subagent:tester 30.0% · tool:bash 20.0% · "
                       "model.generating 6.0% · gap 3.0% · other 1.0%"),
            std::string::npos)
      << *text;
  // Bottlenecks now come from the decomposition (categories of at least 5 %,
  // subagents left to their own rows), plus failures.
  const size_t at = text->find("Top bottlenecks");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(text->substr(at),
            "Top bottlenecks  (by time spent)\n"
            " 1. coder: OpenCode's own work before model requests 4.00s (40.0% of its turn time)\n"
            " 2. coder: bash tool 2.00s (20.0% of its turn time)\n"
            " 3. coder: model generating 600ms (6.0% of its turn time)\n"
            " 4. coder: 1 of 10 steps failed (10.0%)\n");
}

TEST(RenderReport, ColourOnlyWhenAsked) {
  auto plain = RenderReport(kReport, RenderOptions{false});
  auto color = RenderReport(kReport, RenderOptions{true});
  ASSERT_TRUE(plain.ok() && color.ok());
  EXPECT_EQ(plain->find('\x1b'), std::string::npos);
  EXPECT_NE(color->find("\x1b[31m10.0%\x1b[0m"), std::string::npos) << *color;  // 10 % errors in red
}

TEST(RenderCompare, NamesTheLikelyCause) {
  constexpr char kCompare[] = R"({"kind":"llm_call","metric":"duration_ms","unit":"ms",
    "before":{"from_ms":1767225600000,"to_ms":1767229200000,"count":400,"mean":103,"p50":103,"p95":106,"samples":400},
    "after":{"from_ms":1767232800000,"to_ms":1767236400000,"count":400,"mean":203,"p50":200,"p95":306,"samples":400},
    "change":{"mean":100,"mean_ratio":1.97,"p50":97,"p95":200,
      "significance":{"test":"mann_whitney_u","n_before":400,"n_after":400,"z":-17,"p_value":1e-60,"effect":0.5},
      "p50_change_ci95":[2,197],"p95_change_ci95":[199,201]},
    "explained":[{"dimension":"agent","values":[
      {"value":"researcher","contribution":100,"share":1,"mix":0,"rate":100,"mean_before":103,
       "mean_after":303,"weight_before":0.5,"weight_after":0.5,
       "significance":{"test":"mann_whitney_u","n_before":200,"n_after":200,"z":-17,"p_value":1e-40,"effect":1}},
      {"value":"coder","contribution":0,"share":0,"mix":0,"rate":0,"mean_before":103,
       "mean_after":103,"weight_before":0.5,"weight_after":0.5,
       "significance":{"test":"mann_whitney_u","n_before":200,"n_after":200,"z":0,"p_value":1,"effect":0}}]}],
    "source":{"spans_sampled":800,"elapsed_ms":1}})";
  auto text = RenderCompare(kCompare, RenderOptions{false});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->substr(0, text->find('\n')), "agentperf compare: llm_call duration_ms");
  EXPECT_NE(text->find("mean    103ms  203ms                  +100ms (+97.1%)"), std::string::npos) << *text;
  EXPECT_NE(text->find("p50     103ms  200ms     +97ms, 95% CI [+2ms, +197ms]"), std::string::npos) << *text;
  EXPECT_NE(text->find("p = 1.0e-60, effect +0.50 → slower after"), std::string::npos) << *text;
  EXPECT_NE(text->find("Likely cause: agent researcher's spans got slower: mean 103ms → 303ms, 100.0% of the change; "
                       "its share of spans barely moved (+0.00ms mix)."),
            std::string::npos)
      << *text;
  EXPECT_FALSE(RenderCompare("{}", {}).ok());
}

// An error rate reads in percentages, its changes in percentage points; no
// quantile rows (p50/p95 of 0/1 values are null).
TEST(RenderCompare, ErrorRateInPercentagePoints) {
  constexpr char kCompare[] = R"({"kind":"llm_call","metric":"error_rate","unit":"fraction",
    "before":{"from_ms":1767225600000,"to_ms":1767229200000,"count":400,"mean":0.05,"p50":null,"p95":null,"samples":400},
    "after":{"from_ms":1767232800000,"to_ms":1767236400000,"count":400,"mean":0.225,"p50":null,"p95":null,"samples":400},
    "change":{"mean":0.175,"mean_ratio":4.5,"p50":null,"p95":null,
      "significance":{"test":"mann_whitney_u","n_before":400,"n_after":400,"z":-6.9,"p_value":4e-12,"effect":0.175},
      "p50_change_ci95":null,"p95_change_ci95":null},
    "explained":[{"dimension":"agent","values":[
      {"value":"B","contribution":0.175,"share":1,"mix":0,"rate":0.175,"mean_before":0.05,
       "mean_after":0.4,"weight_before":0.5,"weight_after":0.5,
       "significance":{"test":"mann_whitney_u","n_before":200,"n_after":200,"z":-8,"p_value":1e-15,"effect":0.35}},
      {"value":"A","contribution":0,"share":0,"mix":0,"rate":0,"mean_before":0.05,
       "mean_after":0.05,"weight_before":0.5,"weight_after":0.5,
       "significance":{"test":"mann_whitney_u","n_before":200,"n_after":200,"z":0,"p_value":1,"effect":0}}]}],
    "source":{"spans_sampled":800,"elapsed_ms":1}})";
  auto text = RenderCompare(kCompare, RenderOptions{false});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->substr(0, text->find('\n')), "agentperf compare: llm_call error_rate");
  EXPECT_NE(text->find("mean     5.0%  22.5%  +17.5 pp (+350.0%)"), std::string::npos) << *text;
  EXPECT_EQ(text->find("p50"), std::string::npos) << *text;
  EXPECT_NE(text->find("p = 4.0e-12, effect +0.17 → more errors after"), std::string::npos) << *text;
  EXPECT_NE(text->find("What explains the change of the mean (+17.5 pp)"), std::string::npos) << *text;
  EXPECT_NE(text->find("agent      B      100.0%      +17.5 pp  +0.0 pp  +17.5 pp         5.0%  40.0%  1.0e-15"),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("Likely cause: agent B's spans failed more often: error rate 5.0% → 40.0%, 100.0% of the "
                       "change; its share of spans barely moved (+0.0 pp mix)."),
            std::string::npos)
      << *text;
}

// Cost in dollars (4 significant digits); a change carried by the share of
// spans (mix) is named as such.
TEST(RenderCompare, CostInDollarsAndAMixCause) {
  constexpr char kCompare[] = R"({"kind":"llm_call","metric":"cost","unit":"USD",
    "before":{"from_ms":1767225600000,"to_ms":1767229200000,"count":400,"mean":0.0019,"p50":0.00101,"p95":0.01012,"samples":400},
    "after":{"from_ms":1767232800000,"to_ms":1767236400000,"count":400,"mean":0.0064,"p50":0.0101,"p95":0.01024,"samples":400},
    "change":{"mean":0.0045,"mean_ratio":3.368,"p50":0.00909,"p95":0.00012,
      "significance":{"test":"mann_whitney_u","n_before":400,"n_after":400,"z":-15,"p_value":1e-50,"effect":0.5},
      "p50_change_ci95":[0.008912,0.009213],"p95_change_ci95":[0,0.0002]},
    "explained":[{"dimension":"model","values":[
      {"value":"m2","contribution":0.005,"share":1.1111,"mix":0.005,"rate":0,"mean_before":0.0101,
       "mean_after":0.0101,"weight_before":0.1,"weight_after":0.6,
       "significance":{"test":"mann_whitney_u","n_before":40,"n_after":240,"z":0,"p_value":0.9,"effect":0}},
      {"value":"m1","contribution":-0.0005,"share":-0.1111,"mix":-0.0005,"rate":0,"mean_before":0.00101,
       "mean_after":0.00101,"weight_before":0.9,"weight_after":0.4,
       "significance":{"test":"mann_whitney_u","n_before":360,"n_after":160,"z":0,"p_value":0.9,"effect":0}}]}],
    "source":{"spans_sampled":800,"elapsed_ms":1}})";
  auto text = RenderCompare(kCompare, RenderOptions{false});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->substr(0, text->find('\n')), "agentperf compare: llm_call cost");
  EXPECT_NE(text->find("mean    $0.0019   $0.0064                          +$0.0045 (+236.8%)"), std::string::npos)
      << *text;
  EXPECT_NE(text->find("p50    $0.00101   $0.0101  +$0.00909, 95% CI [+$0.008912, +$0.009213]"), std::string::npos)
      << *text;
  EXPECT_NE(text->find("→ more expensive after"), std::string::npos) << *text;
  EXPECT_NE(text->find("model      m1     -11.1%      -$0.0005  -$0.0005   +$0     $0.00101  $0.00101  0.9000"),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("Likely cause: model m2 went from 10.0% to 60.0% of the spans (mean $0.0101 against $0.0019 "
                       "overall before), 111.1% of the change (+$0.005 mix, +$0 rate)."),
            std::string::npos)
      << *text;
}

TEST(RenderOutliers, GroupsTheirSlowestSpanAndTheSessions) {
  constexpr char kOutliers[] = R"({"window":{"from_ms":1767225600000,"to_ms":1767229200000},"outliers":{
    "threshold":3.5,"method":"modified z","groups_examined":4,
    "groups":[{"kind":"tool_call","agent":"tester","tool":"bash","count":200,"median_ms":100,"mad_ms":20,
               "scale_ms":29.65,"scale_from":"mad","outliers":3,
               "spans":[{"span_id":"p3","session_id":"ses_b","start_ms":1767225700000,"duration_ms":2600,
                         "z":84.31,"x_median":26}]}],
    "not_judged":[],
    "sessions":[{"session_id":"ses_a","agent":"tester","outlying_spans":2,"max_z":64.08}],
    "source":{"spans_read":220,"queries":4,"rollup_cells":8,"elapsed_ms":1}}})";
  auto text = RenderOutliers(kOutliers, RenderOptions{false});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("more than 3.5 robust standard deviations"), std::string::npos) << *text;
  EXPECT_NE(text->find("tool_call  tester  bash    200   100ms  20ms         3    2.60s  84.3      26.0  ses_b"),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("ses_a    tester               2   64.1"), std::string::npos) << *text;
  EXPECT_NE(text->find("4 groups examined, 220 spans read"), std::string::npos) << *text;
  EXPECT_FALSE(RenderOutliers(R"({"window":{},"report":{}})", {}).ok());
}

TEST(RenderCorrelations, OneRowPerFindingWithItsSlope) {
  constexpr char kCorrelations[] = R"({"window":{"from_ms":1767225600000,"to_ms":1767229200000},"correlations":{
    "alpha":0.01,"min_effect":0.3,"method":"Spearman",
    "findings":[{"kind":"llm_call","agent":"coder","model":"m-big","x":"tokens.input","y":"duration_ms","n":200,
                 "rho":0.93,"p_value":1e-80,"q_value":2e-80,"strength":"strong","slope":50,
                 "slope_unit":"ms per 1k tokens"}],
    "tested":6,"not_significant":1,"too_few":1,"constant":1,"source":{"spans_read":610,"block_stride":1}}})";
  auto text = RenderCorrelations(kCorrelations, RenderOptions{false});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("llm_call  coder  m-big         duration_ms  tokens.input  200  +0.93  2.0e-80  strong    "
                       "+50 ms per 1k tokens"),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("6 pairs tested, 1 not significant or too weak, 1 with too few points"), std::string::npos)
      << *text;
  EXPECT_FALSE(RenderCorrelations("{}", {}).ok());
}

TEST(RenderReport, RejectsOtherJson) {
  EXPECT_FALSE(RenderReport("{}", {}).ok());
  EXPECT_FALSE(RenderReport("not json", {}).ok());
}

}  // namespace
}  // namespace agentperf::cli
