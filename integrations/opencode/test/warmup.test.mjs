// The warm-up at load (AGENTPERF_PLUGIN_WARMUP rounds of synthetic sessions
// through a scratch tracker): it runs without an error, and nothing of it
// reaches the queue or the collector; 0 turns it off.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startCollector } from "../testlib/collector.mjs";
import { killAll, startPlugin, tempDir } from "../testlib/harness.mjs";

after(killAll);

for (const [rounds, expectRun] of [["25", true], ["0", false]]) {
  test(`AGENTPERF_PLUGIN_WARMUP=${rounds}: ${expectRun ? "warms up, sends nothing" : "no warm-up"}`, async () => {
    const c = await startCollector();
    const p = await startPlugin({ url: c.url, dir: tempDir(), env: { AGENTPERF_PLUGIN_WARMUP: rounds } });
    await p.settle({ quietMs: 300 }); // the warm-up timer (queued first) and a few flush ticks
    await p.exit();
    await c.close();
    const s = p.stats();
    assert.equal(s.errors, 0);
    assert.equal(s.queued, 0, "the warm-up's spans are not queued");
    assert.equal(c.events.length, 0, "nothing was sent");
    if (expectRun) assert.ok(s.warmup_ms > 0, `warmup_ms ${s.warmup_ms}`);
    else assert.equal(s.warmup_ms, 0);
  });
}
