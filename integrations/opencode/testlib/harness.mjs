// Parent side of harness-child.mjs: one plugin instance in a child process.
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const pluginPath = path.join(here, "..", "agentperf.js");

const children = new Set();
const dirs = [];
// Kills the children a failed test left behind (use in node:test after()).
export function killAll() {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
  if (!process.env.AGENTPERF_KEEP_TEST_DIRS) for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function tempDir(prefix = "ap-plugin-") {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

// env: extra environment (AGENTPERF_URL, ...). dir: a temp dir for the
// spool, stats and config (so nothing outside it is touched).
export async function startPlugin({ url, dir, env = {} }) {
  const childEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, "config"),
    XDG_STATE_HOME: path.join(dir, "state"),
    AGENTPERF_URL: url,
    AGENTPERF_PLUGIN_FLUSH_MS: "50",
    AGENTPERF_PLUGIN_STATS: path.join(dir, "stats.json"),
    HARNESS_PLUGIN: "file://" + pluginPath,
    NODE_NO_WARNINGS: "1", // Node 18 warns that fetch is experimental
    ...env,
  };
  const child = fork(path.join(here, "harness-child.mjs"), [], { env: childEnv, stdio: ["ignore", "inherit", "pipe", "ipc"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const inbox = [];
  const waiters = [];
  child.on("message", (m) => { const w = waiters.shift(); if (w) w(m); else inbox.push(m); });
  const next = () => new Promise((r) => { const m = inbox.shift(); if (m) r(m); else waiters.push(r); });
  const exited = new Promise((r) => child.on("exit", (code) => r(code)));
  const ready = await next();
  return {
    hookNames: ready.hookNames,
    config: async (config) => { child.send({ cmd: "config", config }); return next(); },
    replay: async (events) => { child.send({ cmd: "replay", events }); return next(); },
    // Resolves once the plugin has sent nothing for quietMs (see harness-child).
    settle: async ({ quietMs = 250, timeoutMs = 30000 } = {}) => {
      child.send({ cmd: "settle", quiet_ms: quietMs, timeout_ms: timeoutMs });
      return next();
    },
    exit: async () => { child.send({ cmd: "exit" }); const code = await exited; return { code, stderr }; },
    stats: () => JSON.parse(fs.readFileSync(path.join(dir, "stats.json"), "utf8")),
    spoolDir: path.join(dir, "state", "agentperf", "spool"),
  };
}

export function spoolFiles(dir) {
  try { return fs.readdirSync(dir).filter((n) => n.endsWith(".ndjson")).map((n) => path.join(dir, n)); } catch { return []; }
}
export function readNdjson(file) {
  return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}
