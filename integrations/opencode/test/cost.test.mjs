// Measures the plugin's cost per event hook call (reported, never asserted:
// tests do not judge wall-clock speed). 200 copies of the recorder capture,
// with ids made unique per copy, go through one plugin instance.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startCollector } from "../testlib/collector.mjs";
import { killAll, startPlugin, tempDir } from "../testlib/harness.mjs";
import { recorderEvents } from "../testlib/samples.mjs";

after(killAll);

test("per-event hook cost (reported)", async (t) => {
  const base = JSON.stringify(recorderEvents());
  const copies = 200;
  const events = [];
  for (let k = 0; k < copies; k++) {
    events.push(...JSON.parse(base.replace(/\b((?:ses|msg|prt|per|evt)_[0-9a-f]{12}[A-Za-z0-9]{14})\b/g, `$1c${k}`)));
  }
  const c = await startCollector();
  const p = await startPlugin({ url: c.url, dir: tempDir() });
  const r = await p.replay(events);
  await c.waitFor((col) => col.events.length >= copies * 10, 20000);
  await p.exit();
  await c.close();
  const s = p.stats();
  assert.equal(c.events.length, copies * 10, "every copy gives its 10 spans");
  assert.equal(s.errors, 0);
  const ev = s.hooks.event;
  const us = (ms, n) => ((ms * 1000) / n).toFixed(2);
  const lines = [`event hook: ${ev.calls} calls, mean ${us(ev.total_ms, ev.calls)} us inside the hook, ` +
    `${us(r.elapsed_ms, r.calls)} us per call as seen by the caller (includes the async wrapper)`];
  const h = s.span_hist;
  assert.equal(h.length, 64);
  assert.equal(h.reduce((a, b) => a + b, 0), ev.calls - (s.event_types["message.part.delta"]?.calls ?? 0),
    "every span-relevant call is in the histogram");
  for (const [type, v] of Object.entries(s.event_types)) lines.push(`  ${type}: ${v.calls} calls, mean ${us(v.total_ms, v.calls)} us`);
  for (const l of lines) t.diagnostic(l);
  if (process.env.AGENTPERF_PLUGIN_COST_OUT) (await import("node:fs")).writeFileSync(process.env.AGENTPERF_PLUGIN_COST_OUT, lines.join("\n") + "\n");
});
