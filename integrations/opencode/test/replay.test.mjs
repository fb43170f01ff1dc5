// Replays real OpenCode captures through the plugin (in a child process, as
// OpenCode would load it) into a local collector, and checks every span
// against values read by hand from the captures (../shared/opencode/samples, FACTS.md section 3).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startCollector } from "../testlib/collector.mjs";
import { killAll, startPlugin, tempDir } from "../testlib/harness.mjs";
import { recorderConfig, recorderEvents, sseEvents } from "../testlib/samples.mjs";

after(killAll);

const PLANNER = "ses_df499f601ffe54Jt4krnmkhhOo";
const TESTER = "ses_df499ead2ffe0hFTznAnaKkWgz";

async function replay(events) {
  const c = await startCollector();
  const p = await startPlugin({ url: c.url, dir: tempDir() });
  await p.config(recorderConfig());
  const r = await p.replay(events);
  // Settled: nothing more is expected once the stats file says so, but the
  // collector is the ground truth, so wait until the plugin's queue is empty.
  await c.waitFor((col) => col.events.length > 0 && col.requests.length > 0, 5000);
  await p.settle();
  const { code } = await p.exit();
  const stats = p.stats();
  await c.close();
  return { events: c.events, stats, code, r, requests: c.requests };
}

function byId(events, kind, spanId) {
  const found = events.filter((e) => e.kind === kind && e.span_id === spanId);
  assert.equal(found.length, 1, `${kind} ${spanId} sent once`);
  return found[0];
}

test("recorder capture (planner -> task -> tester): every span, id and number", async () => {
  const { events, stats, code, requests } = await replay(recorderEvents());
  assert.equal(code, 0);
  assert.equal(stats.errors, 0);
  assert.equal(stats.time_fallbacks, 0);
  const kinds = {};
  for (const e of events) kinds[e.kind] = (kinds[e.kind] || 0) + 1;
  assert.deepEqual(kinds, { session: 2, turn: 2, llm_call: 4, tool_call: 2 });
  for (const e of events) {
    assert.equal(e.source, "plugin");
    assert.ok(e.end_ms >= e.start_ms);
    assert.equal(e.id, undefined, "collectors never send id (stable ids rule 2)");
  }
  assert.equal(requests[0].url, "/v1/events");
  assert.equal(requests[0].headers["content-type"], "application/x-ndjson");
  assert.match(requests[0].headers["x-agentperf-plugin"], /^p\d+-[a-z0-9]+;dropped=0;errors=0$/);

  const planner = byId(events, "session", PLANNER);
  assert.equal(planner.session_id, PLANNER);
  assert.equal(planner.parent_session_id, undefined);
  assert.equal(planner.start_ms, 1795487566335);
  assert.equal(planner.end_ms, 1795487571300, "time.updated of the session.updated after idle");
  assert.equal(planner.cost, 0.0004982, "final cost, which arrives 13 ms after session.idle");
  assert.deepEqual(planner.tokens, { input: 384, output: 38, reasoning: 0, cache_read: 382, cache_write: 0 });
  assert.equal(planner.agent, "planner");
  assert.equal(planner.model, "mock-model");
  assert.equal(planner.provider, "mock");

  const tester = byId(events, "session", TESTER);
  assert.equal(tester.parent_session_id, PLANNER);
  assert.equal(tester.start_ms, 1795487569197);
  assert.equal(tester.end_ms, 1795487570614);
  assert.equal(tester.cost, 0.0027928);
  assert.deepEqual(tester.tokens, { input: 2490, output: 27, reasoning: 0, cache_read: 2488, cache_write: 0 });

  const turn = byId(events, "turn", "msg_20b660a42001t9Ur3N253Ger8C");
  assert.equal(turn.session_id, PLANNER);
  assert.equal(turn.start_ms, 1795487566403);
  assert.equal(turn.end_ms, 1795487571289, "last assistant's time.completed");
  assert.deepEqual(turn.attrs, { steps: 2, finish: "stop" });
  assert.equal(turn.tokens, undefined, "tokens live on llm_call only");
  const tturn = byId(events, "turn", "msg_20b66153d001f63d14klWxkN7V");
  assert.equal(tturn.session_id, TESTER);
  assert.equal(tturn.agent, "tester");
  assert.equal(tturn.start_ms, 1795487569214);
  assert.equal(tturn.end_ms, 1795487570599);

  const step1 = byId(events, "llm_call", "msg_20b660e2900152o9v0U44marhi");
  assert.equal(step1.parent_span_id, "msg_20b660a42001t9Ur3N253Ger8C");
  assert.equal(step1.message_id, "msg_20b660e2900152o9v0U44marhi");
  assert.equal(step1.start_ms, 1795487567401);
  assert.equal(step1.end_ms, 1795487570700);
  assert.deepEqual(step1.tokens, { input: 163, output: 28, reasoning: 0, cache_read: 162, cache_write: 0 });
  assert.equal(step1.cost, 0.0002352);
  assert.equal(step1.attrs.finish, "tool-calls");
  assert.equal(step1.attrs.tools_ms, 570609 - 569208, "the task tool's wall time");
  // First non-step-start part: the task tool part prt_20b661480001 -> ...569024.
  assert.equal(step1.attrs.first_part_ms, 569024 - 567401);
  const tstep1 = byId(events, "llm_call", "msg_20b66155c001dJ8fZ8QaNOPDb4");
  assert.equal(tstep1.cost, 0.0013847);
  assert.deepEqual(tstep1.tokens, { input: 1228, output: 17, reasoning: 0, cache_read: 1227, cache_write: 0 });
  assert.equal(tstep1.attrs.tools_ms, 205);
  const step2 = byId(events, "llm_call", "msg_20b661b12001Be7ffVeOcG69I7");
  assert.equal(step2.cost, 0.000263);
  assert.equal(step2.attrs.finish, "stop");
  assert.equal(step2.attrs.tools_ms, 0);
  assert.equal(step2.attrs.first_part_ms, 570900 - 570706, "text part prt_20b661bd4001");
  byId(events, "llm_call", "msg_20b661856001N17VAwx2u32mok");

  const task = byId(events, "tool_call", "prt_20b661480001WLYNUMlbXvcrkU");
  assert.equal(task.tool, "task");
  assert.equal(task.parent_span_id, "msg_20b660e2900152o9v0U44marhi");
  assert.equal(task.agent, "planner");
  assert.equal(task.start_ms, 1795487569208);
  assert.equal(task.end_ms, 1795487570609);
  assert.equal(task.status, "ok");
  assert.deepEqual(task.attrs, { call_id: "call_23", child_session_id: TESTER, permission_wait_ms: 0, wall_ms: 1401, output_chars: 151 });
  const bash = byId(events, "tool_call", "prt_20b661616001e4atyDAQ35PirG");
  assert.equal(bash.session_id, TESTER);
  assert.equal(bash.agent, "tester");
  assert.equal(bash.start_ms, 1795487569599);
  assert.equal(bash.end_ms, 1795487569804);
  assert.deepEqual(bash.attrs, { call_id: "call_24", exit: 0, permission_wait_ms: 0, wall_ms: 205, output_chars: 16 });
});

test("permission capture (sse-perm + sse-perm2): the wait is taken out of the bash tool", async () => {
  const evs = [...sseEvents("sse-perm.txt"), ...sseEvents("sse-perm2.txt")];
  const { events, stats } = await replay(evs);
  assert.equal(stats.errors, 0);
  assert.equal(events.length, 6);
  const wait = byId(events, "permission_wait", "per_20b6373a90017wDac7ROaGgJfO");
  // per_20b6373a9... decodes to ...396777; the replied event evt_20b6394f1... to ...405297.
  assert.equal(wait.start_ms, 1795487396777);
  assert.equal(wait.end_ms, 1795487405297);
  assert.equal(wait.parent_span_id, "prt_20b6372b20012cV0UbVYpk70vL");
  assert.equal(wait.session_id, "ses_df49c9c1bffe0PfErMv0ePgkqs");
  assert.equal(wait.tool, "bash");
  assert.equal(wait.agent, "build");
  assert.equal(wait.status, "ok");
  assert.deepEqual(wait.attrs, { permission: "bash", reply: "once", call_id: "call_12" });
  const bash = byId(events, "tool_call", "prt_20b6372b20012cV0UbVYpk70vL");
  assert.equal(bash.start_ms, 1795487396674);
  assert.equal(bash.attrs.wall_ms, 405408 - 396674);
  assert.equal(bash.attrs.permission_wait_ms, 405297 - 396777);
  assert.equal(bash.end_ms, 1795487405408 - 8520, "state.time.end minus the wait");
  assert.equal(bash.end_ms - bash.start_ms + bash.attrs.permission_wait_ms, bash.attrs.wall_ms);
  assert.ok(wait.start_ms >= bash.start_ms && wait.end_ms <= 1795487405408, "the wait lies inside the tool");
  const step = byId(events, "llm_call", "msg_20b636aa6001AeoRqq1bCCtWlG");
  assert.equal(step.cost, 0.0013803);
  assert.equal(step.attrs.tools_ms, 8734, "tools_ms is wall time");
  const s = byId(events, "session", "ses_df49c9c1bffe0PfErMv0ePgkqs");
  assert.equal(s.cost, 0.002783);
  assert.equal(s.end_ms, 1795487406363);
});

test("/global/event capture: wrapped payloads and sync records give the same spans", async () => {
  const { events, stats } = await replay(sseEvents("sse-global.txt"));
  assert.equal(stats.errors, 0);
  const kinds = events.map((e) => e.kind).sort();
  assert.deepEqual(kinds, ["llm_call", "llm_call", "session", "tool_call", "turn"]);
  const read = byId(events, "tool_call", "prt_20b6300a60010j4iLzGoGRlLe0");
  assert.equal(read.tool, "read");
  assert.equal(read.end_ms - read.start_ms, 80);
  const s = byId(events, "session", "ses_df49d0f47ffevaa69B0RPJ64eR");
  assert.equal(s.cost, 0.0004322);
  assert.equal(s.cost, 0.0001868 + 0.0002454);
});

test("replaying the same capture twice sends every span once per process", async () => {
  const evs = recorderEvents();
  const { events } = await replay([...evs, ...evs]);
  assert.equal(events.length, 10);
});
