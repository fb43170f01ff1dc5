#!/usr/bin/env bash
# Installs what is missing, builds agentperf (release) and runs
#   agentperf serve
# on its embedded store: http://127.0.0.1:7420 , data in ~/.local/share/agentperf
# (override with AGENTPERF_DATA). Extra arguments go to `agentperf serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release agentperf
exec build/src/agentperf serve "$@"
