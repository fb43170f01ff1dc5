// agentperf-opencode-plugin v1
// Sends OpenCode's sessions, turns, LLM steps, tool calls, permission waits,
// retries and compactions to agentperf (POST $AGENTPERF_URL/v1/events, NDJSON).
// Design: docs/design/opencode-integration.md section 3; user docs:
// docs/opencode-plugin.md. Plain JavaScript, no dependencies: OpenCode loads
// this single file from .opencode/plugin/ or ~/.config/opencode/plugin/.
// Rules: hooks never await the network and never throw; only terminal states
// are sent; every time comes from OpenCode (object fields or ids), never from
// this process's clock (except the documented fallback, attrs.time_src).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const VERSION = "1";

// ---------------------------------------------------------------- config
function readJsonFile(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return {};
  }
}

function intEnv(env, name, dflt, min) {
  const v = Number.parseInt(env[name] ?? "", 10);
  return Number.isFinite(v) && v >= min ? v : dflt;
}

function loadConfig(env) {
  const home = os.homedir();
  const cfgHome = env.XDG_CONFIG_HOME || path.join(home, ".config");
  const stateHome = env.XDG_STATE_HOME || path.join(home, ".local", "state");
  const file = readJsonFile(path.join(cfgHome, "agentperf", "opencode-plugin.json"));
  const url = String(env.AGENTPERF_URL || file.url || "http://127.0.0.1:7420").replace(/\/+$/, "");
  return {
    url,
    token: env.AGENTPERF_TOKEN || file.token || "",
    disabled: env.AGENTPERF_PLUGIN_DISABLE === "1",
    queueMax: intEnv(env, "AGENTPERF_PLUGIN_QUEUE_MAX", 10000, 1),
    batchMax: intEnv(env, "AGENTPERF_PLUGIN_BATCH_MAX", 1000, 1),
    flushMs: intEnv(env, "AGENTPERF_PLUGIN_FLUSH_MS", 1000, 10),
    holdMsEnv: env.AGENTPERF_PLUGIN_OTLP_HOLD_MS,
    timeoutMs: intEnv(env, "AGENTPERF_PLUGIN_TIMEOUT_MS", 5000, 100),
    spoolDir: env.AGENTPERF_PLUGIN_SPOOL_DIR || path.join(stateHome, "agentperf", "spool"),
    statsFile: env.AGENTPERF_PLUGIN_STATS || "",
    warmupRounds: intEnv(env, "AGENTPERF_PLUGIN_WARMUP", 25, 0),
    otelEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || "",
  };
}

// ---------------------------------------------------------------- id times
// OpenCode ids hold a time: the 12 hex digits after "xxx_" are
// v = (ms * 4096 + counter) mod 2^48, bitwise inverted for session ids.
const P36 = 2 ** 36;
const P48 = 2 ** 48;

function decodeIdMs(id, refMs) {
  if (typeof id !== "string" || id.length < 16 || id[3] !== "_") return undefined;
  let v = Number.parseInt(id.slice(4, 16), 16);
  if (!Number.isFinite(v)) return undefined;
  if (id.startsWith("ses_")) v = P48 - 1 - v;
  const ms36 = Math.floor(v / 4096);
  return ms36 + Math.round((refMs - ms36) / P36) * P36;
}

// ---------------------------------------------------------------- helpers
function label(s) {
  if (typeof s !== "string" || s.length === 0) return undefined;
  return s.length > 85 ? s.slice(0, 85) : s; // 85 UTF-16 units <= 255 bytes
}
function num(x) {
  return typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : undefined;
}
function tokensOf(t) {
  if (!t || typeof t !== "object") return undefined;
  const c = t.cache || {};
  return {
    input: num(t.input) ?? 0,
    output: num(t.output) ?? 0,
    reasoning: num(t.reasoning) ?? 0,
    cache_read: num(c.read) ?? 0,
    cache_write: num(c.write) ?? 0,
  };
}
function errorName(err) {
  const n = err && typeof err.name === "string" ? err.name : "";
  return /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(n) ? n : "UnknownError";
}
function msgStatus(err) {
  if (!err) return { status: "ok" };
  const name = errorName(err);
  return name === "MessageAbortedError" ? { status: "cancelled", error_class: name } : { status: "error", error_class: name };
}
// Builds one event object in the ingest schema; drops absent fields.
function span(kind, f) {
  const e = { kind, start_ms: f.start, end_ms: Math.max(f.end, f.start) };
  for (const k of ["session_id", "parent_session_id", "message_id", "span_id", "parent_span_id"]) {
    if (typeof f[k] === "string" && f[k]) e[k] = f[k];
  }
  for (const k of ["agent", "model", "provider", "tool", "error_class"]) {
    const v = label(f[k]);
    if (v !== undefined) e[k] = v;
  }
  e.status = f.status || "ok";
  if (f.tokens) e.tokens = f.tokens;
  if (num(f.cost) !== undefined) e.cost = f.cost;
  e.source = "plugin";
  if (f.attrs) {
    const a = {};
    for (const [k, v] of Object.entries(f.attrs)) if (v !== undefined && v !== null) a[k] = v;
    e.attrs = a;
  }
  return e;
}
// A FIFO array with O(1) push and take.
class Fifo {
  constructor() { this.a = []; this.h = 0; }
  get size() { return this.a.length - this.h; }
  push(x) { this.a.push(x); }
  peek(n) { return this.a.slice(this.h, this.h + n); }
  drop(n) {
    this.h += n;
    if (this.h > 1024 && this.h * 2 > this.a.length) { this.a = this.a.slice(this.h); this.h = 0; }
  }
  removeAt(i) { this.a.splice(this.h + i, 1); }
  all() { return this.a.slice(this.h); }
}

// ---------------------------------------------------------------- spans
// Tracker turns OpenCode bus events into spans (design section 1). It keeps
// only scalars of in-progress objects, in bounded Maps, and hands each
// finished span to emit(event, hold).
const SKEW_MS = 10000;
const IDLE_FINAL_MS = 300;
const GC_AGE_MS = 3600000;
const CAPS = { sessions: 2000, messages: 8000, tools: 8000, perms: 1000, compactions: 1000, done: 20000 };

class Tracker {
  constructor(emit, flushSoon, stats) {
    this.emit = emit;
    this.flushSoon = flushSoon;
    this.stats = stats;
    this.sessions = new Map();
    this.messages = new Map();
    this.tools = new Map();
    this.callIndex = new Map();
    this.perms = new Map();
    this.compactions = new Map();
    this.done = new Map(); // "kind:span_id" of sent spans
    this.lastObjMs = 0; // the latest OpenCode time seen: reference for id times
    this.now = 0;
  }

  put(name, key, val) {
    const m = this[name];
    m.set(key, val);
    if (m.size > CAPS[name]) {
      m.delete(m.keys().next().value);
      this.stats.gc++;
    }
    return val;
  }
  isDone(key) { return this.done.has(key); }
  markDone(key) { this.put("done", key, true); }
  seen(t) { if (typeof t === "number" && t > this.lastObjMs) this.lastObjMs = t; }

  // The time encoded in an OpenCode id, checked against the times OpenCode
  // itself reported; falls back to this process's clock (time_src "clock").
  idTime(id) {
    const now = Date.now();
    const ref = this.lastObjMs || now;
    const t = decodeIdMs(id, ref);
    if (t !== undefined && t >= ref - SKEW_MS && t <= now + SKEW_MS) return { t, clock: false };
    this.stats.time_fallbacks++;
    return { t: now, clock: true };
  }

  sess(id) {
    let s = this.sessions.get(id);
    if (!s) s = this.put("sessions", id, { id, turns: [], asst: new Set(), lastErr: null, lastAsstCreated: -1 });
    s.touched = this.now;
    return s;
  }

  onEvent(e) {
    if (!e || typeof e !== "object") return undefined;
    const p = e.properties || {};
    switch (e.type) {
      case "message.part.updated": return this.onPart(p.part);
      case "message.updated": return this.onMessage(p.info);
      case "session.created":
      case "session.updated": return this.onSession(p.info);
      case "session.status": return this.onStatus(e, p);
      case "session.idle": return this.onIdle(p.sessionID, e.id);
      case "permission.asked": return this.onAsked(p);
      case "permission.replied": return this.onReplied(e, p);
      default: return undefined;
    }
  }

  // ---- sessions
  onSession(info) {
    if (!info || typeof info.id !== "string") return;
    const s = this.sess(info.id);
    const t = info.time || {};
    if (num(t.created) !== undefined) s.created = t.created;
    if (num(t.updated) !== undefined) s.updated = t.updated;
    this.seen(t.updated);
    s.parentID = info.parentID;
    if (info.agent) s.agent = info.agent;
    if (info.model) { s.model = info.model.id; s.provider = info.model.providerID; }
    s.tokens = tokensOf(info.tokens);
    s.cost = info.cost;
    s.projectID = info.projectID;
    s.version = info.version;
    if (s.awaitFinal) this.emitSession(s);
  }

  onStatus(e, p) {
    const st = p.status || {};
    if (typeof p.sessionID !== "string") return;
    if (st.type === "busy") {
      const s = this.sess(p.sessionID);
      s.awaitFinal = false;
      if (s.timer) { clearTimeout(s.timer); s.timer = undefined; }
    } else if (st.type === "idle") {
      this.onIdle(p.sessionID, e.id);
    } else if (st.type === "retry") {
      this.onRetry(e, p.sessionID, st);
    }
  }

  onIdle(sid, evtId) {
    if (typeof sid !== "string") return;
    const s = this.sess(sid);
    if (s.awaitFinal) return; // session.status idle and session.idle both arrive
    const idle = this.idTime(evtId).t;
    for (const id of s.asst) {
      const m = this.messages.get(id);
      if (m && m.error && m.completed === undefined) this.emitLlm(m, Math.max(idle, m.created));
    }
    for (const uid of s.turns) {
      const u = this.messages.get(uid);
      if (u) this.emitTurn(u);
    }
    s.turns = [];
    if (!s.emitted && !this.isDone("session:" + sid) && s.created !== undefined) {
      s.awaitFinal = true;
      s.timer = setTimeout(() => { try { this.emitSession(s); } catch { this.stats.errors++; } }, IDLE_FINAL_MS);
      if (s.timer.unref) s.timer.unref();
    }
    if (!s.parentID) this.flushSoon();
  }

  emitSession(s) {
    if (s.emitted || s.created === undefined) return;
    s.emitted = true;
    s.awaitFinal = false;
    if (s.timer) { clearTimeout(s.timer); s.timer = undefined; }
    this.markDone("session:" + s.id);
    this.emit(span("session", {
      start: s.created, end: s.updated ?? s.created, session_id: s.id, span_id: s.id,
      parent_session_id: s.parentID, agent: s.agent, model: s.model, provider: s.provider,
      tokens: s.tokens, cost: s.cost, ...msgStatus(s.lastErr),
      attrs: { project_id: label(s.projectID), version: label(s.version) },
    }), false);
    if (!s.parentID) this.flushSoon();
  }

  // Sessions waiting for their final session.update at process exit.
  finishAll() {
    for (const s of this.sessions.values()) if (s.awaitFinal) this.emitSession(s);
  }

  // ---- messages, turns, llm calls
  onMessage(info) {
    if (!info || typeof info.id !== "string" || typeof info.sessionID !== "string") return;
    const t = info.time || {};
    this.seen(t.created);
    this.seen(t.completed);
    if (info.role === "user") return this.onUser(info, t);
    if (info.role !== "assistant" || this.isDone("llm_call:" + info.id)) return;
    let m = this.messages.get(info.id);
    const s = this.sess(info.sessionID);
    if (!m) {
      m = this.put("messages", info.id, { id: info.id, role: "assistant", ses: info.sessionID, toolsMs: 0 });
      s.asst.add(info.id);
      const u = this.messages.get(info.parentID);
      if (u && u.role === "user") u.pending.add(info.id);
    }
    m.touched = this.now;
    m.created = t.created;
    m.completed = num(t.completed);
    m.parentID = info.parentID;
    m.agent = info.agent;
    m.model = info.modelID;
    m.provider = info.providerID;
    m.tokens = info.tokens;
    m.cost = info.cost;
    m.finish = info.finish;
    m.error = info.error;
    if (m.completed === undefined) s.curAssistant = info.id;
    else if (typeof m.created === "number") this.emitLlm(m, m.completed);
  }

  onUser(info, t) {
    if (this.isDone("turn:" + info.id) || typeof t.created !== "number") return;
    let u = this.messages.get(info.id);
    if (!u) {
      const s = this.sess(info.sessionID);
      for (const prev of s.turns) {
        const pu = this.messages.get(prev);
        if (pu && pu.pending.size === 0 && pu.steps > 0) this.emitTurn(pu);
      }
      s.turns = s.turns.filter((id) => this.messages.has(id));
      s.turns.push(info.id);
      u = this.put("messages", info.id, { id: info.id, role: "user", ses: info.sessionID, pending: new Set(), steps: 0, lastCreated: -1 });
    }
    u.touched = this.now;
    u.created = t.created;
    u.agent = info.agent;
    u.model = info.model && info.model.modelID;
    u.provider = info.model && info.model.providerID;
  }

  emitLlm(m, end) {
    this.messages.delete(m.id);
    this.markDone("llm_call:" + m.id);
    const s = this.sess(m.ses);
    s.asst.delete(m.id);
    if (s.curAssistant === m.id) s.curAssistant = undefined;
    if (m.created >= s.lastAsstCreated) { s.lastAsstCreated = m.created; s.lastErr = m.error || null; }
    const tokens = m.step ? m.step.tokens : tokensOf(m.tokens);
    const cost = m.step ? m.step.cost : m.cost;
    const st = msgStatus(m.error);
    const code = m.error && m.error.data ? num(m.error.data.statusCode) : undefined;
    this.emit(span("llm_call", {
      start: m.created, end, session_id: m.ses, message_id: m.id, span_id: m.id, parent_span_id: m.parentID,
      agent: m.agent, model: m.model, provider: m.provider, tokens, cost, ...st,
      attrs: {
        finish: label(m.finish), status_code: code, tools_ms: m.toolsMs,
        first_part_ms: m.firstPartMs === undefined ? undefined : Math.max(0, m.firstPartMs - m.created),
      },
    }), true);
    const u = this.messages.get(m.parentID);
    if (u && u.role === "user") {
      u.pending.delete(m.id);
      u.steps++;
      u.end = Math.max(u.end ?? end, end);
      if (m.created >= u.lastCreated) { u.lastCreated = m.created; u.finish = m.finish; u.error = m.error; }
    }
    const c = this.compactions.get(m.parentID);
    if (c) {
      this.compactions.delete(m.parentID);
      this.markDone("compaction:" + c.id);
      this.emit(span("compaction", {
        start: c.start, end, session_id: c.ses, message_id: m.parentID, span_id: c.id,
        agent: m.agent, model: m.model, provider: m.provider, tokens, cost, ...st,
        attrs: { auto: typeof c.auto === "boolean" ? c.auto : undefined, overflow: typeof c.overflow === "boolean" ? c.overflow : undefined },
      }), false);
    }
  }

  emitTurn(u) {
    this.messages.delete(u.id);
    this.markDone("turn:" + u.id);
    this.emit(span("turn", {
      start: u.created, end: u.end ?? u.created, session_id: u.ses, message_id: u.id, span_id: u.id,
      agent: u.agent, model: u.model, provider: u.provider, ...msgStatus(u.error),
      attrs: { steps: u.steps, finish: label(u.finish) },
    }), false);
  }

  // ---- parts and tools
  notePart(m, id) {
    const t = decodeIdMs(id, m.created);
    if (t !== undefined && (m.firstPartMs === undefined || t < m.firstPartMs)) m.firstPartMs = t;
  }

  onPart(p) {
    if (!p || typeof p.id !== "string") return;
    if (p.type === "tool") return this.onTool(p);
    if (p.type === "step-start") return;
    if (p.type === "compaction") {
      if (!this.compactions.has(p.messageID) && !this.isDone("compaction:" + p.id)) {
        this.put("compactions", p.messageID, { id: p.id, ses: p.sessionID, auto: p.auto, overflow: p.overflow, start: this.idTime(p.id).t, touched: this.now });
      }
      return;
    }
    const m = this.messages.get(p.messageID);
    if (!m || m.role !== "assistant") return;
    if (p.type === "step-finish") m.step = { tokens: tokensOf(p.tokens), cost: p.cost };
    else if (m.firstPartMs === undefined) this.notePart(m, p.id);
  }

  onTool(p) {
    if (this.isDone("tool_call:" + p.id)) return;
    let t = this.tools.get(p.id);
    const m = this.messages.get(p.messageID);
    if (!t) {
      t = this.put("tools", p.id, { id: p.id, callID: p.callID, msg: p.messageID, ses: p.sessionID, waits: 0, rejected: false, pending: new Set() });
      this.callIndex.set(p.messageID + "\0" + p.callID, p.id);
      if (m && m.role === "assistant") this.notePart(m, p.id);
    }
    t.touched = this.now;
    t.tool = p.tool;
    const st = p.state || {};
    if (st.status !== "completed" && st.status !== "error") return;
    const time = st.time || {};
    const start = num(time.start);
    const end = num(time.end);
    this.tools.delete(p.id);
    this.callIndex.delete(p.messageID + "\0" + p.callID);
    this.markDone("tool_call:" + p.id);
    if (start === undefined || end === undefined) { this.stats.invalid++; return; }
    this.seen(end);
    for (const perId of t.pending) {
      const perm = this.perms.get(perId);
      if (perm) this.emitPerm(perm, { t: Math.max(end, perm.start), clock: false }, undefined, t);
    }
    const wall = Math.max(0, end - start);
    const wait = Math.min(t.waits, wall);
    if (m && m.role === "assistant") m.toolsMs += wall;
    const md = st.metadata || {};
    const status = st.status === "completed" ? { status: "ok" } : { status: "error", error_class: t.rejected ? "permission_rejected" : "tool_error" };
    this.emit(span("tool_call", {
      start, end: end - wait, session_id: p.sessionID, message_id: p.messageID, span_id: p.id, parent_span_id: p.messageID,
      agent: m && m.agent, model: m && m.model, provider: m && m.provider, tool: p.tool, ...status,
      attrs: {
        call_id: label(p.callID), child_session_id: typeof md.sessionId === "string" ? md.sessionId : undefined,
        exit: typeof md.exit === "number" ? md.exit : undefined, permission_wait_ms: wait, wall_ms: wall,
        output_chars: typeof st.output === "string" ? st.output.length : undefined, // UTF-16 units, O(1)
      },
    }), false);
  }

  // ---- permissions (section 3.8: the wait is taken out of the tool's time)
  onAsked(p) {
    if (typeof p.id !== "string" || typeof p.sessionID !== "string" || this.isDone("permission_wait:" + p.id)) return;
    const at = this.idTime(p.id);
    const tool = p.tool || {};
    const perm = this.put("perms", p.id, {
      id: p.id, ses: p.sessionID, permission: p.permission, msg: tool.messageID, callID: tool.callID,
      start: at.t, clock: at.clock, touched: this.now,
    });
    const prt = this.callIndex.get(tool.messageID + "\0" + tool.callID);
    const t = prt && this.tools.get(prt);
    if (t) t.pending.add(p.id);
  }

  onReplied(e, p) {
    const perm = this.perms.get(p.requestID);
    if (!perm) return;
    this.emitPerm(perm, this.idTime(e.id), typeof p.reply === "string" ? p.reply : "", undefined);
  }

  // reply undefined: the tool ended before anybody answered (cancelled).
  emitPerm(perm, at, reply, toolArg) {
    this.perms.delete(perm.id);
    this.markDone("permission_wait:" + perm.id);
    const prt = this.callIndex.get(perm.msg + "\0" + perm.callID) || (toolArg && toolArg.id);
    const t = toolArg || (prt && this.tools.get(prt));
    const end = Math.max(at.t, perm.start);
    if (t) {
      t.waits += end - perm.start;
      t.pending.delete(perm.id);
      if (reply === "reject") t.rejected = true;
    }
    const m = this.messages.get(perm.msg);
    const status = reply === undefined ? { status: "cancelled" } : reply === "reject" ? { status: "error", error_class: "permission_rejected" } : { status: "ok" };
    this.emit(span("permission_wait", {
      start: perm.start, end, session_id: perm.ses, message_id: perm.msg, span_id: perm.id, parent_span_id: t ? t.id : undefined,
      agent: m && m.agent, model: m && m.model, provider: m && m.provider, tool: t ? t.tool : undefined, ...status,
      attrs: {
        permission: label(perm.permission), reply: label(reply), call_id: label(perm.callID),
        time_src: perm.clock || at.clock ? "clock" : undefined,
      },
    }), false);
  }

  // ---- retries (session.status {type:"retry", attempt, message, next})
  onRetry(e, sid, st) {
    const s = this.sess(sid);
    const attempt = num(st.attempt) ?? 0;
    const a = s.curAssistant;
    const spanId = (a || sid) + ":retry:" + attempt;
    if (this.isDone("retry:" + spanId)) return;
    this.markDone("retry:" + spanId);
    const at = this.idTime(e.id);
    const next = num(st.next);
    const end = next !== undefined && next > at.t && next - at.t <= GC_AGE_MS ? next : at.t;
    const match = /\b([45]\d\d)\b/.exec(typeof st.message === "string" ? st.message : "");
    const m = a && this.messages.get(a);
    this.emit(span("retry", {
      start: at.t, end, session_id: sid, message_id: a, span_id: spanId, parent_span_id: a,
      agent: m && m.agent, model: m && m.model, provider: m && m.provider,
      status: "error", error_class: match ? "http_" + match[1] : "provider_error",
      attrs: {
        attempt, status_code: match ? Number(match[1]) : undefined,
        action_reason: st.action && label(st.action.reason), time_src: at.clock ? "clock" : undefined,
      },
    }), false);
  }

  // Drops entries untouched for an hour (a crashed step never ends).
  gc(now) {
    for (const name of ["sessions", "messages", "tools", "perms", "compactions"]) {
      for (const [k, v] of this[name]) {
        const age = now - (v.touched || 0);
        if (age > GC_AGE_MS || (name === "sessions" && v.emitted && age > 600000)) {
          this[name].delete(k);
          if (!(name === "sessions" && v.emitted)) this.stats.gc++;
        }
      }
    }
  }
}

// ---------------------------------------------------------------- sending
// Sender: a bounded two-lane queue (ready; held = llm_calls waiting for OTLP
// data), at most one POST in flight, backoff, and the exit spool. Only the
// timer tick touches the network; push() is O(1).
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30000;

class Sender {
  constructor(cfg, stats, instance) {
    this.cfg = cfg;
    this.stats = stats;
    this.instance = instance;
    this.ready = new Fifo();
    this.held = new Fifo();
    this.holdMs = 0;
    this.batchMax = cfg.batchMax;
    this.inflight = false;
    this.retryAt = 0;
    this.backoff = 0;
    this.splits = 0;
    this.authFailed = false;
    this.spoolFiles = null; // old spool files to send, listed at the first tick
  }

  push(ev, hold) {
    if (this.ready.size + this.held.size >= this.cfg.queueMax) {
      const d = this.stats.dropped;
      d[ev.kind] = (d[ev.kind] || 0) + 1;
      this.stats.dropped_total++;
      return;
    }
    this.stats.queued++;
    if (hold && this.holdMs > 0) this.held.push({ ev, at: Date.now() + this.holdMs });
    else this.ready.push(ev);
  }

  // Moves every held llm_call to the ready lane at once (dispose: exit is near).
  releaseHeld() {
    for (const h of this.held.all()) this.ready.push(h.ev);
    this.held.drop(this.held.size);
  }

  tick() {
    const now = Date.now();
    let n = 0;
    for (const h of this.held.peek(this.held.size)) { if (h.at > now) break; this.ready.push(h.ev); n++; }
    this.held.drop(n);
    if (this.spoolFiles === null) this.spoolFiles = this.listSpool();
    if (this.inflight || this.authFailed || now < this.retryAt) return;
    if (this.ready.size > 0) this.sendBatch();
    else if (this.spoolFiles.length > 0) this.sendSpoolFile();
  }

  post(body) {
    const s = this.stats;
    const headers = {
      "content-type": "application/x-ndjson",
      "x-agentperf-plugin": `${this.instance};dropped=${s.dropped_total};errors=${s.errors}`,
    };
    if (this.cfg.token) headers.authorization = "Bearer " + this.cfg.token;
    this.inflight = true;
    s.requests++;
    return fetch(this.cfg.url + "/v1/events", { method: "POST", headers, body, signal: AbortSignal.timeout(this.cfg.timeoutMs) })
      .then((r) => r.text().then((text) => ({ status: r.status, text }), () => ({ status: r.status, text: "" })))
      .catch(() => ({ status: 0, text: "" }))
      .then((r) => { this.inflight = false; return r; });
  }

  again(ok) {
    if (ok) { this.backoff = 0; this.retryAt = 0; } else {
      this.stats.retries++;
      this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff ? this.backoff * 2 : BACKOFF_MIN_MS);
      this.retryAt = Date.now() + this.backoff * (0.8 + 0.4 * Math.random());
    }
    const t = setTimeout(() => this.safeTick(), ok ? 0 : this.retryAt - Date.now());
    if (t.unref) t.unref();
  }
  safeTick() { try { this.tick(); } catch { this.stats.errors++; } }

  authFail() {
    if (!this.authFailed) process.stderr.write(`agentperf plugin: ${this.cfg.url} refused the token (401); not sending any more\n`);
    this.authFailed = true;
  }

  sendBatch() {
    const evs = this.ready.peek(this.batchMax);
    const n = evs.length;
    const body = evs.map((e) => JSON.stringify(e)).join("\n") + "\n";
    this.post(body).then((r) => {
      if (r.status === 200) {
        this.ready.drop(n);
        this.stats.sent += n;
        this.stats.batches++;
        this.splits = 0;
        if (this.ready.size > 0 || this.spoolFiles.length > 0) this.again(true);
      } else if (r.status === 400) {
        const line = badLine(r.text);
        if (line >= 1 && line <= n && this.splits < 3) { this.ready.removeAt(line - 1); this.stats.rejected++; this.splits++; } else { this.ready.drop(n); this.stats.rejected += n; this.splits = 0; }
        this.again(true);
      } else if (r.status === 401 || r.status === 403) {
        this.authFail();
      } else if (r.status === 413 && n > 1) {
        this.batchMax = Math.max(1, Math.floor(n / 2));
        this.again(true);
      } else {
        this.again(false);
      }
    }).catch(() => { this.stats.errors++; });
  }

  // ---- the spool: NDJSON files of unsent events, written at exit
  listSpool() {
    const dir = this.cfg.spoolDir;
    const out = [];
    try {
      for (const name of fs.readdirSync(dir).sort()) {
        const claimed = /^(.+\.ndjson)\.sending-(\d+)$/.exec(name);
        if (claimed && !alive(Number(claimed[2]))) {
          try { fs.renameSync(path.join(dir, name), path.join(dir, claimed[1])); out.push(path.join(dir, claimed[1])); } catch { /* taken */ }
        } else if (name.endsWith(".ndjson")) {
          out.push(path.join(dir, name));
        }
      }
    } catch { /* no spool dir */ }
    return out;
  }

  sendSpoolFile() {
    const file = this.spoolFiles.shift();
    const claimed = `${file}.sending-${process.pid}`;
    let lines;
    try {
      fs.renameSync(file, claimed); // atomic: exactly one drainer wins
      lines = fs.readFileSync(claimed, "utf8").split("\n").filter((l) => l.length > 0);
    } catch {
      return this.again(true);
    }
    const putBack = () => { try { fs.renameSync(claimed, file); } catch { /* gone */ } this.spoolFiles.unshift(file); };
    if (lines.length === 0) { try { fs.unlinkSync(claimed); } catch { /* gone */ } return this.again(true); }
    this.post(lines.join("\n") + "\n").then((r) => {
      if (r.status === 200) {
        try { fs.unlinkSync(claimed); } catch { /* gone */ }
        this.stats.drained_files++;
        this.stats.drained_events += lines.length;
        this.again(true);
      } else if (r.status === 400) {
        const line = badLine(r.text);
        this.stats.rejected++;
        if (line >= 1 && line <= lines.length && lines.length > 1) {
          lines.splice(line - 1, 1);
          try { fs.writeFileSync(claimed, lines.join("\n") + "\n"); } catch { /* kept as is */ }
          putBack();
        } else {
          try { fs.unlinkSync(claimed); } catch { /* gone */ }
        }
        this.again(true);
      } else if (r.status === 401 || r.status === 403) {
        putBack();
        this.authFail();
      } else {
        putBack();
        this.again(false);
      }
    }).catch(() => { this.stats.errors++; });
  }

  // At exit: everything not acknowledged, synchronously, in one file.
  spool() {
    const evs = this.ready.all().concat(this.held.all().map((h) => h.ev));
    if (evs.length === 0) return "";
    const dir = this.cfg.spoolDir;
    const file = path.join(dir, `${Date.now()}-${process.pid}-${this.instance.slice(-6)}.ndjson`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file + ".tmp", evs.map((e) => JSON.stringify(e)).join("\n") + "\n");
    fs.renameSync(file + ".tmp", file);
    this.stats.spooled += evs.length;
    return file;
  }
}

function badLine(text) {
  try { const j = JSON.parse(text); return typeof j.line === "number" ? j.line : 0; } catch { return 0; }
}
function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e && e.code === "EPERM"; }
}

// ---------------------------------------------------------------- plugin
const MAX_ERRORS = 100;
const GC_EVERY_MS = 60000;

// Warm-up: a scratch tracker (emitting nowhere) replays `rounds` synthetic
// sessions once the plugin is loaded, so that the handlers are compiled
// before OpenCode's first real events rather than while they are handled
// (a run has only a few hundred events: without it, they all run cold).
function warmUp(rounds) {
  const t0 = performance.now();
  const tr = new Tracker(() => {}, () => {}, newStats());
  const base = Date.now();
  const hex = (prefix, ms, n) => {
    let v = (ms * 4096 + n) % P48;
    if (prefix === "ses") v = P48 - 1 - v;
    return `${prefix}_${v.toString(16).padStart(12, "0")}warmup${String(n).padStart(8, "0")}`;
  };
  const tokens = { input: 1, output: 1, reasoning: 0, cache: { read: 0, write: 0 } };
  for (let i = 0; i < rounds; i++) {
    const t = base + i;
    const [ses, u, a, evt] = [hex("ses", t, i), hex("msg", t, 4 * i), hex("msg", t, 4 * i + 1), (k) => hex("evt", t, 16 * i + k)];
    const prt = (k) => hex("prt", t, 8 * i + k);
    const info = { id: ses, projectID: "p", version: "w", agent: "build", model: { id: "m", providerID: "p" }, cost: 0, tokens, time: { created: t, updated: t } };
    const asst = { id: a, sessionID: ses, role: "assistant", parentID: u, time: { created: t }, modelID: "m", providerID: "p", agent: "build", cost: 0, tokens };
    const tool = (state) => ({ id: prt(2), sessionID: ses, messageID: a, type: "tool", callID: "c", tool: "bash", state });
    const events = [
      ["session.created", { info }],
      ["message.updated", { info: { id: u, sessionID: ses, role: "user", time: { created: t }, agent: "build", model: { providerID: "p", modelID: "m" } } }],
      ["session.status", { sessionID: ses, status: { type: "busy" } }],
      ["message.updated", { info: asst }],
      ["message.part.updated", { part: { id: prt(0), sessionID: ses, messageID: a, type: "step-start" } }],
      ["message.part.updated", { part: { id: prt(1), sessionID: ses, messageID: a, type: "text", text: "w" } }],
      ["message.part.updated", { part: tool({ status: "running", time: { start: t } }) }],
      ["permission.asked", { id: hex("per", t, i), sessionID: ses, permission: "bash", tool: { messageID: a, callID: "c" } }],
      ["permission.replied", { sessionID: ses, requestID: hex("per", t, i), reply: "once" }],
      ["message.part.updated", { part: tool({ status: "completed", time: { start: t, end: t + 1 }, metadata: { exit: 0 } }) }],
      ["message.part.updated", { part: { id: prt(3), sessionID: ses, messageID: a, type: "step-finish", tokens, cost: 0 } }],
      ["message.updated", { info: { ...asst, time: { created: t, completed: t + 2 }, finish: "stop" } }],
      ["session.status", { sessionID: ses, status: { type: "idle" } }],
      ["session.updated", { info: { ...info, time: { created: t, updated: t + 3 } } }],
    ];
    events.forEach(([type, properties], k) => { tr.now = t; tr.onEvent({ id: evt(k), type, properties }); });
  }
  for (const s of tr.sessions.values()) if (s.timer) clearTimeout(s.timer);
  return performance.now() - t0;
}

// Per-call time of span-relevant event hooks (all but message.part.delta), for
// quantiles that calls preempted on a busy machine do not move: bucket 0 <=
// 0.125 us, bucket b: [0.125 * 2^((b-1)/4), 0.125 * 2^(b/4)) us, the last all above.
const HIST_BUCKETS = 64;
function histAdd(h, ms) {
  const us = ms * 1000;
  h[us <= 0.125 ? 0 : Math.min(HIST_BUCKETS - 1, 1 + Math.floor(4 * Math.log2(us / 0.125)))]++;
}

function newStats() {
  return {
    hooks: {}, event_types: Object.create(null), queued: 0, sent: 0, batches: 0, requests: 0, retries: 0, rejected: 0,
    dropped: {}, dropped_total: 0, errors: 0, invalid: 0, gc: 0, time_fallbacks: 0, spooled: 0,
    drained_files: 0, drained_events: 0, disabled: false,
    span_hist: new Array(HIST_BUCKETS).fill(0), warmup_ms: 0,
  };
}

function timeHook(stats, name, ms) {
  const h = stats.hooks[name] || (stats.hooks[name] = { calls: 0, total_ms: 0, max_ms: 0 });
  h.calls++;
  h.total_ms += ms;
  if (ms > h.max_ms) h.max_ms = ms;
}

export const AgentperfPlugin = async (ctx) => {
  const cfg = loadConfig(process.env);
  if (cfg.disabled) return {};
  const stats = newStats();
  const instance = `p${process.pid}-${Date.now().toString(36)}`;
  const sender = new Sender(cfg, stats, instance);
  const flushSoon = () => { const t = setTimeout(() => sender.safeTick(), 0); if (t.unref) t.unref(); };
  const tracker = new Tracker((ev, hold) => sender.push(ev, hold), flushSoon, stats);
  let lastGc = Date.now();
  const interval = setInterval(() => {
    try {
      const now = Date.now();
      if (now - lastGc >= GC_EVERY_MS) { lastGc = now; tracker.gc(now); }
      sender.tick();
    } catch { stats.errors++; }
  }, cfg.flushMs);
  if (interval.unref) interval.unref();
  flushSoon(); // drains old spool files soon after start
  if (cfg.warmupRounds > 0) {
    const w = setTimeout(() => { try { stats.warmup_ms = warmUp(cfg.warmupRounds); } catch { stats.errors++; } }, 0);
    if (w.unref) w.unref();
  }

  const fail = () => {
    stats.errors++;
    if (stats.errors >= MAX_ERRORS && !stats.disabled) {
      stats.disabled = true;
      process.stderr.write("agentperf plugin: too many internal errors, disabled\n");
    }
  };

  process.on("exit", () => {
    let file = "";
    try {
      if (!stats.disabled) tracker.finishAll();
      file = sender.spool();
    } catch { stats.errors++; }
    try {
      if (cfg.statsFile) {
        const out = { version: VERSION, instance, pid: process.pid, url: cfg.url, spool_file: file, ...stats };
        fs.mkdirSync(path.dirname(cfg.statsFile), { recursive: true });
        fs.writeFileSync(cfg.statsFile, JSON.stringify(out) + "\n");
      }
      if (stats.dropped_total > 0) process.stderr.write(`agentperf plugin: dropped ${stats.dropped_total} events (queue full)\n`);
    } catch { /* nothing left to do */ }
  });

  return {
    event: async (input) => {
      if (stats.disabled) return;
      const t0 = performance.now();
      const e = input && input.event;
      const type = e && e.type;
      if (type !== "message.part.delta") {
        try {
          tracker.now = Date.now();
          tracker.onEvent(e);
        } catch {
          fail();
        }
      }
      const ms = performance.now() - t0;
      timeHook(stats, "event", ms);
      if (type !== "message.part.delta") histAdd(stats.span_hist, ms);
      if (typeof type === "string" && (type in stats.event_types || Object.keys(stats.event_types).length < 100)) {
        const k = stats.event_types[type] || (stats.event_types[type] = { calls: 0, total_ms: 0 });
        k.calls++;
        k.total_ms += ms;
      }
    },
    config: async (config) => {
      const t0 = performance.now();
      try {
        const otel = !!(config && config.experimental && config.experimental.openTelemetry === true);
        const hold = Number.parseInt(cfg.holdMsEnv ?? "", 10);
        sender.holdMs = otel && cfg.otelEndpoint ? (Number.isFinite(hold) && hold >= 0 ? hold : 7000) : 0;
      } catch {
        fail();
      }
      timeHook(stats, "config", performance.now() - t0);
    },
    dispose: async () => {
      timeHook(stats, "dispose", 0); // OpenCode disposes its instances before it exits
      try { sender.releaseHeld(); } catch { fail(); } // no more waiting for OTLP: the process may end
      sender.safeTick();
    },
  };
};
