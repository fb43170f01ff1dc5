// A tiny stand-in for `agentperf serve`'s POST /v1/events on 127.0.0.1.
// mode "ok" stores every NDJSON line and answers 200; "hang" accepts the
// request and never answers; a function (req, lines) => {status, body} scripts
// answers.
import http from "node:http";

export async function startCollector(mode = "ok") {
  const c = { mode, events: [], requests: [], hung: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const lines = body.split("\n").filter(Boolean);
      c.requests.push({ url: req.url, method: req.method, headers: req.headers, lines: lines.length });
      if (c.mode === "hang") { c.hung.push(res); return; }
      let answer = { status: 200 };
      if (typeof c.mode === "function") answer = c.mode(req, lines) || answer;
      if (answer.status === 200) for (const l of lines) c.events.push(JSON.parse(l));
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body ?? JSON.stringify({ accepted: lines.length, duplicates: 0 }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  c.url = `http://127.0.0.1:${server.address().port}`;
  c.close = () => new Promise((r) => {
    for (const res of c.hung) res.destroy();
    server.closeAllConnections?.();
    server.close(() => r());
  });
  c.waitFor = async (pred, ms = 10000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (pred(c)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return pred(c);
  };
  return c;
}

// A port on which nothing listens (bound, then closed).
export async function deadUrl() {
  const s = http.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}
