#!/usr/bin/env bash
# Configures and builds agentperf.
#   scripts/build.sh            release build in build/          (-O2, what `serve` runs)
#   scripts/build.sh asan       Debug + AddressSanitizer + UBSan in build-asan/
# Extra arguments go to ninja (e.g. a target name).
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-release}
[ $# -gt 0 ] && shift
case "$kind" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DAGENTPERF_SANITIZE=ON) ;;
  *) echo "usage: scripts/build.sh [release|asan] [ninja targets...]" >&2; exit 2 ;;
esac

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
fi
jobs=${AGENTPERF_JOBS:-$(nproc)}
ninja -C "$dir" -j "$jobs" "$@"
