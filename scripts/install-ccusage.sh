#!/usr/bin/env bash
# Installs the pinned ccusage that `agentperf bench import` runs as its
# competitor, with npm from the registry (no sudo):
#   <dir>/node_modules/.bin/ccusage                                  the npm entry (a Node shim)
#   <dir>/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage        the native binary it execs
# <dir> is $AGENTPERF_CCUSAGE_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/agentperf/ccusage-20.0.24.
#
# How ccusage 20.0.24 runs here: the `ccusage` npm package is only a small
# Node script (src/cli.js) that execs the platform package's native binary
# (@ccusage/ccusage-<os>-<arch>, a static Rust executable with SQLite built
# in), so neither Node's version nor a Node SQLite driver matters: it reads
# opencode.db the same way under Debian 12's Node 18 and Node 20+. OpenCode's
# data folder is taken from OPENCODE_DATA_DIR (else $XDG_DATA_HOME/opencode,
# else ~/.local/share/opencode); it reads opencode.db (and opencode-*.db, and a
# legacy storage/ tree). `agentperf bench import` runs the native binary
# directly: `ccusage opencode session --json --offline`.
#
# Idempotent: does nothing when the binary there prints 20.0.24. Installs into
# a staging folder and renames it, so an interrupted install never leaves a
# half-filled <dir>.
set -euo pipefail

VERSION=20.0.24
dir=${AGENTPERF_CCUSAGE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agentperf/ccusage-$VERSION}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 ;;
  Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
  Darwin-x86_64) platform=darwin-x64 ;;
  Darwin-arm64) platform=darwin-arm64 ;;
  *) echo "install-ccusage: error: no ccusage native package for $(uname -s) $(uname -m)" >&2; exit 1 ;;
esac
native_rel=node_modules/@ccusage/ccusage-$platform/bin/ccusage
bin=$dir/$native_rel

installed() {
  [ -x "$bin" ] && [ -x "$dir/node_modules/.bin/ccusage" ] &&
    [ "$("$bin" --version 2>/dev/null | awk '{print $NF}' | tr -d '[:space:]')" = "$VERSION" ]
}

if installed; then
  echo "install-ccusage: ccusage $VERSION already installed in $dir"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install-ccusage: error: npm not found. Install Node.js and npm first" \
       "(Debian: scripts/install-deps.sh, or apt-get install nodejs npm)." >&2
  exit 1
fi

parent=$(dirname "$dir")
mkdir -p "$parent"
stage=$(mktemp -d "$parent/.ccusage-$VERSION.XXXXXX")
trap 'rm -rf "$stage"' EXIT

printf '{\n  "name": "agentperf-ccusage",\n  "private": true\n}\n' >"$stage/package.json"
echo "install-ccusage: installing ccusage@$VERSION and @ccusage/ccusage-$platform@$VERSION into $dir"
# --prefix keeps npm 9 and 11 from walking up to another package.json. The
# platform package is named explicitly: npm skips optional dependencies with
# --omit=optional or a mismatched lock, and the shim is useless without it.
if ! npm install --prefix "$stage" --no-audit --no-fund --no-update-notifier --save-exact --loglevel=error \
  "ccusage@$VERSION" "@ccusage/ccusage-$platform@$VERSION"; then
  echo "install-ccusage: error: npm install failed (is the npm registry reachable?)" >&2
  exit 1
fi
# npm does not always keep the executable bit of a bin that is not declared in `bin`.
chmod +x "$stage/$native_rel" 2>/dev/null || true

got=$("$stage/$native_rel" --version 2>/dev/null | awk '{print $NF}' | tr -d '[:space:]' || true)
if [ "$got" != "$VERSION" ]; then
  echo "install-ccusage: error: the installed binary prints '$got', expected $VERSION" >&2
  exit 1
fi

rm -rf "$dir"
mv "$stage" "$dir"
trap - EXIT
if ! installed; then
  echo "install-ccusage: error: $bin does not work after the install" >&2
  exit 1
fi
echo "install-ccusage: ccusage $VERSION installed: $bin (npm entry: $dir/node_modules/.bin/ccusage)"
