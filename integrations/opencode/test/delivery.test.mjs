// The network side: collector down (spool, then drained by the next start),
// a collector that never answers (hooks still return at once), queue
// overflow (drops counted in the stats file and the request header), and
// the answers 400 (with line) and 401.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, test } from "node:test";
import { deadUrl, startCollector } from "../testlib/collector.mjs";
import { killAll, readNdjson, spoolFiles, startPlugin, tempDir } from "../testlib/harness.mjs";
import { recorderEvents } from "../testlib/samples.mjs";

after(killAll);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("collector down: nothing thrown, everything spooled at exit, drained by the next start", async () => {
  const dir = tempDir();
  const p = await startPlugin({ url: await deadUrl(), dir });
  const r = await p.replay(recorderEvents());
  assert.equal(r.settled, r.calls, "every hook call finished");
  await p.settle({ quietMs: 300 }); // at least one refused connection
  const { code, stderr } = await p.exit();
  assert.equal(code, 0);
  assert.equal(stderr, "");
  const stats = p.stats();
  assert.equal(stats.errors, 0);
  assert.equal(stats.sent, 0);
  assert.ok(stats.requests >= 1, "it did try");
  assert.equal(stats.spooled, 10);
  const files = spoolFiles(p.spoolDir);
  assert.equal(files.length, 1);
  assert.equal(stats.spool_file, files[0]);
  const spooled = readNdjson(files[0]);
  assert.equal(spooled.length, 10);
  assert.deepEqual(spooled.map((e) => e.kind).sort(),
    ["llm_call", "llm_call", "llm_call", "llm_call", "session", "session", "tool_call", "tool_call", "turn", "turn"]);

  // The next OpenCode process (no events of its own) sends the spool on.
  const c = await startCollector();
  const p2 = await startPlugin({ url: c.url, dir });
  assert.ok(await c.waitFor((col) => col.events.length >= 10));
  await p2.settle();
  await p2.exit();
  await c.close();
  assert.deepEqual(c.events, spooled, "the spool is sent as written");
  assert.equal(spoolFiles(p.spoolDir).length, 0, "a sent spool file is deleted");
  assert.deepEqual(fs.readdirSync(p.spoolDir), []);
  const s2 = p2.stats();
  assert.equal(s2.drained_files, 1);
  assert.equal(s2.drained_events, 10);
});

test("slow collector (never answers): hooks return while the request hangs; the batch is spooled", async () => {
  const c = await startCollector("hang");
  const dir = tempDir();
  const p = await startPlugin({ url: c.url, dir, env: { AGENTPERF_PLUGIN_TIMEOUT_MS: "60000" } });
  const evs = recorderEvents();
  const half = evs.findIndex((e) => e.type === "session.idle") + 1; // the tester's spans are done
  await p.replay(evs.slice(0, half));
  assert.ok(await c.waitFor((col) => col.requests.length === 1), "a request is in flight");
  const r = await p.replay(evs.slice(half));
  assert.equal(r.notPromise, 0);
  assert.equal(r.settled, r.calls, "no hook call waited for the hanging request");
  await sleep(200);
  assert.equal(c.requests.length, 1, "at most one request in flight");
  await p.exit();
  await c.close();
  const files = spoolFiles(p.spoolDir);
  assert.equal(files.length, 1);
  assert.equal(readNdjson(files[0]).length, 10, "the in-flight batch and the rest");
});

test("queue overflow: the newest events are dropped and counted", async () => {
  let answer = 503;
  const c = await startCollector(() => ({ status: answer, body: "{}" }));
  const dir = tempDir();
  const p = await startPlugin({ url: c.url, dir, env: { AGENTPERF_PLUGIN_QUEUE_MAX: "3" } });
  await p.replay(recorderEvents());
  await c.waitFor((col) => col.requests.length >= 1);
  answer = 200;
  assert.ok(await c.waitFor((col) => col.events.length >= 3));
  await p.settle();
  const { stderr } = await p.exit();
  await c.close();
  const stats = p.stats();
  assert.equal(stats.dropped_total, 7);
  assert.equal(Object.values(stats.dropped).reduce((a, b) => a + b, 0), 7);
  assert.equal(stats.queued, 3);
  // The first three spans to finish are the tester's bash call and two steps.
  assert.deepEqual(c.events.map((e) => e.kind), ["tool_call", "llm_call", "llm_call"]);
  assert.match(c.requests.at(-1).headers["x-agentperf-plugin"], /;dropped=7;errors=0$/);
  assert.match(stderr, /dropped 7 events/);
  assert.ok(stats.retries >= 1, "503 was retried");
});

test("400 with a line drops that event only; 401 stops sending", async () => {
  const c = await startCollector((req, lines) => {
    const bad = lines.findIndex((l) => JSON.parse(l).kind === "turn");
    if (bad >= 0) return { status: 400, body: JSON.stringify({ error: "x", code: "invalid_event", line: bad + 1 }) };
    return { status: 200 };
  });
  const p = await startPlugin({ url: c.url, dir: tempDir() });
  await p.replay(recorderEvents());
  assert.ok(await c.waitFor((col) => col.events.length >= 8));
  await p.settle();
  await p.exit();
  await c.close();
  assert.equal(c.events.length, 8);
  assert.ok(!c.events.some((e) => e.kind === "turn"));
  assert.equal(p.stats().rejected, 2);

  const c401 = await startCollector(() => ({ status: 401, body: "{}" }));
  const dir = tempDir();
  const p401 = await startPlugin({ url: c401.url, dir, env: { AGENTPERF_TOKEN: "secret" } });
  await p401.replay(recorderEvents());
  await c401.waitFor((col) => col.requests.length >= 1);
  await p401.settle({ quietMs: 300 });
  const { stderr } = await p401.exit();
  await c401.close();
  assert.equal(c401.requests.length, 1, "no retries after 401");
  assert.equal(c401.requests[0].headers.authorization, "Bearer secret");
  assert.match(stderr, /401/);
  assert.equal(readNdjson(spoolFiles(p401.spoolDir)[0]).length, 10, "kept for later");
});
