// Rendering of decompositions: JSON (for the REST API and --json) and a
// terminal waterfall (for `agentperf explain`).
//
// JSON format. All times are INTEGER MICROSECONDS (keys ending in "_us", plus
// "us" in lists), so the categories add up to wall_us exactly in the output as
// well; shares and parallelism are doubles rounded to 4 decimals. Shape:
//   {"unit":"us",
//    "node":{"kind":"turn","span_id":"msg_u1","session_id":"ses_a","agent":"planner",
//            "start_us":..,"end_us":..},          // + "tool","model" when set, "synthetic":true
//    "wall_us":10000000,"serial_us":13000000,"parallelism":1.3,"spans":12,
//    "categories":[{"name":"subagent:tester","us":5500000,"share":0.55},..],
//    "subagents":[{"session_id":"ses_b","agent":"tester","via_span_id":"prt_t",
//                  "attributed_us":5500000,"breakdown":{ same shape, no
//                  "unit" and no "critical_path" }},..],
//    "diagnostics":{"zero_length_spans":0,"clipped_spans":0,"clipped_us":0,
//                   "missing_parents":0,"synthetic_sessions":0,"inverted_spans":0},
//    "critical_path":[{"kind":"tool_call","span_id":"prt_1","session_id":"ses_a",
//                      "agent":"planner","tool":"bash","offset_us":..,"us":..},..],
//    "tree_diagnostics":{"duplicate_spans":0,"missing_parents":0,"synthetic_sessions":0,
//                        "sessions_without_task":0,"orphan_sessions":0,"clipped_spans":0,
//                        "clipped_us":0,"inverted_spans":0,"cycles_broken":0,
//                        "ignored_samples":0,"notes":["..."]}}
// critical_path entries are the PathSegments in time order; offset_us is from
// the node's start; agent is the span's, else its session's. "diagnostics"
// covers the node's subtree, "tree_diagnostics" the whole tree. AgentSharesJson: {"unit":"us","skipped_turns":0,"agents":[
//   {"agent":"tester","turns":3,"wall_us":..,"serial_us":..,
//    "categories":[{"name":"tool:bash","us":..,"share":0.61},..]},..]}.
//
// Waterfall (RenderWaterfall): one line per span of the session's subtree
// (subagent sessions included), depth-first with children in start order:
//   <mark> <indent+label padded to 34> <duration right-aligned in 9> |<bar>|
// mark is '*' for spans on the session's critical path (a segment of the path
// or an ancestor of one), else ' '; indent is 2 spaces per level below the
// session; the label is the kind plus agent (session, turn), model (llm_call)
// or tool (tool_call, permission_wait). The bar has max(10, width - 49)
// columns scaled to the session's wall time, '#' on the critical path and '='
// elsewhere (every span of non-zero length gets at least one column). With
// color, critical-path lines are bold red (ANSI). Then a blank line, a summary
// line, one line per category ("  <name padded to 24> <pct>%  <duration>"),
// each subagent's nested breakdown indented by 2 more (names padded 2 less,
// so the columns stay aligned), and a diagnostics line
// when anything was clipped, placed by time, synthetic or inverted.
// Durations: "<n> us" below 1 ms, "<x.y> ms" below 1 s, else "<x.y> s".
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/decompose/attribution.h"
#include "analysis/decompose/critical_path.h"
#include "analysis/decompose/session_tree.h"
#include "core/json_writer.h"

namespace agentperf::analysis::decompose {

std::string BreakdownJson(const SpanTree& tree, const Breakdown& breakdown, const std::vector<PathSegment>& path);
// Attributes `node` and computes its critical path, then renders both.
std::string BreakdownJson(const SpanTree& tree, NodeId node);
std::string AgentSharesJson(const AgentTimeShares& shares);
// The same object's fields, into an object the caller has begun (so it can add its own).
void WriteAgentSharesFields(const AgentTimeShares& shares, JsonWriter* w);

std::string RenderWaterfall(const SpanTree& tree, NodeId session, int width, bool color);

std::string FormatDuration(int64_t us);

}  // namespace agentperf::analysis::decompose
