// Against the real collector (`agentperf serve`, $AGENTPERF_BIN as set by
// CTest; skipped without it): the server accepts every event the plugin
// produces from the captures and from the synthetic retry/compaction cases.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { deadUrl } from "../testlib/collector.mjs";
import { killAll, startPlugin, tempDir } from "../testlib/harness.mjs";
import { recorderEvents, sseEvents } from "../testlib/samples.mjs";
import { asstMsg, ev, mkId, sessionInfo, userMsg } from "../testlib/synth.mjs";

const bin = process.env.AGENTPERF_BIN;
let server;
after(() => { if (server) server.kill("SIGTERM"); killAll(); });

async function startServer(dir) {
  const url = await deadUrl();
  server = spawn(bin, ["serve", "--data", path.join(dir, "data"), "--listen", url.slice("http://".length), "--log-level", "warn"],
    { stdio: ["ignore", "ignore", "inherit"] });
  // Generous: under a sanitizer on a busy CI machine the store opens slowly.
  for (const until = Date.now() + 60000; Date.now() < until;) {
    try { if ((await fetch(url + "/v1/status")).ok) return url; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("agentperf serve did not start");
}

// Never skipped: without the binary this test fails and says how to run it.
test("agentperf serve accepts every span the plugin sends", async () => {
  assert.ok(bin && fs.existsSync(bin), "set AGENTPERF_BIN to the agentperf binary (CTest does: ctest -R opencode_plugin_node)");
  const dir = tempDir();
  const url = await startServer(dir);
  const t0 = Date.now() - 60000;
  const ses = mkId("ses", t0), u = mkId("msg", t0 + 10), a = mkId("msg", t0 + 20), prt = mkId("prt", t0 + 12);
  const synthetic = [
    ev(t0, "session.created", { sessionID: ses, info: sessionInfo(ses, t0, t0) }),
    ev(t0 + 10, "message.updated", { info: userMsg(u, ses, t0 + 10) }),
    ev(t0 + 12, "message.part.updated", { part: { id: prt, sessionID: ses, messageID: u, type: "compaction", auto: true } }),
    ev(t0 + 20, "message.updated", { info: asstMsg(a, ses, u, t0 + 20, { summary: true }) }),
    ev(t0 + 500, "session.status", { sessionID: ses, status: { type: "retry", attempt: 1, message: "429 Too Many Requests", next: t0 + 1500 } }),
    ev(t0 + 2000, "message.updated", { info: asstMsg(a, ses, u, t0 + 20, { summary: true, time: { created: t0 + 20, completed: t0 + 2000 } }) }),
    ev(t0 + 2010, "session.idle", { sessionID: ses }),
    ev(t0 + 2011, "session.updated", { sessionID: ses, info: sessionInfo(ses, t0, t0 + 2010) }),
  ];
  const events = [...recorderEvents(), ...sseEvents("sse-perm.txt"), ...sseEvents("sse-perm2.txt"), ...sseEvents("sse-global.txt"), ...synthetic];
  // A busy (sanitizer) server may take longer than the default 5 s to answer;
  // a timed-out batch would be spooled, not lost, but this test wants it sent.
  const p = await startPlugin({ url, dir, env: { AGENTPERF_PLUGIN_TIMEOUT_MS: "60000" } });
  await p.replay(events);
  const expected = 10 + 6 + 5 + 5; // recorder, permission run, global run, synthetic
  const stored = async () => {
    const r = await fetch(url + "/v1/query", { method: "POST", body: JSON.stringify({ aggregates: ["count"] }) });
    const j = await r.json();
    return j.series.flatMap((s) => s.points).reduce((a, p) => a + p.count, 0);
  };
  for (const until = Date.now() + 60000; Date.now() < until && (await stored()) < expected;) {
    await new Promise((res) => setTimeout(res, 50));
  }
  await p.settle();
  const { stderr } = await p.exit();
  const s = p.stats();
  const why = `plugin stats ${JSON.stringify(s)}; stderr ${stderr}`;
  assert.equal(s.rejected, 0, why);
  assert.equal(s.errors, 0, why);
  assert.equal(s.sent, expected, why);
  assert.equal(s.spooled, 0, why);
  assert.equal(await stored(), expected, "stored once each");
});
