// Cases the captures do not contain, built from the documented event shapes
// (../testlib/synth.mjs): retries, compaction, a rejected and an unanswered
// permission, a provider error, a session whose final update never comes,
// and the OTLP hold of llm_call events.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startCollector } from "../testlib/collector.mjs";
import { killAll, startPlugin, tempDir } from "../testlib/harness.mjs";
import { asstMsg, ev, mkId, sessionInfo, toolPart, userMsg } from "../testlib/synth.mjs";

after(killAll);

// quiet: how long the plugin must have sent nothing before it is stopped.
async function run(events, { quiet = 300, env = {}, config } = {}) {
  const c = await startCollector();
  const p = await startPlugin({ url: c.url, dir: tempDir(), env });
  if (config) await p.config(config);
  await p.replay(events);
  await p.settle({ quietMs: quiet });
  await p.exit();
  await c.close();
  return { events: c.events, stats: p.stats() };
}
const one = (events, kind) => {
  const f = events.filter((e) => e.kind === kind);
  assert.equal(f.length, 1, kind);
  return f[0];
};

test("retries: one span per attempt, from the event id to status.next, parented to the step", async () => {
  const t0 = Date.now() - 60000;
  const ses = mkId("ses", t0), u = mkId("msg", t0 + 10), a = mkId("msg", t0 + 20);
  const { events, stats } = await run([
    ev(t0, "session.created", { sessionID: ses, info: sessionInfo(ses, t0, t0) }),
    ev(t0 + 10, "message.updated", { info: userMsg(u, ses, t0 + 10) }),
    ev(t0 + 20, "message.updated", { info: asstMsg(a, ses, u, t0 + 20) }),
    ev(t0 + 500, "session.status", { sessionID: ses, status: { type: "retry", attempt: 1, message: "Too Many Requests (429)", next: t0 + 1520 } }),
    ev(t0 + 1600, "session.status", { sessionID: ses, status: { type: "retry", attempt: 2, message: "overloaded", next: t0 + 3000, action: { reason: "backoff" } } }),
    ev(t0 + 1600, "session.status", { sessionID: ses, status: { type: "retry", attempt: 2, message: "overloaded", next: t0 + 3000 } }),
    ev(t0 + 4000, "message.updated", { info: asstMsg(a, ses, u, t0 + 20, { time: { created: t0 + 20, completed: t0 + 4000 }, finish: "stop" }) }),
    ev(t0 + 4010, "session.idle", { sessionID: ses }),
    ev(t0 + 4012, "session.updated", { sessionID: ses, info: sessionInfo(ses, t0, t0 + 4011) }),
  ]);
  assert.equal(stats.time_fallbacks, 0);
  const retries = events.filter((e) => e.kind === "retry").sort((x, y) => x.start_ms - y.start_ms);
  assert.equal(retries.length, 2, "the repeated status of attempt 2 is sent once");
  assert.equal(retries[0].span_id, `${a}:retry:1`);
  assert.equal(retries[0].parent_span_id, a);
  assert.equal(retries[0].start_ms, t0 + 500);
  assert.equal(retries[0].end_ms, t0 + 1520);
  assert.equal(retries[0].status, "error");
  assert.equal(retries[0].error_class, "http_429");
  assert.deepEqual(retries[0].attrs, { attempt: 1, status_code: 429 });
  assert.equal(retries[1].error_class, "provider_error");
  assert.equal(retries[1].end_ms, t0 + 3000);
  assert.equal(retries[1].attrs.action_reason, "backoff");
  assert.equal(retries[1].agent, "coder");
  assert.equal(one(events, "llm_call").end_ms, t0 + 4000);
  assert.equal(one(events, "session").end_ms, t0 + 4011);
});

test("compaction: from the compaction part to the summary step, with its tokens", async () => {
  const t0 = Date.now() - 60000;
  const ses = mkId("ses", t0), u = mkId("msg", t0 + 10), prt = mkId("prt", t0 + 15), a = mkId("msg", t0 + 30);
  const tokens = { input: 900, output: 120, reasoning: 0, cache: { read: 50, write: 7 } };
  const { events } = await run([
    ev(t0, "session.created", { sessionID: ses, info: sessionInfo(ses, t0, t0) }),
    ev(t0 + 10, "message.updated", { info: userMsg(u, ses, t0 + 10) }),
    ev(t0 + 15, "message.part.updated", { part: { id: prt, sessionID: ses, messageID: u, type: "compaction", auto: true, overflow: false } }),
    ev(t0 + 30, "message.updated", { info: asstMsg(a, ses, u, t0 + 30, { summary: true, agent: "compaction" }) }),
    ev(t0 + 900, "message.updated", { info: asstMsg(a, ses, u, t0 + 30, { summary: true, agent: "compaction", cost: 0.25, tokens, finish: "stop", time: { created: t0 + 30, completed: t0 + 900 } }) }),
    ev(t0 + 910, "session.idle", { sessionID: ses }),
  ], { quiet: 1000 });
  const c = one(events, "compaction");
  assert.equal(c.span_id, prt);
  assert.equal(c.start_ms, t0 + 15);
  assert.equal(c.end_ms, t0 + 900);
  assert.equal(c.cost, 0.25);
  assert.deepEqual(c.tokens, { input: 900, output: 120, reasoning: 0, cache_read: 50, cache_write: 7 });
  assert.deepEqual(c.attrs, { auto: true, overflow: false });
  assert.equal(c.agent, "compaction");
  assert.equal(one(events, "llm_call").span_id, a, "the summary step is also an llm_call");
  // No session.updated after idle: the session is sent 300 ms later with what is known.
  assert.equal(one(events, "session").end_ms, t0);
});

test("permissions: a rejected one and one never answered", async () => {
  const t0 = Date.now() - 60000;
  const ses = mkId("ses", t0), u = mkId("msg", t0 + 10), a = mkId("msg", t0 + 20);
  const p1 = mkId("prt", t0 + 30), p2 = mkId("prt", t0 + 31);
  const per1 = mkId("per", t0 + 110), per2 = mkId("per", t0 + 120);
  const running = (s) => ({ status: "running", input: {}, time: { start: s } });
  const { events } = await run([
    ev(t0, "session.created", { sessionID: ses, info: sessionInfo(ses, t0, t0) }),
    ev(t0 + 10, "message.updated", { info: userMsg(u, ses, t0 + 10) }),
    ev(t0 + 20, "message.updated", { info: asstMsg(a, ses, u, t0 + 20) }),
    ev(t0 + 100, "message.part.updated", { part: toolPart(p1, ses, a, "c1", "bash", running(t0 + 100)) }),
    ev(t0 + 101, "message.part.updated", { part: toolPart(p2, ses, a, "c2", "edit", running(t0 + 101)) }),
    ev(t0 + 110, "permission.asked", { id: per1, sessionID: ses, permission: "bash", patterns: [], metadata: {}, always: [], tool: { messageID: a, callID: "c1" } }),
    ev(t0 + 120, "permission.asked", { id: per2, sessionID: ses, permission: "edit", patterns: [], metadata: {}, always: [], tool: { messageID: a, callID: "c2" } }),
    ev(t0 + 2110, "permission.replied", { sessionID: ses, requestID: per1, reply: "reject" }),
    ev(t0 + 2120, "message.part.updated", { part: toolPart(p1, ses, a, "c1", "bash", { status: "error", input: {}, error: "rejected", time: { start: t0 + 100, end: t0 + 2120 } }) }),
    ev(t0 + 620, "message.part.updated", { part: toolPart(p2, ses, a, "c2", "edit", { status: "error", input: {}, error: "aborted", time: { start: t0 + 101, end: t0 + 620 } }) }),
  ]);
  const waits = events.filter((e) => e.kind === "permission_wait");
  const w1 = waits.find((e) => e.span_id === per1), w2 = waits.find((e) => e.span_id === per2);
  assert.equal(w1.status, "error");
  assert.equal(w1.error_class, "permission_rejected");
  assert.equal(w1.end_ms - w1.start_ms, 2000);
  assert.equal(w1.parent_span_id, p1);
  assert.equal(w2.status, "cancelled", "the tool ended before anyone answered");
  assert.equal(w2.start_ms, t0 + 120);
  assert.equal(w2.end_ms, t0 + 620);
  const tools = events.filter((e) => e.kind === "tool_call");
  const t1 = tools.find((e) => e.span_id === p1), t2 = tools.find((e) => e.span_id === p2);
  assert.equal(t1.error_class, "permission_rejected");
  assert.equal(t1.attrs.permission_wait_ms, 2000);
  assert.equal(t1.end_ms, t0 + 120);
  assert.equal(t2.error_class, "tool_error");
  assert.equal(t2.attrs.permission_wait_ms, 500);
  assert.equal(t2.attrs.wall_ms, 519);
});

test("a failed step without time.completed is sent at idle; turn and session carry the error", async () => {
  const t0 = Date.now() - 60000;
  const ses = mkId("ses", t0), u = mkId("msg", t0 + 10), a = mkId("msg", t0 + 20);
  const error = { name: "APIError", data: { message: "boom", statusCode: 500, isRetryable: false } };
  const { events } = await run([
    ev(t0, "session.created", { sessionID: ses, info: sessionInfo(ses, t0, t0) }),
    ev(t0 + 10, "message.updated", { info: userMsg(u, ses, t0 + 10) }),
    ev(t0 + 20, "message.updated", { info: asstMsg(a, ses, u, t0 + 20) }),
    ev(t0 + 700, "message.updated", { info: asstMsg(a, ses, u, t0 + 20, { error }) }),
    ev(t0 + 750, "session.idle", { sessionID: ses }),
    ev(t0 + 760, "session.updated", { sessionID: ses, info: sessionInfo(ses, t0, t0 + 755) }),
  ]);
  const l = one(events, "llm_call");
  assert.equal(l.status, "error");
  assert.equal(l.error_class, "APIError");
  assert.equal(l.attrs.status_code, 500);
  assert.equal(l.end_ms, t0 + 750, "the idle event's time");
  const turn = one(events, "turn");
  assert.equal(turn.status, "error");
  assert.equal(turn.end_ms, t0 + 750);
  assert.equal(one(events, "session").status, "error");
});

test("OTLP hold: with OpenTelemetry on, llm_calls wait; without it they do not", async () => {
  const t0 = Date.now() - 60000;
  const build = () => {
    const ses = mkId("ses", t0), u = mkId("msg", t0 + 10), a = mkId("msg", t0 + 20);
    return [
      ev(t0, "session.created", { sessionID: ses, info: sessionInfo(ses, t0, t0) }),
      ev(t0 + 10, "message.updated", { info: userMsg(u, ses, t0 + 10) }),
      ev(t0 + 20, "message.updated", { info: asstMsg(a, ses, u, t0 + 20, { time: { created: t0 + 20, completed: t0 + 90 } }) }),
      ev(t0 + 95, "session.idle", { sessionID: ses }),
      ev(t0 + 96, "session.updated", { sessionID: ses, info: sessionInfo(ses, t0, t0 + 95) }),
    ];
  };
  const config = { experimental: { openTelemetry: true } };
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", AGENTPERF_PLUGIN_OTLP_HOLD_MS: "600" };
  const held = await run(build(), { config, env, quiet: 1500 });
  assert.deepEqual(held.events.map((e) => e.kind), ["turn", "session", "llm_call"]);
  const plain = await run(build(), { config: {}, env, quiet: 300 });
  assert.deepEqual(plain.events.map((e) => e.kind), ["llm_call", "turn", "session"]);
});
