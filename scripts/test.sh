#!/usr/bin/env bash
# Installs what is missing, builds agentperf twice (release, and Debug with
# ASan+UBSan) and runs every test in both builds: unit, golden, integration
# (HTTP server in-process) and end-to-end (crash test with SIGKILL, CLI).
# Exit status 0 only if everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

scripts/install-deps.sh
# The pinned real opencode (npm) that the e2e-opencode tests drive.
scripts/install-opencode.sh
# ccusage, the competitor of `agentperf bench import` (its smoke test runs in CI).
scripts/install-ccusage.sh

run_suite() {
  local kind=$1 dir=$2
  echo "== build ($kind)"
  scripts/build.sh "$kind"
  echo "== test ($kind)"
  (cd "$dir" && ctest --output-on-failure -j "${AGENTPERF_TEST_JOBS:-2}" --timeout 1200)
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_suite release build
run_suite asan build-asan
echo "== all tests passed in $((SECONDS - start))s"
