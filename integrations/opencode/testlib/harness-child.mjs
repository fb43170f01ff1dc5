// Child process: loads the plugin like OpenCode does (a fake ctx), replays
// the events it is sent, and reports back. The parent decides when it exits,
// so the plugin's real process "exit" path (spool, stats file) runs.
import { performance } from "node:perf_hooks";

// The plugin's network activity, for the "settle" command: requests in flight
// and when the last one ended (the plugin calls the global fetch).
const net = { inflight: 0, lastEnd: performance.now(), started: 0 };
const realFetch = globalThis.fetch;
globalThis.fetch = (...args) => {
  net.inflight++;
  net.started++;
  const done = () => { net.inflight--; net.lastEnd = performance.now(); };
  return realFetch(...args).then((r) => r.text().then((text) => { done(); return new Response(text === "" ? null : text, r); }),
    (e) => { done(); throw e; });
};

const { AgentperfPlugin } = await import(process.env.HARNESS_PLUGIN);
const ctx = {
  client: {}, project: { id: "test-project" }, directory: process.cwd(), worktree: process.cwd(),
  experimental_workspace: { register() {} }, serverUrl: new URL("http://localhost:4096/"), $: () => {},
};
const hooks = await AgentperfPlugin(ctx);

process.on("message", async (msg) => {
  if (msg.cmd === "config") {
    await hooks.config?.(msg.config);
    process.send({ type: "done" });
  } else if (msg.cmd === "replay") {
    const results = [];
    let notPromise = 0;
    const t0 = performance.now();
    for (const event of msg.events) {
      const r = hooks.event({ event });
      if (!(r instanceof Promise)) notPromise++;
      results.push(r);
    }
    const elapsed = performance.now() - t0;
    // Did every hook call finish without waiting for the network?
    let settled = 0;
    for (const r of results) r.then(() => settled++, () => settled++);
    await new Promise((r) => setImmediate(r));
    process.send({ type: "done", calls: results.length, settled, notPromise, elapsed_ms: elapsed });
  } else if (msg.cmd === "settle") {
    // Waits until no request is in flight and none has started for quiet_ms
    // (longer than the plugin's flush interval: a queued batch would have
    // been sent), or until timeout_ms. Timers fire in deadline order, so this
    // does not depend on how fast the machine is.
    const t0 = performance.now();
    for (;;) {
      const now = performance.now();
      const since = Math.min(now - net.lastEnd, now - t0);
      if (net.inflight === 0 && since >= msg.quiet_ms) break;
      if (now - t0 > msg.timeout_ms) break;
      const startedBefore = net.started;
      await new Promise((r) => setTimeout(r, net.inflight ? 10 : msg.quiet_ms - since));
      if (net.started !== startedBefore) net.lastEnd = performance.now();
    }
    process.send({ type: "done", requests: net.started, waited_ms: performance.now() - t0 });
  } else if (msg.cmd === "exit") {
    process.exit(0);
  }
});
process.send({ type: "ready", hookNames: Object.keys(hooks) });
