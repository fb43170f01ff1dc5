#!/usr/bin/env bash
# Records tests/fixtures/opencode/template.db, the template of
# `agentperf bench import` (docs/benchmarks.md), with the REAL opencode 1.18.33
# (scripts/install-opencode.sh) talking to `agentperf simulate llm`, offline,
# in an isolated HOME (as tests/e2e_opencode/opencode_env.h does):
#
#   * 3 x planner -> task tester || task coder (parallel), tester bash, coder read + bash
#   * 2 x architect -> task researcher (glob + grep) -> text
#   * 2 x coder alone: read of a missing file (tool error), bash, text
#   * LONG x worker (sim-small): TURNS turns of STEPS steps (bash/read/glob/grep), then text
#
# Usage: scripts/record-opencode-template.sh [OUT.db]
#   OUT.db     default tests/fixtures/opencode/template.db
#   env AGENTPERF_BIN (default build/src/agentperf), AGENTPERF_OPENCODE (default:
#   the install of scripts/install-opencode.sh), LONG (2), TURNS (3), STEPS (40).
#
# The result is opencode's own database, checkpointed and vacuumed, with the
# `event`/`event_sequence` rows (OpenCode's event-sourcing log, read by neither
# agentperf's importer nor ccusage) deleted to keep the file small. The tables
# and DDL are untouched.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/tests/fixtures/opencode/template.db}
ap=${AGENTPERF_BIN:-$here/build/src/agentperf}
cache=${XDG_CACHE_HOME:-$HOME/.cache}
ocdir=${AGENTPERF_OPENCODE_DIR:-$cache/agentperf/opencode-1.18.33}
oc=${AGENTPERF_OPENCODE:-$ocdir/node_modules/.bin/opencode}
long=${LONG:-2}
turns=${TURNS:-3}
steps=${STEPS:-40}

die() { echo "record-opencode-template: error: $*" >&2; exit 1; }
[ -x "$ap" ] || die "$ap is not built (scripts/build.sh release agentperf, or set AGENTPERF_BIN)"
[ -x "$oc" ] || die "opencode 1.18.33 is not installed at $oc; run scripts/install-opencode.sh"
[ -f "$ocdir/plugin/node_modules/@opencode-ai/plugin/package.json" ] ||
  die "the @opencode-ai/plugin pre-fill is missing; run scripts/install-opencode.sh"
command -v sqlite3 >/dev/null || die "sqlite3 (the CLI) is needed: apt-get install sqlite3"
command -v git >/dev/null || die "git is needed"
command -v rg >/dev/null || die "ripgrep (rg) is needed, or opencode tries to download it: apt-get install ripgrep"

root=$(mktemp -d "${TMPDIR:-/tmp}/agentperf-template.XXXXXX")
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$root"
}
trap cleanup EXIT
home=$root/home
proj=$root/project
mkdir -p "$home/.config/opencode" "$home/.local/share" "$home/.cache" "$home/.local/state" \
  "$proj/.opencode/agent" "$root/out"

# --- the simulated model: one script per agent.
worker_steps=""
tools=(bash read glob grep)
for ((i = 0; i < steps - 1; i++)); do
  case ${tools[i % 4]} in
    bash) t="{\"name\":\"bash\",\"args\":{\"command\":\"echo step-$i\",\"description\":\"Step $i\"}}" ;;
    read) t="{\"name\":\"read\",\"args\":{\"filePath\":\"README.md\"}}" ;;
    glob) t="{\"name\":\"glob\",\"args\":{\"pattern\":\"*.md\"}}" ;;
    grep) t="{\"name\":\"grep\",\"args\":{\"pattern\":\"hello\"}}" ;;
  esac
  worker_steps+="{\"text\":\"Working on step $i.\",\"tools\":[$t]},"
done
worker_steps+="{\"text\":\"Done with all steps.\",\"output_tokens\":60}"

cat >"$root/sim.json" <<EOF
{
  "seed": 11,
  "models": {
    "sim-large": {"ttfc_ms": {"dist": "uniform", "min": 5, "max": 20}, "tokens_per_s": 2000},
    "sim-small": {"ttfc_ms": 5, "tokens_per_s": 4000}
  },
  "title": {"text": "Recorded template session"},
  "agents": {
    "planner": {"match": "You are the PLANNER agent", "steps": [
      {"text": "Delegating.", "tools": [
        {"name": "task", "args": {"subagent_type": "tester", "description": "Run the tests", "prompt": "Run the test suite"}},
        {"name": "task", "args": {"subagent_type": "coder", "description": "Fix the bug", "prompt": "Fix the bug in README.md"}}]},
      {"text": "Plan complete: tests pass, bug fixed.", "output_tokens": 40}]},
    "tester": {"match": "You are the TESTER agent", "steps": [
      {"tools": [{"name": "bash", "args": {"command": "echo tests-pass", "description": "Run the tests"}}]},
      {"text": "All tests pass."}]},
    "architect": {"match": "You are the ARCHITECT agent", "steps": [
      {"text": "Researching first.", "tools": [
        {"name": "task", "args": {"subagent_type": "researcher", "description": "Survey the code", "prompt": "Find the docs"}}]},
      {"text": "Design: keep it simple.", "output_tokens": 120}]},
    "researcher": {"match": "You are the RESEARCHER agent", "steps": [
      {"tools": [{"name": "glob", "args": {"pattern": "**/*.md"}}]},
      {"tools": [{"name": "grep", "args": {"pattern": "hello"}}]},
      {"text": "Found README.md mentioning hello."}]},
    "coder": {"match": "You are the CODER agent", "steps": [
      {"tools": [{"name": "read", "args": {"filePath": "README.md"}}]},
      {"tools": [{"name": "bash", "args": {"command": "echo patched", "description": "Apply the patch"}}]},
      {"text": "Patched."}]},
    "solo": {"match": "You are the SOLO agent", "steps": [
      {"tools": [{"name": "read", "args": {"filePath": "missing-file.txt"}}]},
      {"tools": [{"name": "bash", "args": {"command": "ls", "description": "List files"}}]},
      {"text": "The file is missing; listed the directory instead."}]},
    "worker": {"match": "You are the WORKER agent", "steps": [$worker_steps]}
  }
}
EOF

"$ap" simulate llm --config "$root/sim.json" --listen 127.0.0.1:0 --port-file "$root/sim.port" \
  --log "$root/sim.ndjson" >"$root/out/sim.out" 2>"$root/out/sim.err" &
sim_pid=$!
for _ in $(seq 1 300); do
  [ -s "$root/sim.port" ] && break
  kill -0 "$sim_pid" 2>/dev/null || die "agentperf simulate llm exited: $(cat "$root/out/sim.err")"
  sleep 0.05
done
port=$(tr -d '[:space:]' <"$root/sim.port")
[ -n "$port" ] || die "agentperf simulate llm did not start"

# --- the project: config with the sim provider, agents, one git commit.
model='"tool_call": true, "temperature": true, "cost": {"input": 1.0, "output": 2.0, "cache_read": 0.1}, "limit": {"context": 128000, "output": 4096}'
cat >"$proj/opencode.json" <<EOF
{
  "\$schema": "https://opencode.ai/config.json",
  "model": "sim/sim-large", "small_model": "sim/sim-small",
  "autoupdate": false, "share": "disabled",
  "provider": {"sim": {"npm": "@ai-sdk/openai-compatible", "name": "agentperf simulated model",
    "options": {"baseURL": "http://127.0.0.1:$port/v1", "apiKey": "sk-sim"},
    "models": {"sim-large": {"name": "Sim Large", $model},
               "sim-small": {"name": "Sim Small", $model}}}},
  "permission": {"bash": "allow", "edit": "allow", "external_directory": "allow"}
}
EOF
agent() {  # name mode model description prompt
  printf -- '---\ndescription: %s\nmode: %s\nmodel: %s\npermission:\n  bash: allow\n  task: allow\n---\n%s\n' \
    "$4" "$2" "$3" "$5" >"$proj/.opencode/agent/$1.md"
}
agent planner primary sim/sim-large "Plans the work and delegates" "You are the PLANNER agent. Delegate to tester and coder."
agent tester subagent sim/sim-large "Runs the test suite" "You are the TESTER agent. Run the tests."
agent coder all sim/sim-large "Fixes bugs" "You are the CODER agent. Fix the code."
agent architect primary sim/sim-large "Designs changes" "You are the ARCHITECT agent. Ask researcher first."
agent researcher subagent sim/sim-small "Surveys the code" "You are the RESEARCHER agent. Search the code."
agent solo primary sim/sim-large "Works alone" "You are the SOLO agent. Work alone."
agent worker primary sim/sim-small "Long-running worker" "You are the WORKER agent. Work step by step."
printf '# sim project\n\nhello\n' >"$proj/README.md"
(
  cd "$proj"
  export HOME=$home GIT_CONFIG_NOSYSTEM=1
  git init -q && git -c user.email=t@agentperf -c user.name=t add -A &&
    git -c user.email=t@agentperf -c user.name=t commit -q -m init
)
cp -al "$ocdir/plugin/node_modules" "$proj/.opencode/node_modules" 2>/dev/null ||
  cp -a "$ocdir/plugin/node_modules" "$proj/.opencode/node_modules"
cp -al "$ocdir/plugin/node_modules" "$home/.config/opencode/node_modules" 2>/dev/null ||
  cp -a "$ocdir/plugin/node_modules" "$home/.config/opencode/node_modules"

dead=http://127.0.0.1:9
run=0
oc_run() {  # args...
  run=$((run + 1))
  if ! (cd "$proj" && env -i PATH="$PATH" LANG=C.UTF-8 HOME="$home" XDG_CONFIG_HOME="$home/.config" \
    XDG_DATA_HOME="$home/.local/share" XDG_CACHE_HOME="$home/.cache" XDG_STATE_HOME="$home/.local/state" \
    OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_SHARE=1 \
    OPENCODE_DISABLE_LSP_DOWNLOAD=1 OPENCODE_DISABLE_DEFAULT_PLUGINS=1 OPENCODE_DISABLE_CLAUDE_CODE=1 \
    HTTP_PROXY=$dead HTTPS_PROXY=$dead http_proxy=$dead https_proxy=$dead NO_PROXY=127.0.0.1,localhost \
    no_proxy=127.0.0.1,localhost npm_config_registry=$dead/ \
    timeout 600 "$oc" run "$@" >"$root/out/run$run.out" 2>"$root/out/run$run.err"); then
    die "opencode run $* failed: $(tail -c 2000 "$root/out/run$run.err")"
  fi
  echo "record-opencode-template: run $run ok: $*" >&2
}

for i in 1 2 3; do oc_run --agent planner "Plan release $i"; done
for i in 1 2; do oc_run --agent architect "Design feature $i"; done
for i in 1 2; do oc_run --agent solo "Inspect the project $i"; done
for ((i = 1; i <= long; i++)); do
  oc_run --agent worker "Long task $i, turn 1"
  for ((t = 2; t <= turns; t++)); do oc_run --continue --agent worker "Long task $i, turn $t"; done
done

kill "$sim_pid" && wait "$sim_pid" 2>/dev/null || true
sim_pid=

db=$home/.local/share/opencode/opencode.db
[ -f "$db" ] || die "opencode wrote no database at $db"
mkdir -p "$(dirname "$out")"
tmp_out=$out.tmp.$$
rm -f "$tmp_out"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
sqlite3 "$db" "VACUUM INTO '$tmp_out';"
sqlite3 "$tmp_out" "DELETE FROM event; DELETE FROM event_sequence; PRAGMA journal_mode=DELETE; VACUUM;" >/dev/null
mv "$tmp_out" "$out"
sqlite3 "$out" "SELECT 'sessions', count(*) FROM session UNION ALL SELECT 'messages', count(*) FROM message
  UNION ALL SELECT 'parts', count(*) FROM part;" | tr '|' ' ' >&2
echo "record-opencode-template: wrote $out ($(stat -c %s "$out") bytes)" >&2
