// The file's form: what OpenCode's loader and the C++ embedding require.
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import { pluginPath } from "../testlib/harness.mjs";

const src = fs.readFileSync(pluginPath, "utf8");

test("exports exactly one function, AgentperfPlugin (every exported function is loaded as a plugin)", async () => {
  const mod = await import("file://" + pluginPath);
  assert.deepEqual(Object.keys(mod), ["AgentperfPlugin"]);
  assert.equal(typeof mod.AgentperfPlugin, "function");
  assert.equal(src.match(/^export /gm).length, 1);
});

test("imports only node:fs, node:path and node:os", () => {
  const imports = [...src.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]).sort();
  assert.deepEqual(imports, ["node:fs", "node:os", "node:path"]);
  assert.ok(!/\brequire\(|\bimport\(/.test(src), "no dynamic loading");
});

test("can be embedded in the C++ raw string and configure_file", () => {
  assert.ok(!src.includes(")AGENTPERF_JS"));
  assert.ok(!/@[A-Za-z_][A-Za-z0-9_]*@/.test(src), "no @NAME@ (CMake would substitute it)");
  assert.ok(src.startsWith("// agentperf-opencode-plugin v"));
});

test("returns no hooks when disabled (AGENTPERF_PLUGIN_DISABLE=1)", async () => {
  const mod = await import("file://" + pluginPath);
  const saved = process.env.AGENTPERF_PLUGIN_DISABLE;
  process.env.AGENTPERF_PLUGIN_DISABLE = "1";
  try {
    assert.deepEqual(await mod.AgentperfPlugin({}), {});
  } finally {
    if (saved === undefined) delete process.env.AGENTPERF_PLUGIN_DISABLE; else process.env.AGENTPERF_PLUGIN_DISABLE = saved;
  }
});
