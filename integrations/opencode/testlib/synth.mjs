// Builds OpenCode-shaped events for cases no capture contains (retries,
// compaction, rejected or unanswered permissions, provider errors). Shapes
// follow the v2 types (FACTS 1b); ids carry their time like OpenCode's:
// 12 hex digits = ms * 4096 + counter (inverted for sessions).
let counter = 0;
export function mkId(prefix, ms) {
  counter++;
  let v = (ms * 4096 + (counter % 4096)) % 2 ** 48;
  if (prefix === "ses") v = 2 ** 48 - 1 - v;
  return `${prefix}_${v.toString(16).padStart(12, "0")}Synth${String(counter).padStart(9, "0")}`;
}
export const ev = (ms, type, properties) => ({ id: mkId("evt", ms), type, properties });

export function sessionInfo(id, created, updated, extra = {}) {
  return { id, slug: "s", projectID: "p1", directory: "/x", title: "t", version: "1.18.33", agent: "coder",
    model: { id: "m1", providerID: "prov" }, cost: 0, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
    time: { created, updated }, ...extra };
}
export function userMsg(id, sessionID, created) {
  return { id, sessionID, role: "user", time: { created }, agent: "coder", model: { providerID: "prov", modelID: "m1" } };
}
export function asstMsg(id, sessionID, parentID, created, extra = {}) {
  return { id, sessionID, role: "assistant", parentID, time: { created }, modelID: "m1", providerID: "prov", mode: "coder",
    agent: "coder", path: { cwd: "/x", root: "/x" }, cost: 0, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }, ...extra };
}
export function toolPart(id, sessionID, messageID, callID, tool, state) {
  return { id, sessionID, messageID, type: "tool", callID, tool, state };
}
