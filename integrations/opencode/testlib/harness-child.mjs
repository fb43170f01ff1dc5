// Child process: loads the plugin like OpenCode does (a fake ctx), replays
// the events it is sent, and reports back. The parent decides when it exits,
// so the plugin's real process "exit" path (spool, stats file) runs.
import { performance } from "node:perf_hooks";

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
  } else if (msg.cmd === "exit") {
    process.exit(0);
  }
});
process.send({ type: "ready", hookNames: Object.keys(hooks) });
