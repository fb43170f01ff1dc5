#!/usr/bin/env bash
# Installs what is missing (Debian packages; the pinned opencode for
# `agentperf demo`), builds agentperf (release) and runs
#   agentperf serve
# on its embedded store: http://127.0.0.1:7420 , data in ~/.local/share/agentperf
# (override with AGENTPERF_DATA). Extra arguments go to `agentperf serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The pinned opencode that `agentperf demo` drives (npm registry). Not needed
# by serve itself: a failure is reported, not fatal.
scripts/install-opencode.sh ||
  echo "run: warning: opencode 1.18.33 could not be installed; \`agentperf demo\` needs it (scripts/install-opencode.sh)" >&2
scripts/build.sh release agentperf
exec build/src/agentperf serve "$@"
