// Loads the real OpenCode 1.18.33 captures (../shared/opencode/samples,
// described in FACTS.md section 3) as the plain bus events the plugin's
// `event` hook receives: {id, type, properties}.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The real captures are read from ../shared/opencode/samples (beside the
// project root; $AGENTPERF_SHARED_DIR overrides), never copied into the project.
export const fixtures = path.join(
  process.env.AGENTPERF_SHARED_DIR ||
    path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "shared"),
  "opencode", "samples");

// recorder-planner-tester.jsonl: one line per hook call; the event hook's
// input is the event itself.
export function recorderEvents() {
  return fs.readFileSync(path.join(fixtures, "recorder-planner-tester.jsonl"), "utf8")
    .split("\n").filter(Boolean).map((l) => JSON.parse(l))
    .filter((r) => r.hook === "event").map((r) => r.input);
}

// SSE text: "data: {json}" lines; /global/event wraps the event in
// {directory, project, payload}; /event sends it bare. "sync" payloads are
// internal replication records, not bus events.
export function sseEvents(name) {
  const out = [];
  for (const line of fs.readFileSync(path.join(fixtures, name), "utf8").split("\n")) {
    if (!line.startsWith("data: ")) continue;
    const o = JSON.parse(line.slice(6));
    const e = o.payload ?? o;
    if (e.type !== "sync") out.push(e);
  }
  return out;
}

export function recorderConfig() {
  return fs.readFileSync(path.join(fixtures, "recorder-planner-tester.jsonl"), "utf8")
    .split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((r) => r.hook === "config").input;
}
